"""The losses of torch.nn.functional beyond ``nn._losses_functional``: huber, kl_div, margin_ranking,
hinge_embedding, cosine_embedding, triplet_margin, poisson_nll, gaussian_nll, soft_margin and
multilabel_soft_margin.  Re-exported by ``nn.functional``.

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
from engine.ops._util import normalize_axes
from engine.ops.reduce import Sum

from ._losses_functional import _check_reduction, _reduce, _same_shape, _t
from ._activations import logsigmoid
from .functional_extra import pairwise_distance

__all__ = [
    "huber_loss", "kl_div", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss",
]


def _mask(x, cond):
    return Tensor._wrap(cond.astype(x.dtype))


def _sum(x, dim, keepdim=False):
    return Sum.apply(x, normalize_axes(dim, x.ndim), bool(keepdim))


def huber_loss(input, target, reduction="mean", delta=1.0):  # noqa: A002
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    _check_reduction("huber_loss", reduction)
    x, y = _t(input, "huber_loss", "input"), _t(target, "huber_loss", "target")
    _same_shape("huber_loss", x, y)
    d = x - y
    small = _mask(d, np.abs(d.array) < delta)
    return _reduce(0.5 * d * d * small + delta * (d.abs() - 0.5 * delta) * (1 - small), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """``target * (log(target) - input)`` (0 where target is 0), or with ``log_target``
    ``exp(target) * (target - input)``; ``input`` holds log-probabilities."""
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


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``."""
    _check_reduction("margin_ranking_loss", reduction)
    a, b = _t(input1, "margin_ranking_loss", "input1"), _t(input2, "margin_ranking_loss", "input2")
    y = _t(target, "margin_ranking_loss", "target")
    return _reduce(engine.relu(-y * (a - b) + margin), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):  # noqa: A002
    """``x`` where target is 1, ``max(0, margin - x)`` where it is -1 (torch sums both terms)."""
    _check_reduction("hinge_embedding_loss", reduction)
    x, y = _t(input, "hinge_embedding_loss", "input"), _t(target, "hinge_embedding_loss", "target")
    yd = np.broadcast_to(y.array, np.broadcast_shapes(x.shape, y.shape))
    margin_part = engine.relu(margin - x) * _mask(x, yd != 1)
    self_part = x * _mask(x, yd != -1)
    return _reduce(margin_part + self_part, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos - margin)`` where it is -1 (over dim 1)."""
    _check_reduction("cosine_embedding_loss", reduction)
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


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with torch's pairwise distance; ``swap`` uses
    ``min(d(a, n), d(p, n))``."""
    _check_reduction("triplet_margin_loss", reduction)
    a, po, ne = (_t(v, "triplet_margin_loss", n) for v, n in ((anchor, "anchor"), (positive, "positive"),
                                                            (negative, "negative")))
    if not (a.ndim == po.ndim == ne.ndim) or a.ndim not in (1, 2):
        raise RuntimeError(f"triplet_margin_loss: anchor, positive and negative must all be 1-d or 2-d, got "
                           f"{tuple(a.shape)}, {tuple(po.shape)}, {tuple(ne.shape)}")
    d_ap = pairwise_distance(a, po, p, eps)
    d_an = pairwise_distance(a, ne, p, eps)
    if swap:
        d_an = engine.minimum(d_an, pairwise_distance(po, ne, p, eps))
    return _reduce(engine.relu(margin + d_ap - d_an), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,  # noqa: A002
                     reduce=None, reduction="mean"):
    """``exp(x) - y x`` (``log_input``) or ``x - y log(x + eps)``; ``full`` adds Stirling's term
    ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``."""
    _check_reduction("poisson_nll_loss", reduction)
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


def soft_margin_loss(input, target, reduction="mean"):  # noqa: A002
    """``log(1 + exp(-y x))``."""
    _check_reduction("soft_margin_loss", reduction)
    x, y = _t(input, "soft_margin_loss", "input"), _t(target, "soft_margin_loss", "target")
    return _reduce(-logsigmoid(y * x), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):  # noqa: A002
    """``-mean_c(y log sigmoid(x) + (1 - y) log sigmoid(-x))`` per sample (times ``weight``)."""
    _check_reduction("multilabel_soft_margin_loss", reduction)
    x, y = _t(input, "multilabel_soft_margin_loss", "input"), _t(target, "multilabel_soft_margin_loss", "target")
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    c = x.shape[-1] if x.ndim else 1
    per_sample = _sum(loss, x.ndim - 1) * (1.0 / c) if x.ndim else loss
    return _reduce(per_sample, reduction)
