"""Softmax cross-entropy on logits and integer labels as one fused op (``kernels.softmax_cross_entropy_*``).

``softmax_cross_entropy(logits (N, C), labels (N,), ignore_index=-100, reduction="mean")``: the forward
keeps each row's log-sum-exp, so the backward is one pass ``g * (softmax - onehot)``.  ``reduction`` as
PyTorch: "mean" averages over the rows whose label is not ``ignore_index``; "sum"; "none" (per row).
Once differentiable (its gradient is built on raw arrays).
"""
from __future__ import annotations

import kernels

from ..backend import get_array_module
from ..function import Function, once_differentiable
from ..tensor import Tensor
from ._util import operand


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
    @once_differentiable("softmax_cross_entropy")
    def backward(ctx, g):
        (logits,) = ctx.saved_arrays
        ignore_index, reduction = ctx.conf
        if reduction == "mean":
            g = g / max(ctx.count, 1)
        gx = kernels.softmax_cross_entropy_backward(g, logits, ctx.labels, ctx.lse, ignore_index)
        return gx, None, None, None


def softmax_cross_entropy(logits, labels, ignore_index=-100, reduction="mean"):
    """Cross-entropy of integer ``labels`` under ``softmax(logits)``, fused and numerically stable."""
    logits = operand(logits)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    lab = labels.array if isinstance(labels, Tensor) else labels
    if not hasattr(lab, "dtype"):
        lab = get_array_module(logits.array).asarray(lab)
    return SoftmaxCrossEntropy.apply(logits, lab, int(ignore_index), reduction)
