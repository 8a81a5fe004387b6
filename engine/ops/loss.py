"""Fused loss ops: softmax cross-entropy (and NLL) against a constant target matrix, and binary
cross-entropy on logits.  One graph node each; the backward is a dual-mode formula (raw arrays
normally, Tensor ops under ``create_graph=True``) like ``engine/ops/layers.py``.

``SoftTargetCEFn(x, q, denom, reduction, is_log_prob)``: per-position loss ``-sum_c q_c * logp_c`` over
axis 1, where ``logp = log_softmax(x, axis=1)`` (or ``x`` itself for NLL).  The caller builds ``q``
from labels, class weights and label smoothing; ``mean`` divides the sum by ``denom``.  The logits'
gradient is ``g * (softmax(x) * sum_c q_c - q)`` (``-g * q`` for NLL).
"""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module

__all__ = ["SoftTargetCEFn", "BCEWithLogitsFn", "BinaryCrossEntropyFn"]


def _wrap(a):
    return None if a is None else Tensor._wrap(a)


def _grad_per_position(gy, reduction, denom, shape, xp_or_tensor_mode):
    """The incoming gradient spread over the per-position losses, keeping axis 1 for broadcasting."""
    if reduction == "none":
        return gy.reshape(shape)
    scale = 1.0 / denom if reduction == "mean" else 1.0
    return gy.reshape((1,) * len(shape)) * scale


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
    def backward(ctx, gy, *_):
        denom, reduction, is_log_prob = ctx.meta
        if engine.is_grad_enabled():
            x, q, _ = ctx.saved_tensors
            p = None if is_log_prob else engine.softmax(x, axis=1)
        else:
            x, q, logp = ctx.saved_arrays
            gy = gy.array
            p = None if is_log_prob else get_array_module(x).exp(logp)
        keep = (x.shape[0], 1) + tuple(x.shape[2:])
        g = _grad_per_position(gy, reduction, denom, keep, None)
        if is_log_prob:
            gx = -(g * q)
        else:
            gx = g * (p * q.sum(axis=1, keepdims=True) - q)
        if isinstance(gx, Tensor):
            return gx, None, None, None, None
        return _wrap(gx), None, None, None, None


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
        if engine.is_grad_enabled():
            x, y, w, lw = ctx.saved_tensors
            s = engine.sigmoid(-x)
        else:
            x, y, w, lw = ctx.saved_arrays
            gy = gy.array
            xp = get_array_module(x)
            s = ((xp.tanh(x * -0.5) + 1) * 0.5).astype(x.dtype, copy=False)  # sigmoid(-x)
        r = ctx.reduction
        if r == "none":
            g = gy
        else:
            g = gy.reshape((1,) * x.ndim) * (1.0 / (x.array.size if isinstance(x, Tensor) else x.size) if r == "mean" else 1.0)
        d = (1 - y) - (s if lw is None else lw * s)
        if w is not None:
            d = d * w
        gx = g * d
        if isinstance(gx, Tensor):
            return gx, None, None, None, None
        return _wrap(gx), None, None, None, None


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
