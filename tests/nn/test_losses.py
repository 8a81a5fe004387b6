"""Losses against NumPy formulas: every reduction, class weights, label smoothing, ignore_index,
pos_weight, probability targets, gradients, and errors naming shapes."""
import numpy as np
import pytest

import engine
import nn
import nn.functional as F

RNG = np.random.default_rng(1)


def T(a, grad=True):
    return engine.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=grad)


def _reduce(v, reduction, denom=None):
    if reduction == "none":
        return v
    return v.sum() / (denom if denom is not None else v.size) if reduction == "mean" else v.sum()


def _log_softmax(x, axis=1):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _ce_ref(x, y, w, ls, reduction, ignore=-100):
    """PyTorch's definition, written out with a one-hot matrix."""
    c = x.shape[1]
    lp = np.moveaxis(_log_softmax(x), 1, -1)  # (..., C)
    valid = y != ignore
    ys = np.where(valid, y, 0)
    wv = np.ones(c) if w is None else w
    nll = -np.take_along_axis(lp, ys[..., None], -1)[..., 0] * wv[ys] * valid
    smooth = -(lp * wv).sum(-1) * valid
    if reduction == "mean":
        d = (wv[ys] * valid).sum()
        return (1 - ls) * nll.sum() / d + ls / c * smooth.sum() / d
    return (1 - ls) * _reduce(nll, reduction) + ls / c * _reduce(smooth, reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.15])
@pytest.mark.parametrize("shape", [(7, 4), (3, 4, 2, 2)])
def test_cross_entropy_matches_reference_and_gradient(reduction, weighted, ls, shape):
    x = RNG.standard_normal(shape) * 3
    y = RNG.integers(0, 4, (shape[0],) + shape[2:])
    y.reshape(-1)[1] = -100
    w = RNG.random(4) + 0.5 if weighted else None
    xt = T(x)
    crit = nn.CrossEntropyLoss(weight=None if w is None else T(w, False), reduction=reduction, label_smoothing=ls)
    loss = crit(xt, engine.tensor(y))
    np.testing.assert_allclose(loss.numpy(), _ce_ref(x, y, w, ls, reduction), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(loss.shape)
    loss.backward(engine.tensor(g, dtype=np.float64))
    eps, num = 1e-6, np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros(x.size)
        d[i] = eps
        d = d.reshape(x.shape)
        num.reshape(-1)[i] = ((_ce_ref(x + d, y, w, ls, reduction) - _ce_ref(x - d, y, w, ls, reduction)) * g).sum() / (2 * eps)
    np.testing.assert_allclose(xt.grad.numpy(), num, rtol=1e-5, atol=1e-8)


def test_cross_entropy_probability_targets_and_large_logits():
    x = RNG.standard_normal((5, 3)) * 1000  # huge logits stay finite
    p = RNG.random((5, 3))
    p /= p.sum(1, keepdims=True)
    loss = F.cross_entropy(T(x), p)
    np.testing.assert_allclose(loss.item(), -(p * _log_softmax(x)).sum(1).mean(), rtol=1e-10)
    assert np.isfinite(F.cross_entropy(T(x), RNG.integers(0, 3, 5)).item())


def test_nll_loss_and_consistency_with_cross_entropy():
    x = RNG.standard_normal((6, 5))
    y = RNG.integers(0, 5, 6)
    w = RNG.random(5) + 0.1
    lp = _log_softmax(x)
    for red in ["mean", "sum", "none"]:
        got = F.nll_loss(T(lp), y, weight=T(w, False), reduction=red).numpy()
        per = -lp[np.arange(6), y] * w[y]
        np.testing.assert_allclose(got, _reduce(per, red, w[y].sum()), rtol=1e-12)
    np.testing.assert_allclose(nn.NLLLoss()(F.log_softmax(T(x), 1), y).item(), F.cross_entropy(T(x), y).item(), rtol=1e-12)


def test_cross_entropy_errors_name_shapes_and_labels():
    x = T(RNG.standard_normal((4, 3)))
    with pytest.raises(ValueError, match=r"\(5,\).*\(4, 3\)"):
        F.cross_entropy(x, np.zeros(5, dtype=np.int64))
    with pytest.raises(IndexError, match="label 3"):
        F.cross_entropy(x, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, np.zeros(4, dtype=np.int64), reduction="avg")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_l1_smooth_l1(reduction):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    for mod, ref in [(nn.MSELoss, lambda d: d * d), (nn.L1Loss, np.abs),
                     (nn.SmoothL1Loss, lambda d: np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5))]:
        at, bt = T(a), T(b)
        loss = mod(reduction=reduction)(at, bt)
        np.testing.assert_allclose(loss.numpy(), _reduce(ref(a - b), reduction), rtol=1e-12)
    at = T(a)
    F.mse_loss(at, T(b, False), reduction=reduction).sum().backward()
    scale = 1 / a.size if reduction == "mean" else 1
    np.testing.assert_allclose(at.grad.numpy(), 2 * (a - b) * scale, rtol=1e-12)
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(4,\)"):
        F.mse_loss(at, T(b[0], False))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_and_bce_with_logits(reduction):
    z = RNG.standard_normal((4, 3)) * 4
    z[0, 0], z[0, 1] = 80.0, -80.0  # stable at extreme logits
    y = RNG.random((4, 3))
    w = RNG.random((4, 3))
    pw = RNG.random(3) + 0.5
    sp = lambda v: np.logaddexp(0, v)  # softplus
    ref = w * ((1 - y) * z + (1 + (pw - 1) * y) * sp(-z))
    zt = T(z)
    loss = nn.BCEWithLogitsLoss(weight=T(w, False), pos_weight=T(pw, False), reduction=reduction)(zt, T(y, False))
    np.testing.assert_allclose(loss.numpy(), _reduce(ref, reduction), rtol=1e-10)
    loss.sum().backward()
    s = 1 / (1 + np.exp(-z))
    gref = w * ((1 - y) - (1 + (pw - 1) * y) * (1 - s))
    np.testing.assert_allclose(zt.grad.numpy(), gref / (z.size if reduction == "mean" else 1), rtol=1e-9, atol=1e-15)
    p = 1 / (1 + np.exp(-z[1:]))
    pt = T(p)
    loss = nn.BCELoss(reduction=reduction)(pt, T(y[1:], False))
    ref = -(y[1:] * np.log(p) + (1 - y[1:]) * np.log(1 - p))
    np.testing.assert_allclose(loss.numpy(), _reduce(ref, reduction), rtol=1e-10)
    loss.sum().backward()
    gref = (p - y[1:]) / (p * (1 - p)) / (p.size if reduction == "mean" else 1)
    np.testing.assert_allclose(pt.grad.numpy(), gref, rtol=1e-8)


def test_bce_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(T([0.5, 1.5]), T([1.0, 0.0], False))


def test_losses_second_order():
    x = T(RNG.standard_normal((3, 4)))
    y = RNG.integers(0, 4, 3)
    assert engine.gradgradcheck(lambda v: F.cross_entropy(v, y, label_smoothing=0.1), [x])
    t = T(RNG.random((3, 4)), False)
    assert engine.gradgradcheck(lambda v: F.binary_cross_entropy_with_logits(v, t), [x])
