"""Softmax cross-entropy on logits and integer labels as one fused op (``kernels.softmax_cross_entropy_*``).

``softmax_cross_entropy(logits (N, C), labels (N,), ignore_index=-100, reduction="mean")``: the forward
keeps each row's log-sum-exp, so the backward is one pass ``g * (softmax - onehot)``.  ``reduction`` as
PyTorch: "mean" averages over the rows whose label is not ``ignore_index``; "sum"; "none" (per row).
Twice differentiable in Chainer's ``ReLUGrad2`` way: the backward is one fused kernel pass wrapped as its own
Function (``SoftmaxCrossEntropyGrad``), whose backward is written with differentiable ops, so
``create_graph=True`` works without branching on grad mode.  ``F.cross_entropy`` with integer labels (no class
weights, no label smoothing, (N, C) or (C,) input) runs this op.
"""
from __future__ import annotations

import kernels

from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import constant, operand


class SoftmaxCrossEntropy(Function):
    @staticmethod
    def forward(ctx, logits, labels, ignore_index, reduction):
        xp = get_array_module(logits)
        loss, lse = kernels.softmax_cross_entropy_forward(logits, labels, ignore_index)
        ctx.conf = (ignore_index, reduction)
        ctx.lse = lse
        ctx.labels = labels.copy()  # the caller's label array may be written in place before backward
        ctx.save_for_backward(logits)
        if reduction == "none":
            return loss
        total = loss.sum(dtype=lse.dtype)
        if reduction == "sum":
            return total.astype(logits.dtype)
        ctx.count = int((labels != ignore_index).sum())
        return (total / max(ctx.count, 1) if ctx.count else xp.asarray(xp.nan, dtype=lse.dtype)).astype(logits.dtype)

    @staticmethod
    def backward(ctx, g):
        (logits,) = ctx.saved_tensors
        ignore_index, reduction = ctx.conf
        count = ctx.count if reduction == "mean" else None
        return SoftmaxCrossEntropyGrad.apply(g, logits, ctx.labels, ctx.lse, ignore_index, count), None, None, None


class SoftmaxCrossEntropyGrad(Function):
    """d loss / d logits = ``g_row * (softmax(x) - onehot)`` on the rows not ignored, as one kernel pass
    (``g_row`` is ``g`` per row, ``g / count`` under mean reduction).  Its backward, for the second
    derivative, is built from differentiable ops."""

    @staticmethod
    def forward(ctx, g, logits, labels, lse, ignore_index, count):
        ctx.save_for_backward(g, logits)
        ctx.labels, ctx.ignore_index, ctx.count = labels, ignore_index, count
        if count is not None:
            g = g / max(count, 1)
        return kernels.softmax_cross_entropy_backward(g, logits, labels, lse, ignore_index)

    @staticmethod
    def backward(ctx, h):
        from .softmax import softmax

        g, x = ctx.saved_tensors
        xp = get_array_module(x.array)
        labels, valid = ctx.labels, ctx.labels != ctx.ignore_index
        onehot = xp.zeros(x.shape, dtype=x.dtype)
        rows = xp.arange(x.shape[0])
        onehot[rows[valid], labels[valid]] = 1
        hm = h * constant(valid[:, None].astype(x.dtype))
        s = softmax(x, 1)
        scale = 1.0 / max(ctx.count, 1) if ctx.count is not None else 1.0
        g_row = (g.reshape(-1, 1) if g.ndim else g) * scale
        dx = g_row * s * (hm - (hm * s).sum(1, keepdim=True))
        per_row = (hm * (s - constant(onehot))).sum(1) * scale
        dg = per_row if g.ndim else per_row.sum()
        return dg, dx, None, None, None, None


def softmax_cross_entropy(logits, labels, ignore_index=-100, reduction="mean"):
    """Cross-entropy of integer ``labels`` under ``softmax(logits)``, fused and numerically stable."""
    logits = operand(logits)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    lab = labels.array if isinstance(labels, Tensor) else labels
    if not hasattr(lab, "dtype"):
        lab = get_array_module(logits.array).asarray(lab)
    return SoftmaxCrossEntropy.apply(logits, lab, int(ignore_index), reduction)
