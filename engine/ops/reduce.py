"""Reductions: sum, mean, max, min, var, logsumexp over ``axis=None|int|tuple`` with ``keepdims``.

``max``/``min`` share the gradient evenly among tied extremes (so the gradient of a sum of maxima
is still exact).  ``var`` divides by ``N - ddof`` with NumPy's default ``ddof=0``.  ``logsumexp`` is
computed around the maximum, so large inputs do not overflow.
"""
from __future__ import annotations

from ..backend import get_array_module
from ..function import Function
from ._util import constant, keepdims_shape, normalize_axes, operand


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.in_shape = x.shape
        ctx.keep_shape = keepdims_shape(x.shape, axes)
        return get_array_module(x).sum(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.keep_shape).broadcast_to(ctx.in_shape), None, None


class Max(Function):
    """Maximum (``mode="max"``) or minimum (``mode="min"``) along axes; ties share the gradient."""

    @staticmethod
    def forward(ctx, x, axes, keepdims, mode):
        xp = get_array_module(x)
        if x.size == 0:
            raise ValueError(f"{mode}: reduction of an empty tensor of shape {x.shape}")
        y = (xp.max if mode == "max" else xp.min)(x, axis=axes, keepdims=True)
        hit = (x == y).astype(x.dtype)
        ctx.weights = hit / hit.sum(axis=axes, keepdims=True)
        ctx.keep_shape = y.shape
        ctx.in_shape = x.shape
        return y if keepdims else y.reshape([s for i, s in enumerate(y.shape) if i not in axes])

    @staticmethod
    def backward(ctx, gy):
        g = gy.reshape(ctx.keep_shape).broadcast_to(ctx.in_shape)
        return g * constant(ctx.weights.astype(gy.dtype, copy=False)), None, None, None


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = get_array_module(x)
        m = xp.max(x, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        out = out.astype(x.dtype, copy=False)
        ctx.keep_shape = out.shape
        if not keepdims:
            out = out.reshape([s for i, s in enumerate(out.shape) if i not in axes])
        ctx.save_for_backward(x, out)  # the returned array itself, so a second derivative flows through it
        return out

    @staticmethod
    def backward(ctx, gy):
        x, out = ctx.saved_tensors
        return gy.reshape(ctx.keep_shape) * (x - out.reshape(ctx.keep_shape)).exp(), None, None


def sum(x, axis=None, keepdims=False):  # noqa: A001  (NumPy's name)
    x = operand(x)
    return Sum.apply(x, normalize_axes(axis, x.ndim), bool(keepdims))


def mean(x, axis=None, keepdims=False):
    x = operand(x)
    axes = normalize_axes(axis, x.ndim)
    n = 1
    for a in axes:
        n *= x.shape[a]
    if n == 0:
        raise ValueError(f"mean: reduction over zero elements (shape {x.shape}, axis {axis})")
    return Sum.apply(x, axes, bool(keepdims)) * (1.0 / n)


def max(x, axis=None, keepdims=False):  # noqa: A001
    x = operand(x)
    return Max.apply(x, normalize_axes(axis, x.ndim), bool(keepdims), "max")


def min(x, axis=None, keepdims=False):  # noqa: A001
    x = operand(x)
    return Max.apply(x, normalize_axes(axis, x.ndim), bool(keepdims), "min")


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance dividing by ``N - ddof`` (NumPy's convention: ``ddof=0`` by default)."""
    x = operand(x)
    axes = normalize_axes(axis, x.ndim)
    n = 1
    for a in axes:
        n *= x.shape[a]
    if n - ddof <= 0:
        raise ValueError(f"var: N - ddof = {n - ddof} must be positive (shape {x.shape}, axis {axis})")
    d = x - mean(x, axes, keepdims=True)
    return Sum.apply(d * d, axes, bool(keepdims)) * (1.0 / (n - ddof))


def logsumexp(x, axis=None, keepdims=False):
    x = operand(x)
    return LogSumExp.apply(x, normalize_axes(axis, x.ndim), bool(keepdims))
