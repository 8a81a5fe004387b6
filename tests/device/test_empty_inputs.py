"""Every kernel wrapper on "cuda" returns early on empty inputs (the launch helper refuses 0-block grids, as
hardware does, so a wrapper that launched one would raise here) and gives NumPy's / the CPU's answer."""
import numpy as np
import pytest

import kernels
from engine import backend
from kernels import optim_updates


def _dev(a):
    return backend.to_device(np.asarray(a), "cuda")


CASES = {
    "matmul_tiled_m0": lambda: kernels.matmul_tiled(np.ones((0, 4), np.float32), np.ones((4, 3), np.float32)),
    "matmul_tiled_n0": lambda: kernels.matmul_tiled(np.ones((2, 4), np.float32), np.ones((4, 0), np.float32)),
    "conv2d_n0": lambda: kernels.conv2d_forward(np.ones((0, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.ones(3)),
    "conv2d_backward_n0": lambda: kernels.conv2d_backward(np.ones((0, 3, 3, 3)), np.ones((0, 2, 5, 5)),
                                                          np.ones((3, 2, 3, 3))),
    "max_pool_n0": lambda: kernels.max_pool2d_forward(np.ones((0, 2, 4, 4)), 2),
    "avg_pool_c0": lambda: kernels.avg_pool2d_forward(np.ones((1, 0, 4, 4)), 2),
    "adaptive_pool_n0": lambda: kernels.adaptive_avg_pool2d_forward(np.ones((0, 2, 4, 4)), 2),
    "relu_empty": lambda: kernels.activation_forward(np.ones((0, 3)), "relu"),
    "softmax_rows0": lambda: kernels.softmax(np.ones((0, 5))),
    "softmax_axis0_empty": lambda: kernels.softmax(np.ones((3, 0, 2)), axis=1),
    "cross_entropy_n0": lambda: kernels.softmax_cross_entropy_forward(np.ones((0, 4)), np.zeros(0, np.int64)),
    "batch_norm_c0": lambda: kernels.batch_norm_forward(np.ones((2, 0, 3))),
}


def _on(device, value):
    if isinstance(value, tuple):
        return tuple(_on(device, v) for v in value)
    if value is None:
        return None
    return backend.to_device(value, device) if device == "cpu" else value


def _call_with_device_arrays(name):
    """The case's call with every array argument on the device (patched ``np.ones`` / ``np.zeros``)."""
    import numpy

    ones, zeros = numpy.ones, numpy.zeros
    try:
        numpy.ones = lambda *a, **k: _dev(ones(*a, **k))
        numpy.zeros = lambda *a, **k: _dev(zeros(*a, **k))
        return CASES[name]()
    finally:
        numpy.ones, numpy.zeros = ones, zeros


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_input_on_cuda_matches_cpu(name, cuda_device):
    cpu = CASES[name]()
    dev = _call_with_device_arrays(name)
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
    optim_updates.sgd_update(p, g, buf, optim_updates.sgd_hparams(np.float64, lr=0.1, momentum=0.9))
    assert p.shape == (0,)
