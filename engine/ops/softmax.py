"""Softmax and log-softmax along one dim, computed around the maximum so large logits are safe.

``softmax(x, dim=-1, dtype=None)``: torch's arguments, NumPy's ``axis=`` accepted as an alias; a 0-d
tensor accepts ``dim=0``/``-1``; ``dtype=`` casts the input first; integer input becomes the default
float dtype.  (``torch.softmax`` requires ``dim``; here it defaults to the last dim.  ``F.softmax``
without ``dim`` picks torch's legacy implicit dim, see nn.functional.)"""
from __future__ import annotations

from ..backend import get_array_module
from ..function import Function
from ._util import dim_arg, wrap_dim


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        if x.size == 0:
            ctx.axis = axis
            ctx.save_for_backward(x)
            return x.copy()
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
        if x.size == 0:
            ctx.axis = axis
            ctx.save_for_backward(x)
            return x.copy()
        z = x - x.max(axis=axis, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy - y.exp() * gy.sum(axis=ctx.axis, keepdims=True), None


def _prepare(name, x, dim, axis, dtype):
    from .elementwise import _floating
    from .shape import astype

    x = _floating(x)
    if dtype is not None:
        x = astype(x, dtype)
    d = wrap_dim(dim_arg(name, dim, axis, -1), x.ndim, name)
    return x, (d if x.ndim else ())


def softmax(x, dim=None, dtype=None, *, axis=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (the last dim by default)."""
    x, d = _prepare("softmax", x, dim, axis, dtype)
    return Softmax.apply(x, d)


def log_softmax(x, dim=None, dtype=None, *, axis=None):
    """``x - logsumexp(x)`` along ``dim`` (the last dim by default)."""
    x, d = _prepare("log_softmax", x, dim, axis, dtype)
    return LogSoftmax.apply(x, d)


def softmin(x, dim=None, dtype=None, *, axis=None):
    """``softmax(-x)`` along ``dim``."""
    from .elementwise import neg

    x, d = _prepare("softmin", x, dim, axis, dtype)
    return Softmax.apply(neg(x), d)
