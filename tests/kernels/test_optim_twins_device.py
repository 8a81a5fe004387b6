"""The fused optimiser updates' CUDA twins on device arrays, through the dispatch (``kernels.sgd_update``, ...;
the gradients as the list the optimisers hand over, one array per parameter), with the 0-size placeholder arrays the optimisers send for state a configuration does not use
(no momentum, no amsgrad, not centered): in place, equal to the CPU twin, every launch on the caller's
non-default stream (tests/kernels/_twins.py).  The full hyperparameter matrix is tests/optim/test_kernels.py."""
import numpy as np
import pytest

import kernels
from kernels import optim_updates as ou
from tests.kernels._twins import both

N = 37  # a partial block, small enough for the simulator


def _data(dtype, k, seed=0):
    rng = np.random.default_rng(seed)
    return [np.abs(rng.standard_normal(N)).astype(dtype) if i == k - 1 else rng.standard_normal(N).astype(dtype)
            for i in range(k)]


def _close(cpu, gpu, dtype):
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for i, (u, v) in enumerate(zip(cpu, gpu)):
        assert v.shape == u.shape and v.dtype == u.dtype, f"array {i}"
        np.testing.assert_allclose(v, u, rtol=tol, atol=tol, err_msg=f"array {i}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_without_momentum_gets_an_empty_buffer(dtype, monkeypatch):
    p, g = _data(dtype, 2)
    hp = ou.sgd_hparams(dtype, lr=0.1, weight_decay=0.01)

    def step(p, g, buf):
        kernels.sgd_update(p, [g[:10], g[10:]], buf, hp, ou.MAXIMIZE)
        return p, buf

    cpu, gpu = both(monkeypatch, step, p, g, np.empty(0, dtype))
    _close(cpu, gpu, dtype)
    assert gpu[1].size == 0


def test_adam_without_amsgrad_and_rmsprop_plain_get_empty_state(monkeypatch):
    p, g, m, v = _data(np.float32, 4, seed=1)
    empty = np.empty(0, np.float32)
    adam = ou.adam_hparams(np.float32, step=2, lr=0.01, weight_decay=0.1, decoupled=True)
    rms = ou.rmsprop_hparams(np.float32, lr=0.01, alpha=0.9)

    def steps(p, g, m, v, e1, e2, e3):
        kernels.adam_update(p, [g], m, v, e1, adam, 0)
        kernels.rmsprop_update(p, [g[:0], g], v, e2, e3, rms, 0)
        return p, m, v

    cpu, gpu = both(monkeypatch, steps, p, g, m, v, empty, empty.copy(), empty.copy(), min_launches=2)
    _close(cpu, gpu, np.float32)


def test_an_empty_parameter_launches_nothing(monkeypatch):
    e = np.empty(0, np.float64)
    hp = ou.adam_hparams(np.float64, step=1, lr=0.1)

    def step(p, g, m, v):
        kernels.adam_update(p, [g], m, v, p[:0], hp, 0)
        return p, m

    cpu, gpu = both(monkeypatch, step, e, e.copy(), e.copy(), e.copy(), min_launches=0)
    assert gpu[0].shape == (0,) and cpu[0].shape == (0,)
