"""Fused loss ops: softmax cross-entropy (and NLL) against a constant target matrix, and binary
cross-entropy on logits, and PyTorch's binary cross-entropy on probabilities.  One graph node each.  The first
two compute their gradient in one *Grad Function* (``SoftTargetCEGrad``, ``BCEWithLogitsGrad``) on raw arrays,
whose own backward is written with differentiable ops (as ``engine/ops/layers.py``), so the losses are
differentiable to any order without branching on grad mode.

``SoftTargetCEFn(x, q, denom, reduction, is_log_prob)``: per-position loss ``-sum_c q_c * logp_c`` over
axis 1, where ``logp = log_softmax(x, axis=1)`` (or ``x`` itself for NLL).  The caller builds ``q``
from labels, class weights and label smoothing; ``mean`` divides the sum by ``denom``.  The logits'
gradient is ``g * (softmax(x) * sum_c q_c - q)`` (``-g * q`` for NLL).
"""
from __future__ import annotations

import numpy as np

import engine
from engine.backend import get_array_module

__all__ = ["SoftTargetCEFn", "BCEWithLogitsFn", "BinaryCrossEntropyFn"]


def _keep_axis1(shape):
    """A per-position loss's shape with the class axis 1 kept (size 1), for broadcasting against logits."""
    return (shape[0], 1) + tuple(shape[2:])


def _per_position(gy, reduction, denom, shape):
    """The incoming gradient spread over the per-position losses (``shape``), arrays or Tensors."""
    if reduction == "none":
        return gy.reshape(shape)
    scale = 1.0 / denom if reduction == "mean" else 1.0
    return gy.reshape((1,) * len(shape)) * scale


def _to_loss_shape(t, reduction, denom):
    """The adjoint of :func:`_per_position`: a Tensor over the per-position losses summed to the loss's shape."""
    if reduction == "none":
        return t
    return t.sum() * (1.0 / denom if reduction == "mean" else 1.0)


class SoftTargetCEFn(engine.Function):
    @staticmethod
    def forward(ctx, x, q, denom, reduction, is_log_prob):
        xp = get_array_module(x)
        if is_log_prob:
            logp = x
        else:
            z = x - x.max(axis=1, keepdims=True)
            logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
        per = -(q * logp).sum(axis=1)
        ctx.meta = (denom, reduction, is_log_prob)
        ctx.save_for_backward(x, q, None if is_log_prob else logp)
        if reduction == "none":
            return per
        total = per.sum()
        return xp.asarray(total / denom if reduction == "mean" else total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, q, logp = ctx.saved_tensors
        logp = None if logp is None else logp.array
        return SoftTargetCEGrad.apply(gy, x, q.array, logp, *ctx.meta), None, None, None, None


class SoftTargetCEGrad(engine.Function):
    """SoftTargetCEFn's logits gradient ``g * (softmax(x) * sum_c q_c - q)`` (``-g * q`` for NLL) from the
    forward's saved log-probabilities; its backward is written with differentiable ops (softmax's Jacobian),
    so the loss is differentiable to any order."""

    @staticmethod
    def forward(ctx, gy, x, q, logp, denom, reduction, is_log_prob):
        ctx.meta = (denom, reduction, is_log_prob)
        ctx.save_for_backward(gy, x, q)
        g = _per_position(gy, reduction, denom, _keep_axis1(x.shape))
        if is_log_prob:
            return -(g * q)
        return g * (get_array_module(x).exp(logp) * q.sum(axis=1, keepdims=True) - q)

    @staticmethod
    def backward(ctx, h):
        gy, x, q = ctx.saved_tensors
        denom, reduction, is_log_prob = ctx.meta
        ngy, nx = ctx.needs_input_grad[:2]
        g = _per_position(gy, reduction, denom, _keep_axis1(x.shape))
        if is_log_prob:
            return _to_loss_shape(-(h * q).sum(axis=1), reduction, denom) if ngy else None, None, None, None, None, None, None
        p = engine.softmax(x, axis=1)
        sq = q.sum(axis=1, keepdims=True)
        dgy = _to_loss_shape((h * (p * sq - q)).sum(axis=1), reduction, denom) if ngy else None
        dx = None
        if nx:
            u = g * sq * h
            dx = p * (u - (u * p).sum(axis=1, keepdims=True))
        return dgy, dx, None, None, None, None, None


class BCEWithLogitsFn(engine.Function):
    """``w * ((1 - y) x + lw (log(1 + exp(-|x|)) + max(-x, 0)))`` with ``lw = 1 + (pos_weight - 1) y``."""

    @staticmethod
    def forward(ctx, x, y, w, pw, reduction):
        xp = get_array_module(x)
        lw = None if pw is None else 1 + (pw - 1) * y
        sp = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)  # softplus(-x), stable
        loss = (1 - y) * x + (sp if lw is None else lw * sp)
        if w is not None:
            loss = loss * w
        loss = loss.astype(x.dtype, copy=False)
        ctx.reduction = reduction
        ctx.save_for_backward(x, y, w, lw)
        if reduction == "none":
            return loss
        total = loss.sum()
        return xp.asarray(total / loss.size if reduction == "mean" else total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, *consts = ctx.saved_tensors
        consts = [None if c is None else c.array for c in consts]
        return BCEWithLogitsGrad.apply(gy, x, *consts, ctx.reduction), None, None, None, None


class BCEWithLogitsGrad(engine.Function):
    """BCEWithLogitsFn's input gradient ``g * w * ((1 - y) - lw * sigmoid(-x))``; its backward is written with
    differentiable ops (``d/dx = g * w * lw * s * (1 - s)``, ``s = sigmoid(-x)``)."""

    @staticmethod
    def forward(ctx, gy, x, y, w, lw, reduction):
        xp = get_array_module(x)
        ctx.reduction = reduction
        ctx.save_for_backward(gy, x, y, w, lw)
        s = ((xp.tanh(x * -0.5) + 1) * 0.5).astype(x.dtype, copy=False)  # sigmoid(-x), stable
        return _per_position(gy, reduction, x.size, x.shape) * _bce_slope(y, w, lw, s)

    @staticmethod
    def backward(ctx, h):
        gy, x, y, w, lw = ctx.saved_tensors
        r = ctx.reduction
        ngy, nx = ctx.needs_input_grad[:2]
        s = engine.sigmoid(-x)
        dgy = _to_loss_shape(h * _bce_slope(y, w, lw, s), r, x.numel()) if ngy else None
        dx = None
        if nx:
            curve = s * (1 - s)
            if lw is not None:
                curve = curve * lw
            if w is not None:
                curve = curve * w
            dx = _per_position(gy, r, x.numel(), x.shape) * curve * h
        return dgy, dx, None, None, None, None


def _bce_slope(y, w, lw, s):
    """d loss / d x per element for the sigmoid ``s = sigmoid(-x)``: ``w ((1 - y) - lw s)`` (arrays or Tensors)."""
    d = (1 - y) - (s if lw is None else lw * s)
    return d if w is None else d * w


class BinaryCrossEntropyFn(engine.Function):
    """Elementwise BCE as PyTorch computes it: logs clamped at -100 in the forward, and the backward
    ``(p - y) / max(p (1 - p), 1e-12)``, so inputs of exactly 0 or 1 give finite gradients.  The backward
    is written in Tensor ops (twice differentiable); targets get no gradient."""

    @staticmethod
    def forward(ctx, p, y):
        xp = get_array_module(p)
        ctx.save_for_backward(p, y)
        with np.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)
            log_q = xp.maximum(xp.log(1 - p), -100)
        return -(y * log_p + (1 - y) * log_q)

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved_tensors
        return g * (p - y) / engine.maximum(p * (1.0 - p), 1e-12), None
