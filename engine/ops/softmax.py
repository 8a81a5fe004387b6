"""Softmax and log-softmax along one axis, computed around the maximum so large logits are safe."""
from __future__ import annotations

from ..backend import get_array_module
from ..function import Function
from ._util import normalize_axes, operand


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        y = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return y * (gy - (gy * y).sum(axis=ctx.axis, keepdims=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        z = x - x.max(axis=axis, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy - y.exp() * gy.sum(axis=ctx.axis, keepdims=True), None


def softmax(x, axis=-1):
    x = operand(x)
    return Softmax.apply(x, normalize_axes(axis, x.ndim)[0])


def log_softmax(x, axis=-1):
    x = operand(x)
    return LogSoftmax.apply(x, normalize_axes(axis, x.ndim)[0])
