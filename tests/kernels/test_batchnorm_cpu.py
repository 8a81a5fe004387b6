"""Fused batch-norm kernels on the CPU against plain float64 NumPy references and numerical gradients.

Shapes cover both CPU paths (wide planes reduced per channel, narrow ones through column
accumulators), several channel blocks per task, and the threaded split (> 2**18 values).
"""
import re

import numpy as np
import pytest

import kernels

EPS = 1e-5


# ---- plain float64 references ------------------------------------------------------------------
def _axes_and_shape(x):
    return (0,) + tuple(range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)


def ref_forward(x, w, b, mean=None, var=None, eps=EPS):
    """(y, mean, biased var, invstd) in float64; batch statistics when mean is None."""
    x = x.astype(np.float64)
    axes, bs = _axes_and_shape(x)
    if mean is None:
        mean = x.mean(axis=axes)
        var = ((x - mean.reshape(bs)) ** 2).mean(axis=axes)
    mean, var = np.asarray(mean, np.float64), np.asarray(var, np.float64)
    invstd = 1.0 / np.sqrt(var + eps)
    y = (x - mean.reshape(bs)) * invstd.reshape(bs)
    if w is not None:
        y = y * w.astype(np.float64).reshape(bs)
    if b is not None:
        y = y + b.astype(np.float64).reshape(bs)
    return y, mean, var, invstd


def ref_backward(gy, x, w, training, mean=None, var=None, eps=EPS):
    """(gx, gw, gb) in float64 from the textbook formulas."""
    gy, x = gy.astype(np.float64), x.astype(np.float64)
    axes, bs = _axes_and_shape(x)
    _, mean, var, invstd = ref_forward(x, None, None, mean, var, eps)
    xhat = (x - mean.reshape(bs)) * invstd.reshape(bs)
    w = np.ones(x.shape[1]) if w is None else w.astype(np.float64)
    gb = gy.sum(axis=axes)
    gw = (gy * xhat).sum(axis=axes)
    if training:
        n = x.size // x.shape[1]
        gx = (w * invstd / n).reshape(bs) * (n * gy - gb.reshape(bs) - xhat * gw.reshape(bs))
    else:
        gx = gy * (w * invstd).reshape(bs)
    return gx, gw, gb


def _data(shape, dtype, seed=0, offset=0.0, affine=True):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = (rng.standard_normal(shape) * 1.5 + offset).astype(dtype)
    gy = rng.standard_normal(shape).astype(dtype)
    w = rng.uniform(0.5, 1.5, c).astype(dtype) if affine else None
    b = rng.standard_normal(c).astype(dtype) if affine else None
    return x, gy, w, b


SHAPES = [(6, 4), (5, 3, 7), (3, 2, 4, 5), (2, 3, 12, 12), (2, 2, 3, 2, 2),
          (4096, 70), (2, 3, 300, 300)]
TOL = {np.float64: 1e-11, np.float32: 2e-5}


def _close(got, want, tol):
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_forward_and_backward(shape, dtype):
    x, gy, w, b = _data(shape, dtype)
    y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
    ry, rmean, rvar, rinvstd = ref_forward(x, w, b)
    assert y.dtype == dtype and y.shape == x.shape and mean.dtype == var.dtype == invstd.dtype == dtype
    for got, want in ((y, ry), (mean, rmean), (var, rvar), (invstd, rinvstd)):
        _close(got, want, TOL[dtype])
    grads = kernels.batch_norm_backward(gy, x, w, mean, invstd, True)
    for got, want in zip(grads, ref_backward(gy, x, w, True)):
        assert got.dtype == dtype
        _close(got, want, TOL[dtype] * 10)


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 4, 5), (2, 3, 12, 12), (4096, 70)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_evaluation_forward_and_backward(shape, dtype):
    x, gy, w, b = _data(shape, dtype, seed=1)
    rng = np.random.default_rng(2)
    mean = rng.standard_normal(shape[1]).astype(dtype)
    var = rng.uniform(0.5, 2.0, shape[1]).astype(dtype)
    y, m, v, invstd = kernels.batch_norm_forward(x, w, b, mean, var, EPS)
    assert m is mean and v is var
    _close(y, ref_forward(x, w, b, mean, var)[0], TOL[dtype])
    _close(invstd, 1.0 / np.sqrt(var.astype(np.float64) + EPS), TOL[dtype])
    grads = kernels.batch_norm_backward(gy, x, w, mean, invstd, False)
    for got, want in zip(grads, ref_backward(gy, x, w, False, mean, var)):
        _close(got, want, TOL[dtype] * 10)


@pytest.mark.parametrize("training", [True, False])
def test_without_weight_and_bias(training):
    x, gy, _, _ = _data((4, 3, 5), np.float64, seed=3)
    mean, var = (None, None) if training else (np.array([0.1, -0.2, 0.3]), np.array([1.0, 2.0, 0.5]))
    y, m, v, invstd = kernels.batch_norm_forward(x, None, None, mean, var, EPS)
    _close(y, ref_forward(x, None, None, mean, var)[0], 1e-12)
    gx, gw, gb = kernels.batch_norm_backward(gy, x, None, m, invstd, training, True, False, False)
    assert gw is None and gb is None
    _close(gx, ref_backward(gy, x, None, training, mean, var)[0], 1e-11)


def test_float16_is_computed_in_float32():
    x, gy, w, b = _data((4, 3, 6), np.float16, seed=4)
    y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
    assert y.dtype == np.float16 and mean.dtype == var.dtype == invstd.dtype == np.float32
    _close(y, ref_forward(x, w, b)[0], 1e-2)
    grads = kernels.batch_norm_backward(gy, x, w, mean, invstd, True)
    for got, want in zip(grads, ref_backward(gy, x, w, True)):
        assert got.dtype == np.float16
        _close(got, want, 2e-2)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("need", [(True, False, False), (False, True, False), (False, False, True),
                                  (False, True, True), (False, False, False)])
def test_only_asked_gradients_come_back(training, need):
    x, gy, w, b = _data((3, 2, 4, 5), np.float64, seed=5)
    _, mean, _, invstd = kernels.batch_norm_forward(x, w, b)
    got = kernels.batch_norm_backward(gy, x, w, mean, invstd, training, *need)
    want = ref_backward(gy, x, w, training, mean, 1.0 / invstd ** 2 - EPS)
    for asked, g, r in zip(need, got, want):
        if asked:
            _close(g, r, 1e-10)
        else:
            assert g is None


def test_large_offset_float32_statistics_stay_accurate():
    """x = 1e4 + noise: E[x^2] - E[x]^2 in float32 loses every digit; the two-pass kernel does not."""
    x, gy, w, b = _data((64, 4, 8, 8), np.float32, seed=6)
    x = (1e4 + 0.1 * x.astype(np.float64)).astype(np.float32)
    axes, _ = _axes_and_shape(x)
    naive = (x * x).mean(axis=axes, dtype=np.float32) - x.mean(axis=axes, dtype=np.float32) ** 2
    ry, rmean, rvar, _ = ref_forward(x, w, b)
    assert np.abs(naive - rvar).max() > 0.5 * rvar.max()  # the data really is hard for the naive formula
    y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
    _close(var, rvar, 1e-6)
    np.testing.assert_allclose(y, ry, rtol=1e-4, atol=1e-4)
    grads = kernels.batch_norm_backward(gy, x, w, mean, invstd, True)
    for got, want in zip(grads, ref_backward(gy, x, w, True)):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-3 * np.abs(want).max())


def test_batch_of_one_with_spatial_extent():
    x, gy, w, b = _data((1, 3, 4, 5), np.float64, seed=7)
    y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
    ry, rmean, rvar, _ = ref_forward(x, w, b)
    _close(y, ry, 1e-12)
    _close(var, rvar, 1e-12)
    for got, want in zip(kernels.batch_norm_backward(gy, x, w, mean, invstd, True), ref_backward(gy, x, w, True)):
        _close(got, want, 1e-11)


@pytest.mark.parametrize("training", [True, False])
def test_backward_matches_numerical_gradient(training):
    """Central differences of L = sum(y * gy) w.r.t. x, weight and bias (float64)."""
    x, gy, w, b = _data((3, 2, 2, 3), np.float64, seed=8)
    stats = (None, None) if training else (np.array([0.3, -0.1]), np.array([0.8, 1.7]))

    def loss():
        return float((kernels.batch_norm_forward(x, w, b, *stats, EPS)[0] * gy).sum())

    _, mean, _, invstd = kernels.batch_norm_forward(x, w, b, *stats, EPS)
    grads = kernels.batch_norm_backward(gy, x, w, mean, invstd, training)
    for arr, g in zip((x, w, b), grads):
        num = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            keep = arr[i]
            arr[i] = keep + 1e-6
            up = loss()
            arr[i] = keep - 1e-6
            down = loss()
            arr[i] = keep
            num[i] = (up - down) / 2e-6
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


# ---- bad input: clear errors at the op's door (engine.ops.norm.BatchNormFn), before any work -------------
X = np.zeros((2, 3, 4), np.float32)
C3 = np.ones(3, np.float32)
FORWARD_ERRORS = [
    ((np.zeros(3, np.float32),), ValueError,
     "batch_norm: expected an input of shape (N, C, ...) with at least 2 dimensions, got shape (3,)"),
    ((X.astype(np.int32),), TypeError, "batch_norm: expected a floating-point input, got int32"),
    ((X, np.ones(4, np.float32)), ValueError,
     "batch_norm: weight of shape (4,) does not match the 3 channels of input (2, 3, 4)"),
    ((X, C3, np.ones((3, 1), np.float32)), ValueError,
     "batch_norm: bias of shape (3, 1) does not match the 3 channels of input (2, 3, 4)"),
    ((X, None, None, np.zeros(2, np.float32), C3), ValueError,
     "batch_norm: mean of shape (2,) does not match the 3 channels of input (2, 3, 4)"),
    ((X, None, None, C3, np.ones(5, np.float32)), ValueError,
     "batch_norm: var of shape (5,) does not match the 3 channels of input (2, 3, 4)"),
    ((X, np.ones(3, np.int64)), TypeError, "batch_norm: weight must be floating-point, got int64"),
    ((X, None, None, C3, None), ValueError,
     "batch_norm: give both mean and var (evaluation) or neither (training)"),
    ((np.zeros((0, 3), np.float32),), ValueError,
     "batch_norm: no values per channel to take batch statistics over, input (0, 3)"),
]


@pytest.mark.parametrize("args,exc,message", FORWARD_ERRORS)
def test_door_rejects_bad_input(args, exc, message):
    from engine.ops.norm import BatchNormFn

    args = args + (None,) * (5 - len(args))
    with pytest.raises(exc, match=re.escape(message) + "$"):
        BatchNormFn.apply(*args, EPS)
