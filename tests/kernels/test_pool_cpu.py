"""Pooling kernels on the CPU against float64 window-by-window references and adjointness."""
import numpy as np
import pytest

import kernels
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
    y, idx = kernels.max_pool2d_forward(x, k, s, p, d, ceil)
    ry, ridx = _ref.max_pool2d(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)
    assert idx.dtype == np.int32
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    gx = kernels.max_pool2d_backward(gy, idx, x.shape, k, s, p, d, ceil)
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
    y, idx = kernels.max_pool2d_forward(x, 2)
    assert np.isnan(y[0, 0, 0, 0]) and idx[0, 0, 0, 0] == 5 and y[0, 0, 1, 1] == 5
    y3, _ = kernels.max_pool2d_forward(x, 3, 1)
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
    y = kernels.avg_pool2d_forward(x, k, s, p, ceil, inc)
    np.testing.assert_allclose(y, _ref.avg_pool2d(x, k, s, p, ceil, inc), atol=1e-12)
    gy = rng.standard_normal(y.shape)
    gx = kernels.avg_pool2d_backward(gy, x.shape, k, s, p, ceil, inc)
    assert np.isclose((y * gy).sum(), (x * gx).sum())  # backward is the adjoint of the (linear) forward


@pytest.mark.parametrize("out", [1, (2, 3), (3, 3)])
def test_adaptive_and_global_avg_pool(out):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 8))
    y = kernels.adaptive_avg_pool2d_forward(x, out)
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


def test_pool_rejects_bad_arguments():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="max_pool2d"):
        kernels.max_pool2d_forward(x, 2, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d"):
        kernels.avg_pool2d_forward(np.zeros((1, 4, 4)), 2)
    with pytest.raises(ValueError, match="too small"):
        kernels.max_pool2d_forward(x, 5)
