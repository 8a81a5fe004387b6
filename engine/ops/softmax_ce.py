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

from .. import backend
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import constant, operand


class LabelOutOfRangeError(IndexError, ValueError):
    """A class label outside [0, C) that is not ``ignore_index``: an IndexError as torch raises (and a
    ValueError, which this op raised before)."""


def label_error(label, classes, op="cross_entropy"):
    return LabelOutOfRangeError(
        f"{op}: target label {label} is out of range for {classes} classes (labels must lie in "
        f"[0, {classes}) or equal ignore_index)")


def check_labels(labels, classes, ignore_index, op):
    """The label check of the losses that build their target from the labels (class weights, label
    smoothing, N-d inputs, ``nll_loss``): a label of int64 ``labels`` neither ``ignore_index`` nor in
    [0, classes) raises at once on the CPU and, on a GPU, at the next read from the device (as
    ``softmax_cross_entropy``).  ``op``: "cross_entropy" or "nll_loss".  Returns the bool mask of those
    labels (all False unless on a GPU) so that the caller can make their loss NaN meanwhile."""
    flags = kernels.error_flags(labels)
    code = kernels.NLL_LABEL_OUT_OF_RANGE if op == "nll_loss" else kernels.LABEL_OUT_OF_RANGE
    kernels.flag_labels(labels, classes, ignore_index, flags, code)
    bad = kernels.flagged_now(flags)
    if bad is not None:
        raise backend.DEVICE_ERRORS[bad[0]](*bad[1:])
    return (labels != ignore_index) & ((labels < 0) | (labels >= classes))


backend.DEVICE_ERRORS[kernels.LABEL_OUT_OF_RANGE] = label_error
backend.DEVICE_ERRORS[kernels.NLL_LABEL_OUT_OF_RANGE] = lambda label, classes: label_error(label, classes, "nll_loss")


class SoftmaxCrossEntropy(Function):
    @staticmethod
    def forward(ctx, logits, labels, ignore_index, reduction):
        xp = get_array_module(logits)
        flags = kernels.error_flags(logits)
        loss, lse = kernels.softmax_cross_entropy_forward(logits, labels, ignore_index, flags)
        bad = kernels.flagged_now(flags)  # the CPU: at once; a GPU: at the next read (backend.raise_device_errors)
        if bad is not None:
            raise backend.DEVICE_ERRORS[bad[0]](*bad[1:])
        ctx.conf = (ignore_index, reduction)
        ctx.lse = lse
        ctx.labels = labels.copy()  # the caller's label array may be written in place before backward
        ctx.save_for_backward(logits)
        ctx.divisor = None
        if reduction == "none":
            return loss
        total = loss.sum(dtype=lse.dtype)
        if reduction == "sum":
            return total.astype(logits.dtype)
        count = (labels != ignore_index).sum()  # stays on the device: no blocking read
        ctx.divisor = xp.maximum(count, 1).astype(lse.dtype)
        return xp.where(count > 0, total / ctx.divisor, xp.nan).astype(logits.dtype)

    @staticmethod
    def backward(ctx, g):
        (logits,) = ctx.saved_tensors
        ignore_index, _ = ctx.conf
        return SoftmaxCrossEntropyGrad.apply(g, logits, ctx.labels, ctx.lse, ignore_index, ctx.divisor), None, None, None


class SoftmaxCrossEntropyGrad(Function):
    """d loss / d logits = ``g_row * (softmax(x) - onehot)`` on the rows not ignored, as one kernel pass
    (``g_row`` is ``g`` per row, ``g / divisor`` under mean reduction, the divisor a 0-d array on the
    logits' device).  Its backward, for the second derivative, is built from differentiable ops."""

    @staticmethod
    def forward(ctx, g, logits, labels, lse, ignore_index, divisor):
        ctx.save_for_backward(g, logits)
        ctx.labels, ctx.ignore_index, ctx.divisor = labels, ignore_index, divisor
        if divisor is not None:
            g = g / divisor
        return kernels.softmax_cross_entropy_backward(g, logits, labels, lse, ignore_index)

    @staticmethod
    def backward(ctx, h):
        from .softmax import softmax

        g, x = ctx.saved_tensors
        xp = get_array_module(x.array)
        labels = ctx.labels
        valid = (labels != ctx.ignore_index)[:, None]
        onehot = constant(((labels[:, None] == xp.arange(x.shape[1])) & valid).astype(x.dtype))
        hm = h * constant(valid.astype(x.dtype))
        s = softmax(x, 1)
        g_row = g.reshape(-1, 1) if g.ndim else g
        if ctx.divisor is not None:
            g_row = g_row / constant(ctx.divisor)
        dx = g_row * s * (hm - (hm * s).sum(1, keepdim=True))
        per_row = (hm * (s - onehot)).sum(1)
        if ctx.divisor is not None:
            per_row = per_row / constant(ctx.divisor)
        dg = per_row if g.ndim else per_row.sum()
        return dg, dx, None, None, None, None


def softmax_cross_entropy(logits, labels, ignore_index=-100, reduction="mean"):
    """Cross-entropy of integer ``labels`` (N,) under ``softmax(logits)`` (N, C), fused and numerically
    stable.  Checked here, once: shapes, dtypes, ``reduction``.  The label range is checked by the kernel
    itself: on the CPU a label outside [0, C) (not ``ignore_index``) raises at once; on a GPU checking it
    here would cost a blocking read from the device every step, so the kernel gives that row a NaN loss
    (and NaN gradient), flags it in host-mapped memory, and the error (the same ``LabelOutOfRangeError``)
    is raised at the next read from the device (``.item()``, ``.numpy()``, ``print``): the way torch
    raises its CUDA device-side assert, asynchronously, at the next synchronising call."""
    op = "softmax_cross_entropy"
    logits = operand(logits)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    xp = get_array_module(logits.array)
    lab = labels.array if isinstance(labels, Tensor) else xp.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"{op}: expected logits of shape (N, C), got {logits.shape}")
    if lab.shape != (logits.shape[0],):
        raise ValueError(f"{op}: labels of shape {lab.shape} do not match logits {logits.shape}")
    if lab.dtype.kind not in "iu":
        raise TypeError(f"{op}: labels must be integers, got {lab.dtype}")
    if logits.shape[0] and logits.shape[1] == 0:
        raise ValueError(f"{op}: logits of shape {logits.shape} have no classes")
    if logits.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating-point logits, got {logits.dtype}")
    return SoftmaxCrossEntropy.apply(logits, xp.ascontiguousarray(lab, dtype=xp.int64), int(ignore_index),
                                     reduction)
