"""The losses of torch.nn.functional beyond ``nn._losses_functional``: huber, kl_div, margin_ranking,
hinge_embedding, cosine_embedding, triplet_margin, triplet_margin_with_distance, poisson_nll, gaussian_nll,
soft_margin, multilabel_soft_margin, multi_margin and multilabel_margin; ctc from ``nn.losses_ctc``.
Re-exported by ``nn.functional``.

Each is a composition of engine ops written as torch defines it (formulas in the docstrings), so
every float input torch differentiates gets a gradient here too, and twice where the ops allow.
``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``; ``kl_div`` also takes
``"batchmean"`` (the sum divided by the batch size).
"""
from __future__ import annotations

import math

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module
from engine.ops._util import normalize_axes
from engine.ops.reduce import Sum

from ._losses_functional import (_check_reduction, _reduce, _reduction, _same_shape, _t, legacy_reduction,
                                 weighted_reduce)
from ._activations import logsigmoid
from .functional_extra import pairwise_distance
from .losses_ctc import ctc_loss

__all__ = [
    "huber_loss", "kl_div", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss",
    "ctc_loss",
]


def _mask(x, cond):
    return Tensor._wrap(cond.astype(x.dtype))


def _sum(x, dim, keepdim=False):
    return Sum.apply(x, normalize_axes(dim, x.ndim), bool(keepdim))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``; ``weight`` (the input's shape)
    multiplies each term and ``"mean"`` stays the plain mean, as torch's."""
    _check_reduction("huber_loss", reduction)
    x, y = _t(input, "huber_loss", "input"), _t(target, "huber_loss", "target")
    _same_shape("huber_loss", x, y)
    d = x - y
    small = _mask(d, np.abs(d.array) < delta)
    loss = 0.5 * d * d * small + delta * (d.abs() - 0.5 * delta) * (1 - small)
    return weighted_reduce("huber_loss", loss, weight, reduction, weighted_mean=False)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """``target * (log(target) - input)`` (0 where target is 0), or with ``log_target``
    ``exp(target) * (target - input)``; ``input`` holds log-probabilities."""
    reduction = legacy_reduction("kl_div", size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"kl_div: reduction must be 'none', 'mean', 'sum' or 'batchmean', got {reduction!r}")
    x, y = _t(input, "kl_div", "input"), _t(target, "kl_div", "target")
    if log_target:
        loss = engine.exp(y) * (y - x)
    else:
        pos = y.array > 0
        safe = engine.where(pos, y, 1.0)
        loss = engine.where(pos, y * engine.log(safe), 0.0) - y * x
    if reduction == "batchmean":
        return loss.sum() * (1.0 / x.shape[0]) if x.ndim else loss.sum()
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``."""
    reduction = _reduction("margin_ranking_loss", size_average, reduce, reduction)
    a, b = _t(input1, "margin_ranking_loss", "input1"), _t(input2, "margin_ranking_loss", "input2")
    y = _t(target, "margin_ranking_loss", "target")
    return _reduce(engine.relu(-y * (a - b) + margin), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """``x`` where target is 1, ``max(0, margin - x)`` where it is -1 (torch sums both terms)."""
    reduction = _reduction("hinge_embedding_loss", size_average, reduce, reduction)
    x, y = _t(input, "hinge_embedding_loss", "input"), _t(target, "hinge_embedding_loss", "target")
    yd = np.broadcast_to(y.array, np.broadcast_shapes(x.shape, y.shape))
    margin_part = engine.relu(margin - x) * _mask(x, yd != 1)
    self_part = x * _mask(x, yd != -1)
    return _reduce(margin_part + self_part, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos - margin)`` where it is -1 (over dim 1)."""
    reduction = _reduction("cosine_embedding_loss", size_average, reduce, reduction)
    a, b = _t(input1, "cosine_embedding_loss", "input1"), _t(input2, "cosine_embedding_loss", "input2")
    y = _t(target, "cosine_embedding_loss", "target")
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss: inputs must be 1-d or 2-d of one shape, got {tuple(a.shape)} "
                           f"and {tuple(b.shape)}")
    dim = a.ndim - 1
    eps = 1e-12
    cos = _sum(a * b, dim) / engine.sqrt((_sum(a * a, dim) + eps) * (_sum(b * b, dim) + eps))
    pos = _mask(cos, y.array == 1)
    neg = _mask(cos, y.array == -1)
    return _reduce((1 - cos) * pos + engine.relu(cos - margin) * neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with torch's pairwise distance; ``swap`` uses
    ``min(d(a, n), d(p, n))``.  ``margin`` must be > 0 (ValueError, as torch)."""
    reduction = _reduction("triplet_margin_loss", size_average, reduce, reduction)
    _check_margin("triplet_margin_loss", margin)
    a, po, ne = (_t(v, "triplet_margin_loss", n) for v, n in ((anchor, "anchor"), (positive, "positive"),
                                                            (negative, "negative")))
    if not (a.ndim == po.ndim == ne.ndim) or a.ndim not in (1, 2):
        raise RuntimeError(f"triplet_margin_loss: anchor, positive and negative must all be 1-d or 2-d, got "
                           f"{tuple(a.shape)}, {tuple(po.shape)}, {tuple(ne.shape)}")
    return _triplet(a, po, ne, lambda u, v: pairwise_distance(u, v, p, eps), margin, swap, reduction)


def _check_margin(name, margin):
    if margin <= 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")


def _triplet(anchor, positive, negative, distance, margin, swap, reduction):
    """``max(0, margin + d(a, p) - d(a, n))``, ``d(a, n)`` replaced by ``min(d(a, n), d(p, n))`` with ``swap``."""
    d_an = distance(anchor, negative)
    if swap:
        d_an = engine.minimum(d_an, distance(positive, negative))
    return _reduce(engine.relu(margin + distance(anchor, positive) - d_an), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,  # noqa: A002
                     reduce=None, reduction="mean"):
    """``exp(x) - y x`` (``log_input``) or ``x - y log(x + eps)``; ``full`` adds Stirling's term
    ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``."""
    reduction = _reduction("poisson_nll_loss", size_average, reduce, reduction)
    x, y = _t(input, "poisson_nll_loss", "input"), _t(target, "poisson_nll_loss", "target")
    loss = engine.exp(x) - y * x if log_input else x - y * engine.log(x + eps)
    if full:
        big = y.array > 1
        ys = engine.where(big, y, 1.0)
        stirling = ys * engine.log(ys) - ys + 0.5 * engine.log(2 * math.pi * ys)
        loss = loss + stirling * _mask(y, big)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """``0.5 (log(max(var, eps)) + (x - y)^2 / max(var, eps))`` (+ ``0.5 log(2 pi)`` with ``full``);
    ``var`` has the input's shape, or one dim fewer, or a last dim of 1.  The clamp passes the
    gradient through unchanged, as torch's in-place clamp under no_grad does."""
    _check_reduction("gaussian_nll_loss", reduction)
    x, y, v = (_t(t, "gaussian_nll_loss", n) for t, n in ((input, "input"), (target, "target"), (var, "var")))
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.reshape(tuple(v.shape) + (1,))
        elif not (x.shape[:-1] == v.shape[:-1] and v.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(v.shape)} does not match input "
                             f"{tuple(x.shape)}")
    if (v.array < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    lift = Tensor._wrap(np.maximum(v.array, eps) - v.array)  # constant: the clamp without a gradient of its own
    vc = v + lift
    loss = 0.5 * (engine.log(vc) + (x - y) ** 2 / vc)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """``log(1 + exp(-y x))``."""
    reduction = _reduction("soft_margin_loss", size_average, reduce, reduction)
    x, y = _t(input, "soft_margin_loss", "input"), _t(target, "soft_margin_loss", "target")
    return _reduce(-logsigmoid(y * x), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                reduction="mean"):
    """``-mean_c(y log sigmoid(x) + (1 - y) log sigmoid(-x))`` per sample (times ``weight``)."""
    reduction = _reduction("multilabel_soft_margin_loss", size_average, reduce, reduction)
    x, y = _t(input, "multilabel_soft_margin_loss", "input"), _t(target, "multilabel_soft_margin_loss", "target")
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    c = x.shape[-1] if x.ndim else 1
    per_sample = _sum(loss, x.ndim - 1) * (1.0 / c) if x.ndim else loss
    return _reduce(per_sample, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` for any ``distance_function(x1, x2) -> Tensor`` (default
    ``pairwise_distance``); ``swap`` as in ``triplet_margin_loss``; ``margin`` must be > 0."""
    name = "triplet_margin_with_distance_loss"
    _check_reduction(name, reduction)
    _check_margin(name, margin)
    a, po, ne = (_t(v, name, n) for v, n in ((anchor, "anchor"), (positive, "positive"), (negative, "negative")))
    if not a.ndim == po.ndim == ne.ndim:
        raise RuntimeError(f"{name}: anchor, positive and negative must have the same number of dimensions, got "
                           f"{tuple(a.shape)}, {tuple(po.shape)}, {tuple(ne.shape)}")
    distance = pairwise_distance if distance_function is None else distance_function
    return _triplet(a, po, ne, distance, margin, swap, reduction)


def _class_scores(name, input, target, target_shape):
    """(scores (N, C), integer labels array, unbatched) for the margin losses on (C,) or (N, C) scores;
    ``target_shape(N, C)`` is the labels' expected shape."""
    x = _t(input, name, "input")
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{name}: input must be (C,) or (N, C) with C > 0, got shape {tuple(x.shape)}")
    unbatched = x.ndim == 1
    if unbatched:
        x = x.reshape(1, -1)
    xp = get_array_module(x.array)
    t = xp.asarray(target.array if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class labels, got dtype {t.dtype}")
    expected = target_shape(*x.shape)
    if t.size != int(np.prod(expected)) or (t.ndim != (1 if unbatched else len(expected)) and t.ndim != 0):
        raise ValueError(f"{name}: target of shape {tuple(t.shape)} does not match input of shape "
                         f"{tuple(x.shape[1:] if unbatched else x.shape)}")
    return x, t.reshape(expected).astype(np.int64), unbatched


def _per_sample(loss, reduction, unbatched):
    return loss.reshape(()) if unbatched and reduction == "none" else _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,  # noqa: A002
                      reduction="mean"):
    """Multi-class hinge loss of scores ``x`` (C,) or (N, C) and labels ``y``:
    ``sum_{i != y} w[y] max(0, margin - x[y] + x[i]) ** p / C`` per sample, ``p`` 1 or 2 (``weight`` (C,)
    multiplies after the power, as torch's kernel does)."""
    name = "multi_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"{name}: only p == 1 and p == 2 are supported, got p={p}")
    x, t, unbatched = _class_scores(name, input, target, lambda n, c: (n,))
    n, c = x.shape
    if t.size and (int(t.min()) < 0 or int(t.max()) >= c):
        raise ValueError(f"{name}: target labels must be in [0, {c}), got values in [{int(t.min())}, {int(t.max())}]")
    xp = get_array_module(x.array)
    onehot = t[:, None] == xp.arange(c)
    x_target = _sum(x * _mask(x, onehot), 1, keepdim=True)
    hinge = engine.relu(margin - x_target + x)
    hinge = (hinge if p == 1 else hinge * hinge) * _mask(x, ~onehot)
    if weight is not None:
        w = _t(weight, name, "weight")
        if w.shape != (c,):
            raise ValueError(f"{name}: weight of shape {tuple(w.shape)} does not match {c} classes of input")
        hinge = hinge * w[Tensor._wrap(t)].reshape(n, 1)
    return _per_sample(_sum(hinge, 1) * (1.0 / c), reduction, unbatched)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Multi-label hinge loss: ``target`` (the input's shape) lists each sample's classes, ended by the first
    -1 (every value, those after it too, must be in [-1, C) as torch checks); per sample
    ``sum_{j listed} sum_{i not listed} max(0, 1 - (x[j] - x[i])) / C`` (a class listed twice counts twice, as
    in torch).  Builds an (N, C, C) pair table."""
    name = "multilabel_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    x, t, unbatched = _class_scores(name, input, target, lambda n, c: (n, c))
    n, c = x.shape
    xp = get_array_module(x.array)
    if t.size and (int(t.min()) < -1 or int(t.max()) >= c):
        raise ValueError(f"{name}: target values must be in [-1, {c}), got values in [{int(t.min())}, "
                         f"{int(t.max())}]")
    listed = xp.cumprod(t >= 0, axis=1).astype(bool)  # the prefix before the first -1
    counts = ((t[:, :, None] == xp.arange(c)) & listed[:, :, None]).sum(axis=1)  # (N, C): times class j is listed
    pairs = (counts[:, :, None] * (counts == 0)[:, None, :]).astype(x.dtype)  # (N, j listed, i not listed)
    hinge = engine.relu(1 - x.reshape(n, c, 1) + x.reshape(n, 1, c)) * Tensor._wrap(pairs)
    return _per_sample(_sum(hinge, (1, 2)) * (1.0 / c), reduction, unbatched)

