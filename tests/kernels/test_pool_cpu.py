"""Pooling kernels on the CPU against float64 window-by-window references and adjointness."""
import numpy as np
import pytest

import kernels
from engine.ops.pool_params import adaptive_size, pool2d_params
from tests.kernels import _ref

MAX_CASES = [
    # shape, kernel, stride, padding, dilation, ceil
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((1, 2, 7, 5), (3, 2), (2, 1), (1, 1), (1, 1), False),
    ((2, 1, 9, 7), (3, 3), (2, 2), (1, 0), (2, 1), True),
    ((1, 2, 5, 7), (2, 2), (2, 2), (0, 0), (1, 1), True),
    ((1, 1, 6, 6), (3, 3), (1, 1), (1, 1), (1, 1), False),
]


@pytest.mark.parametrize("case", MAX_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_matches_reference(case, dtype):
    shape, k, s, p, d, ceil = case
    x = np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape).astype(dtype)  # no ties
    prm = pool2d_params("max_pool2d", x, k, s, p, d, ceil)
    y, idx = kernels.max_pool2d_forward(x, prm)
    ry, ridx = _ref.max_pool2d(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)
    assert idx.dtype == np.int32
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    gx = kernels.max_pool2d_backward(gy, idx, prm)
    ref = np.zeros(x.shape)
    n, c = x.shape[:2]
    flat = ref.reshape(n, c, -1)
    for a in range(n):
        for b in range(c):
            np.add.at(flat[a, b], ridx[a, b].ravel(), gy[a, b].ravel())
    np.testing.assert_allclose(gx, ref, rtol=1e-6, atol=1e-6)


def test_max_pool_propagates_nan():
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 1, 1] = np.nan
    x[0, 0, 3, 3] = 5
    y, idx = kernels.max_pool2d_forward(x, pool2d_params("max_pool2d", x, 2))
    assert np.isnan(y[0, 0, 0, 0]) and idx[0, 0, 0, 0] == 5 and y[0, 0, 1, 1] == 5
    y3, _ = kernels.max_pool2d_forward(x, pool2d_params("max_pool2d", x, 3, 1))
    assert np.isnan(y3[0, 0, 0, 0])


AVG_CASES = [
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), False, True),
    ((1, 2, 7, 5), (3, 2), (2, 1), (1, 1), False, True),
    ((1, 2, 7, 5), (3, 3), (2, 2), (1, 1), True, True),
    ((1, 2, 7, 5), (3, 3), (2, 2), (1, 1), True, False),
    ((2, 1, 6, 9), (2, 3), (3, 2), (1, 1), False, False),
]


@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool_matches_reference_and_adjoint(case):
    shape, k, s, p, ceil, inc = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    prm = pool2d_params("avg_pool2d", x, k, s, p, 1, ceil, inc)
    y = kernels.avg_pool2d_forward(x, prm)
    np.testing.assert_allclose(y, _ref.avg_pool2d(x, k, s, p, ceil, inc), atol=1e-12)
    gy = rng.standard_normal(y.shape)
    gx = kernels.avg_pool2d_backward(gy, prm)
    assert np.isclose((y * gy).sum(), (x * gx).sum())  # backward is the adjoint of the (linear) forward


@pytest.mark.parametrize("out", [1, (2, 3), (3, 3)])
def test_adaptive_and_global_avg_pool(out):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 8))
    y = kernels.adaptive_avg_pool2d_forward(x, adaptive_size("adaptive_avg_pool2d", out))
    oh, ow = (out, out) if isinstance(out, int) else out
    assert y.shape == (2, 3, oh, ow)
    for i in range(oh):
        for j in range(ow):
            h0, h1 = (i * 7) // oh, -(-((i + 1) * 7) // oh)
            w0, w1 = (j * 8) // ow, -(-((j + 1) * 8) // ow)
            np.testing.assert_allclose(y[:, :, i, j], x[:, :, h0:h1, w0:w1].mean(axis=(2, 3)))
    gy = rng.standard_normal(y.shape)
    gx = kernels.adaptive_avg_pool2d_backward(gy, x.shape)
    assert np.isclose((y * gy).sum(), (x * gx).sum())
    g = kernels.global_avg_pool_forward(x)
    np.testing.assert_allclose(g, x.mean(axis=(2, 3)))
    np.testing.assert_allclose(kernels.global_avg_pool_backward(np.ones((2, 3)), x.shape), np.full(x.shape, 1 / 56))


@pytest.mark.parametrize("build,error,message", [
    (lambda: pool2d_params("max_pool2d", np.zeros((1, 1, 4, 4)), 2, padding=2), ValueError,
     r"max_pool2d: padding \(2, 2\) should be at most half of kernel size \(2, 2\)"),
    (lambda: pool2d_params("avg_pool2d", np.zeros((1, 4, 4)), 2), ValueError,
     r"avg_pool2d: expected a 4-d input \(N, C, H, W\), got shape \(1, 4, 4\)"),
    (lambda: pool2d_params("max_pool2d", np.zeros((1, 1, 4, 4)), 5), ValueError,
     r"max_pool2d: input of spatial size \(4, 4\) is too small for kernel \(5, 5\) \(output would be 0x0\)"),
    (lambda: pool2d_params("max_pool2d", np.zeros((1, 1, 4, 4), np.int64), 2), TypeError,
     "max_pool2d: expected a floating-point input, got int64"),
    (lambda: pool2d_params("max_pool2d", np.zeros((1, 1, 4, 4)), 2, stride=0), ValueError,
     r"max_pool2d: kernel_size \(2, 2\), stride \(0, 0\), dilation \(1, 1\) must be >= 1, padding \(0, 0\) >= 0"),
    (lambda: pool2d_params("max_pool2d", np.zeros((1, 1, 4, 4)), (2, 2, 2)), ValueError,
     r"max_pool2d: kernel_size must be an int or 2 ints, got \(2, 2, 2\)"),
    (lambda: adaptive_size("adaptive_avg_pool2d", (0, 2)), ValueError,
     r"adaptive_avg_pool2d: output_size must be >= 1, got \(0, 2\)"),
])
def test_pool_door_rejects_bad_arguments(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_pool_params_are_built_once_with_the_output_size():
    prm = pool2d_params("max_pool2d", np.zeros((2, 3, 9, 7)), 3, 2, 1, (2, 1), True)
    assert prm.out_size == (4, 4) and prm.in_size == (9, 7)
    assert prm.window == (3, 3, 2, 2, 1, 1, 2, 1)
    with pytest.raises(AttributeError):
        prm.kernel = (1, 1)  # frozen


def test_the_2x2_fast_path_is_a_declared_capability(monkeypatch):
    from kernels.cpu import pool as cpu_pool

    hits = []
    applies, fast = cpu_pool.MAX_POOL2D_FWD_FAST_PATHS[0]
    monkeypatch.setattr(cpu_pool, "MAX_POOL2D_FWD_FAST_PATHS",
                        ((applies, lambda *a: hits.append(1) or fast(*a)),))
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 6))
    y, _ = kernels.max_pool2d_forward(x, pool2d_params("max_pool2d", x, 2))
    assert hits == [1]
    np.testing.assert_array_equal(y, x.reshape(1, 2, 2, 2, 3, 2).max(axis=(3, 5)))
    kernels.max_pool2d_forward(x, pool2d_params("max_pool2d", x, 2, 1))
    assert hits == [1]  # stride 1: the general kernel
