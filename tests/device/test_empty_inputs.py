"""Every kernel wrapper on "cuda" returns early on empty inputs (the launch helper refuses 0-block grids, as
hardware does, so a wrapper that launched one would raise here) and gives NumPy's / the CPU's answer."""
import numpy as np
import pytest

import kernels
from engine import backend
from engine.ops.pool_params import pool2d_params
from engine.ops.conv_params import conv2d_params
from kernels import optim_updates

_EMPTY_CONV = conv2d_params("conv2d", (0, 2, 5, 5), (3, 2, 3, 3))


def _dev(a):
    return backend.to_device(np.asarray(a), "cuda")


def _ones(d, shape, dtype=np.float64):
    return d(np.ones(shape, dtype))


_POOL2 = pool2d_params("max_pool2d", np.ones((1, 1, 4, 4)), 2)

CASES = {  # each takes ``d``, which puts an array where the case runs (identity for the CPU)
    "matmul_tiled_m0": lambda d: kernels.matmul_tiled(_ones(d, (0, 4), np.float32), _ones(d, (4, 3), np.float32)),
    "matmul_tiled_n0": lambda d: kernels.matmul_tiled(_ones(d, (2, 4), np.float32), _ones(d, (4, 0), np.float32)),
    "conv2d_n0": lambda d: kernels.conv2d_forward(_ones(d, (0, 2, 5, 5)), _ones(d, (3, 2, 3, 3)), _ones(d, 3),
                                                  _EMPTY_CONV),
    "conv2d_backward_n0": lambda d: kernels.conv2d_backward(_ones(d, (0, 3, 3, 3)), _ones(d, (0, 2, 5, 5)),
                                                            _ones(d, (3, 2, 3, 3)), _EMPTY_CONV),
    "max_pool_n0": lambda d: kernels.max_pool2d_forward(_ones(d, (0, 2, 4, 4)), _POOL2),
    "avg_pool_c0": lambda d: kernels.avg_pool2d_forward(_ones(d, (1, 0, 4, 4)), _POOL2),
    "adaptive_pool_n0": lambda d: kernels.adaptive_avg_pool2d_forward(_ones(d, (0, 2, 4, 4)), (2, 2)),
    "relu_empty": lambda d: kernels.activation_forward(_ones(d, (0, 3)), "relu"),
    "softmax_rows0": lambda d: kernels.softmax(_ones(d, (0, 5))),
    "softmax_axis0_empty": lambda d: kernels.softmax(_ones(d, (3, 0, 2)), axis=1),
    "cross_entropy_n0": lambda d: kernels.softmax_cross_entropy_forward(_ones(d, (0, 4)), _ones(d, 0, np.int64)),
    "batch_norm_c0": lambda d: kernels.batch_norm_forward(_ones(d, (2, 0, 3))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_input_on_cuda_matches_cpu(name, cuda_device):
    cpu = CASES[name](lambda a: a)
    dev = CASES[name](_dev)
    cpu = cpu if isinstance(cpu, tuple) else (cpu,)
    dev = dev if isinstance(dev, tuple) else (dev,)
    assert len(cpu) == len(dev)
    for c, d in zip(cpu, dev):
        if c is None:
            assert d is None
            continue
        assert backend.device_of(d) == cuda_device
        assert d.shape == c.shape and d.dtype == c.dtype
        np.testing.assert_array_equal(backend.to_numpy(d), c)


def test_optimiser_update_of_an_empty_parameter_launches_nothing(cuda_device):
    p, g, buf = _dev(np.ones(0)), _dev(np.ones(0)), _dev(np.ones(0))
    kernels.sgd_update(p, [g], buf, optim_updates.sgd_hparams(np.float64, lr=0.1, momentum=0.9), 0)
    assert p.shape == (0,)
