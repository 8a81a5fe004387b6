"""The CUDA fused-update kernels against their CPU twins, on tiny arrays: under Numba's CUDA simulator
when no GPU answers (tests/conftest.py turns it on), on CuPy arrays and the real GPU otherwise.  Also
the dispatch module's checks."""
import numpy as np
import pytest

from tests.conftest import GPU_AVAILABLE

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


def _check(kernel_name, arrays, scalars, flags, dtype, n_state_outputs):
    cast = np.dtype(dtype).type
    s = [cast(x) for x in scalars]
    host = [a.copy() for a in arrays]
    dev = [_to_dev(a) for a in arrays]
    getattr(cpu, kernel_name)(*host, *s, *flags)
    getattr(gpu, kernel_name)(*dev, *s, *flags)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for i, (h, d) in enumerate(zip(host, dev)):
        np.testing.assert_allclose(_host(d), h, rtol=rtol, atol=rtol, err_msg=f"{kernel_name} array {i}")
    assert not np.array_equal(host[0], arrays[0])  # the parameter moved


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, nesterov, maximize, first", [(0.0, False, False, False), (0.9, True, False, False),
                                                                 (0.9, False, True, True)])
def test_sgd_twins(dtype, momentum, nesterov, maximize, first):
    p, g, buf = _arrays(dtype, 3)
    _check("sgd_update", [p, g, buf], [0.1, 0.01, momentum, 0.8], [nesterov, maximize, first], dtype, 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_adagrad_twins(dtype):
    p, g, s = _arrays(dtype, 3)
    _check("adagrad_update", [p, g, s], [0.1, 0.01, 1e-10], [False], dtype, 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("centered, momentum", [(False, 0.0), (True, 0.9)])
def test_rmsprop_twins(dtype, centered, momentum):
    p, g, gavg, buf, sq = _arrays(dtype, 5)
    gavg *= 0.1  # keep sq - gavg**2 positive
    _check("rmsprop_update", [p, g, sq, gavg, buf], [0.01, 0.9, 0.1, 1e-8, 0.01, momentum], [centered, False],
           dtype, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("amsgrad, decoupled", [(False, False), (True, True)])
def test_adam_twins(dtype, amsgrad, decoupled):
    p, g, m, vmax, v = _arrays(dtype, 5)
    wd, decay = (0.0, 1 - 0.1 * 0.01) if decoupled else (0.01, 1.0)
    scalars = [0.9, 0.1, 0.999, 0.001, 0.1 / (1 - 0.9**3), (1 - 0.999**3) ** 0.5, 1e-8, wd, decay]
    _check("adam_update", [p, g, m, v, vmax], scalars, [amsgrad, False], dtype, 3)


def test_dispatch_checks():
    p = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match="gradient shape"):
        dispatch.sgd_update(p, np.zeros(5, np.float32), np.empty(0, np.float32), lr=0.1)
    with pytest.raises(TypeError, match="float16"):
        dispatch.sgd_update(p.astype(np.float16), p.astype(np.float16), np.empty(0, np.float16), lr=0.1)
    with pytest.raises(TypeError, match="exp_avg has dtype float64"):
        dispatch.adam_update(p, p, np.zeros(4), np.zeros(4, np.float32), np.empty(0, np.float32), step=1, lr=0.1)
    # a float64 gradient on a float32 parameter is cast, and the update stays float32
    dispatch.sgd_update(p, np.ones(4), np.empty(0, np.float32), lr=0.5)
    assert p.dtype == np.float32 and np.all(p == -0.5)
