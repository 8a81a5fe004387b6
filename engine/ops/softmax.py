"""Softmax and log-softmax along one dim: the one implementation (``kernels.softmax`` / ``log_softmax``,
Numba twins computed around the row maximum, so large logits are safe).

``softmax(x, dim=-1, dtype=None)``: torch's arguments, NumPy's ``axis=`` accepted as an alias; a 0-d
tensor accepts ``dim=0``/``-1``; ``dtype=`` casts the input first; integer input becomes the default
float dtype.  (``torch.softmax`` requires ``dim``; here it defaults to the last dim.  ``F.softmax``
without ``dim`` picks torch's legacy implicit dim, see nn.functional.)  The arguments are checked here,
once; the kernels take them as they are.

Twice (and more) differentiable without branching on grad mode: the backward applies ``SoftmaxGrad``
(one fused kernel pass, ``kernels.softmax_backward`` / ``log_softmax_backward``), whose own backward is
written with differentiable ops.  float16 and bfloat16 are computed in float32 by the kernels and come
back in their own dtype.
"""
from __future__ import annotations

import kernels

from ..function import Function
from ._util import dim_arg, wrap_dim


class Softmax(Function):
    """``exp(x) / sum(exp(x))`` along ``axis``."""

    log = False

    @staticmethod
    def forward(ctx, x, axis):
        y = (kernels.log_softmax if ctx.log else kernels.softmax)(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return SoftmaxGrad.apply(gy, y, ctx.axis, ctx.log), None


class LogSoftmax(Softmax):
    """``x - logsumexp(x)`` along ``axis``."""

    log = True


class SoftmaxGrad(Function):
    """The input gradient of softmax (``y * (gy - sum(gy * y))``) or log-softmax (``gy - exp(y) * sum(gy)``)
    from the output ``y``, as one kernel pass; its backward, for the second derivative, is built from
    differentiable ops."""

    @staticmethod
    def forward(ctx, gy, y, axis, log):
        ctx.axis, ctx.log = axis, log
        ctx.save_for_backward(gy, y)
        return (kernels.log_softmax_backward if log else kernels.softmax_backward)(gy, y, axis)

    @staticmethod
    def backward(ctx, h):
        gy, y = ctx.saved_tensors
        axis = ctx.axis
        if ctx.log:
            he = h * y.exp()
            return h - he.sum(axis, keepdim=True), -he * gy.sum(axis, keepdim=True), None, None
        hy = (h * y).sum(axis, keepdim=True)
        d_gy = y * (h - hy)
        d_y = h * (gy - (gy * y).sum(axis, keepdim=True)) - gy * hy
        return d_gy, d_y, None, None


def _prepare(name, x, dim, axis, dtype):
    from .elementwise import _floating
    from .shape import astype

    x = _floating(x)
    if dtype is not None:
        x = astype(x, dtype)
    d = wrap_dim(dim_arg(name, dim, axis, -1), x.ndim, name)
    return x, (d if x.ndim else 0)


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
