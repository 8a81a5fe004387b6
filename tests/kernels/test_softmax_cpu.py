"""Softmax, log-softmax and softmax cross-entropy kernels on the CPU against float64 NumPy."""
import numpy as np
import pytest

import kernels


def _lse(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("shape,axis", [((4, 7), -1), ((3, 5, 4), 1), ((2, 3, 300), 0), ((6,), 0)])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_softmax_and_log_softmax(shape, axis, dtype, tol):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    x64 = x.astype(np.float64)
    ls = x64 - _lse(x64, axis)
    np.testing.assert_allclose(kernels.log_softmax(x, axis), ls, rtol=tol, atol=tol)
    y = kernels.softmax(x, axis)
    np.testing.assert_allclose(y, np.exp(ls), rtol=tol, atol=tol)
    gy = rng.standard_normal(shape).astype(dtype)
    s = np.exp(ls)
    ref = s * (gy - (gy * s).sum(axis=axis, keepdims=True))
    np.testing.assert_allclose(kernels.softmax_backward(gy, y, axis), ref, rtol=10 * tol, atol=10 * tol)
    ref_log = gy - s * gy.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(kernels.log_softmax_backward(gy, kernels.log_softmax(x, axis), axis), ref_log,
                               rtol=10 * tol, atol=10 * tol)


def test_large_logits_and_float16():
    x = np.array([[1e4, 0.0, -1e4], [88.0, 89.0, 90.0]], np.float32)
    y = kernels.softmax(x)
    assert np.all(np.isfinite(y)) and np.allclose(y.sum(-1), 1)
    h = np.array([[60000.0, 59990.0, 0.0]], np.float16)
    lh = kernels.log_softmax(h)
    assert lh.dtype == np.float16 and np.isfinite(lh).all()
    np.testing.assert_allclose(lh.astype(np.float64), h.astype(np.float64) - _lse(h.astype(np.float64), -1), rtol=1e-3, atol=0.05)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_cross_entropy(dtype, tol):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((9, 5)) * 4).astype(dtype)
    t = rng.integers(0, 5, 9)
    t[3] = -100
    loss, lse = kernels.softmax_cross_entropy_forward(x, t)
    x64 = x.astype(np.float64)
    ls = x64 - _lse(x64, 1)
    ref = -ls[np.arange(9), np.where(t < 0, 0, t)]
    ref[3] = 0
    np.testing.assert_allclose(loss, ref, rtol=tol, atol=tol)
    g = rng.standard_normal(9)
    gx = kernels.softmax_cross_entropy_backward(g, x, t, lse)
    onehot = np.eye(5)[np.where(t < 0, 0, t)]
    rg = g[:, None] * (np.exp(ls) - onehot)
    rg[3] = 0
    np.testing.assert_allclose(gx, rg, rtol=10 * tol, atol=10 * tol)


def test_cross_entropy_flags_labels_out_of_range():
    """The kernel does not raise (the op does, engine/ops/softmax_ce.py): a label outside [0, C) gets a NaN loss
    and gradient row and is written into the flags as (LABEL_OUT_OF_RANGE, label, C); other rows are exact."""
    x = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0], [3.0, 0.0, 0.0]])
    t = np.array([2, 3, -100])
    flags = kernels.error_flags(x)
    loss, lse = kernels.softmax_cross_entropy_forward(x, t, -100, flags)
    assert kernels.flagged_now(flags) == (kernels.LABEL_OUT_OF_RANGE, 3, 3)
    assert np.isnan(loss[1]) and loss[2] == 0
    np.testing.assert_allclose(loss[0], _lse(x[:1], 1)[0, 0] - 2.0, rtol=1e-14)
    gx = kernels.softmax_cross_entropy_backward(np.ones(3), x, t, lse)
    assert np.isnan(gx[1]).all() and (gx[2] == 0).all() and np.isfinite(gx[0]).all()
    ok = kernels.error_flags(x)
    kernels.softmax_cross_entropy_forward(x, np.array([0, 1, 2]), -100, ok)
    assert kernels.flagged_now(ok) is None


@pytest.mark.parametrize("axis", [1, 0])
def test_minus_inf_logits_masked_out(axis):
    """-inf (masked) logits, first in a line too, get probability 0 and zero gradient, never NaN; log-softmax
    is -inf there and its backward stays finite (attention masks rely on this)."""
    x = np.array([[-np.inf, 1.0, -np.inf, 2.0], [0.5, -np.inf, 0.1, 3.0]])
    x = x if axis == 1 else np.ascontiguousarray(x.T)
    finite = np.where(np.isinf(x), -1e300, x)
    ref = np.exp(finite - _lse(finite, axis))
    y, ly = kernels.softmax(x, axis), kernels.log_softmax(x, axis)
    np.testing.assert_allclose(y, ref, rtol=1e-14, atol=0)
    assert np.array_equal(np.isneginf(ly), np.isinf(x)) and np.isfinite(ly[~np.isinf(x)]).all()
    gy = np.ones_like(x)
    gx = kernels.softmax_backward(gy, y, axis)
    np.testing.assert_allclose(gx, ref * (gy - (gy * ref).sum(axis, keepdims=True)), atol=1e-15)
    np.testing.assert_allclose(kernels.log_softmax_backward(gy, ly, axis), gy - ref * gy.sum(axis, keepdims=True),
                               atol=1e-15)
    loss, _ = kernels.softmax_cross_entropy_forward(x if axis == 1 else x.T.copy(), np.array([1, 3]))
    assert np.isfinite(loss).all()
