"""The CUDA fused-update kernels against their CPU twins, on tiny arrays: under Numba's CUDA simulator
when no GPU answers (tests/conftest.py turns it on), on CuPy arrays and the real GPU otherwise.  Also
the dispatch to the CPU twin."""
import numpy as np
import pytest

from tests.conftest import GPU_AVAILABLE

import kernels
import kernels.cpu.optim_updates as cpu
import kernels.cuda.optim_updates as gpu
from kernels import optim_updates as dispatch

N = 37  # a partial block, and small enough for the simulator


def _arrays(dtype, k, seed=0):
    rng = np.random.default_rng(seed)
    out = [rng.normal(size=N).astype(dtype) for _ in range(k)]
    out[-1] = np.abs(out[-1])  # last state array is a second moment: non-negative
    return out


def _to_dev(a):
    if GPU_AVAILABLE:
        import cupy

        return cupy.asarray(a)
    return a.copy()


def _host(a):
    return a.get() if hasattr(a, "get") else a


def _split(g):
    """The gradient as the optimisers hand it over: one array per parameter (here three, one of them empty)."""
    return [g[:5], g[5:5], g[5:]]


def _check(kernel_name, arrays, hp, flags):
    host = [a.copy() for a in arrays]
    dev = [_to_dev(a) for a in arrays]
    getattr(cpu, kernel_name)(host[0], _split(host[1]), *host[2:], hp, flags)
    getattr(gpu, kernel_name)(dev[0], _split(dev[1]), *dev[2:], hp, flags)
    rtol = 1e-5 if hp.dtype == np.float32 else 1e-12
    for i, (h, d) in enumerate(zip(host, dev)):
        assert d.dtype == hp.dtype
        np.testing.assert_allclose(_host(d), h, rtol=rtol, atol=rtol, err_msg=f"{kernel_name} array {i}")
    assert not np.array_equal(host[0], arrays[0])  # the parameter moved


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "momentum, flags", [(0.0, 0), (0.9, dispatch.NESTEROV), (0.9, dispatch.MAXIMIZE | dispatch.FIRST)])
def test_sgd_twins(dtype, momentum, flags):
    p, g, buf = _arrays(dtype, 3)
    hp = dispatch.sgd_hparams(dtype, lr=0.1, weight_decay=0.01, momentum=momentum, dampening=0.2)
    _check("sgd_update", [p, g, buf], hp, flags)


@pytest.mark.parametrize("dtype", DTYPES)
def test_adagrad_twins(dtype):
    p, g, s = _arrays(dtype, 3)
    _check("adagrad_update", [p, g, s], dispatch.adagrad_hparams(dtype, clr=0.1, weight_decay=0.01), dispatch.MAXIMIZE)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, flags", [(0.0, 0), (0.9, dispatch.CENTERED)])
def test_rmsprop_twins(dtype, momentum, flags):
    p, g, gavg, buf, sq = _arrays(dtype, 5)
    gavg *= 0.1  # keep sq - gavg**2 positive
    hp = dispatch.rmsprop_hparams(dtype, lr=0.01, alpha=0.9, weight_decay=0.01, momentum=momentum)
    _check("rmsprop_update", [p, g, sq, gavg, buf], hp, flags)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags, decoupled", [(0, False), (dispatch.AMSGRAD, True)])
def test_adam_twins(dtype, flags, decoupled):
    p, g, m, vmax, v = _arrays(dtype, 5)
    hp = dispatch.adam_hparams(dtype, step=3, lr=0.1, weight_decay=0.01, decoupled=decoupled)
    _check("adam_update", [p, g, m, v, vmax], hp, flags)


def test_dispatch_runs_the_cpu_twin_on_numpy_arrays():
    p, g, buf = np.zeros(4, np.float32), np.ones(4, np.float32), np.empty(0, np.float32)
    kernels.sgd_update(p, [g], buf, dispatch.sgd_hparams(np.float32, lr=0.5), 0)
    assert p.dtype == np.float32 and np.all(p == -0.5)


def test_the_cpu_twin_reads_more_gradients_than_one_compiled_call_takes():
    n = 2 * cpu.CHUNK + 3  # three compiled calls; one gradient is read-only, the others writeable
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=k) for k in range(n)]
    grads[4] = np.broadcast_to(np.float64(0.5), (1,))
    p = np.zeros(sum(g.size for g in grads))
    kernels.sgd_update(p, grads, np.empty(0), dispatch.sgd_hparams(np.float64, lr=0.5), 0)
    np.testing.assert_array_equal(p, -0.5 * np.concatenate(grads))


def test_a_float64_gradient_on_a_float32_parameter_is_cast_and_the_update_stays_float32():
    import engine
    import optim

    w = engine.tensor(np.zeros(4, np.float32), requires_grad=True)
    w.grad = engine.tensor(np.ones(4))
    optim.SGD([w], lr=0.5).step()
    assert w.dtype == "float32" and np.all(w.numpy() == -0.5)
