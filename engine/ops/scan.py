"""Scans and products along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp, prod.

- ``cumsum``'s adjoint is the reversed cumsum (one Function with a ``reverse`` flag).
- ``cumprod``'s gradient is ``revcumsum(g * y) / x`` when no input is zero; with zeros it uses the
  products that leave one factor out, ``prod_{k<=j, k!=i} x_k`` (an O(n^2) scan along the dim, as
  exact as torch's).  ``prod``'s gradient is ``g * (product of the others)`` from two exclusive
  cumprods, exact with zeros too.
- ``cummax``/``cummin`` return ``(values, indices)``; on ties the later index wins (torch), and the
  gradient goes to that index only (a gather).
- ``logcumsumexp``'s gradient ``sum_{j>=i} g_j exp(x_i - y_j)`` is formed with exponents <= 0 only
  (an O(n^2) masked sum along the dim), so it never overflows.
Integer and bool inputs to cumsum/cumprod/prod give int64 (torch).  0-d inputs accept dim 0 or -1.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import operand
from .index import Gather, dim_index
from .reduce import Sum
from .shape import Reshape, Transpose

cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim, reverse):
        ctx.dim, ctx.reverse = dim, reverse
        xp = get_array_module(x)
        if reverse:
            return xp.flip(xp.cumsum(xp.flip(x, dim), axis=dim), dim)
        return xp.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return Cumsum.apply(gy, ctx.dim, not ctx.reverse), None, None


class _ScanKeepingBoth(Function):
    """Base of a scan along ``dim`` whose backward reads its input and output: ``scan(xp, x, dim)``."""

    scan = None

    @classmethod
    def forward(cls, ctx, x, dim):
        y = cls.scan(get_array_module(x), x, dim)
        ctx.dim = dim
        ctx.save_for_backward(x, y)
        return y


class Cumprod(_ScanKeepingBoth):
    scan = staticmethod(lambda xp, x, dim: xp.cumprod(x, axis=dim))

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        d = ctx.dim
        if not bool((x.array == 0).any()):
            return Cumsum.apply(gy * y, d, True) / x, None
        return _cumprod_grad_with_zeros(x, gy, d), None


def _movedim_last(t, d):
    if d == t.ndim - 1:
        return t
    return Transpose.apply(t, tuple(i for i in range(t.ndim) if i != d) + (d,))


def _movedim_back(t, d):
    if d == t.ndim - 1:
        return t
    axes = list(range(t.ndim - 1))
    axes.insert(d, t.ndim - 1)
    return Transpose.apply(t, tuple(axes))


def _unsqueeze(t, d):
    shape = list(t.shape)
    shape.insert(d % (t.ndim + 1), 1)
    return Reshape.apply(t, tuple(shape))


def _sum_last(t):
    return Sum.apply(t, (t.ndim - 1,), False)


def _cumprod_grad_with_zeros(x, g, d):
    """``grad_i = sum_{j>=i} g_j prod_{k<=j, k!=i} x_k`` as an (n x n) scan along dim ``d``."""
    from .elementwise import where

    xm, gm = _movedim_last(x, d), _movedim_last(g, d)
    n = xm.shape[-1]
    xp = get_array_module(x.array)
    eye = xp.eye(n, dtype=bool)
    leave_one_out = where(eye, 1.0, _unsqueeze(xm, -2))  # [..., i, k]: x_k with x_i replaced by 1
    partial = Cumprod.apply(leave_one_out.to(dtype=x.dtype), leave_one_out.ndim - 1)  # [..., i, j]
    upper = Tensor._wrap(xp.triu(xp.ones((n, n), dtype=x.dtype)))  # j >= i
    grad = _sum_last(partial * _unsqueeze(gm, -2) * upper)
    return _movedim_back(grad, d)


class LogCumSumExp(_ScanKeepingBoth):
    scan = staticmethod(lambda xp, x, dim: xp.logaddexp.accumulate(x, axis=dim).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, gy):
        from .elementwise import where

        x, y = ctx.saved_tensors
        d = ctx.dim
        xm, ym, gm = _movedim_last(x, d), _movedim_last(y, d), _movedim_last(gy, d)
        n = xm.shape[-1]
        xp = get_array_module(x.array)
        upper = xp.triu(xp.ones((n, n), dtype=bool))  # [i, j]: j >= i
        expo = where(upper, _unsqueeze(xm, -1) - _unsqueeze(ym, -2), -np.inf)
        grad = _sum_last(expo.exp() * _unsqueeze(gm, -2))
        return _movedim_back(grad, d), None


class Prod(Function):
    """Product along ``dim`` (kept as size 1); the gradient is ``g`` times the product of the others."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x)
        return get_array_module(x).prod(x, axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        d = ctx.dim
        one = [(0, 0)] * x.ndim
        one[d] = (1, 0)
        from .shape import flat_pad, pad

        n = x.shape[d]
        if n == 0:
            return gy.broadcast_to(x.shape) * 0, None
        head = x[(slice(None),) * d + (slice(0, n - 1),)]
        tail = x[(slice(None),) * d + (slice(1, n),)]
        left = pad(Cumprod.apply(head, d), flat_pad(one), value=1.0)  # prod_{k<i} x_k
        right = pad(_flip(Cumprod.apply(_flip(tail, d), d), d), flat_pad([(a, b) for b, a in one]), value=1.0)  # prod_{k>i}
        return gy * left * right, None


def _flip(t, d):
    """``t`` reversed along dim ``d`` (differentiable)."""
    return t[(slice(None),) * d + (slice(None, None, -1),)]


# ---- user functions ----------------------------------------------------------------------------
def _int_to_long(x, dtype):
    if dtype is not None:
        return x.to(dtype=np.dtype(dtype)) if x.dtype != np.dtype(dtype) else x
    if x.dtype.kind in "iub" and x.dtype != np.int64:
        return x.to(dtype=np.int64)
    return x


def _scan(cls, name, x, dim, *args):
    x = operand(x)
    d = dim_index(dim, x.ndim, name)
    if x.ndim == 0:
        return cls.apply(x.reshape((1,)), 0, *args).reshape(())
    return cls.apply(x, d, *args)


def cumsum(input, dim, dtype=None):  # noqa: A002  (torch's argument names)
    """Cumulative sum along ``dim``; integer/bool input gives int64 (torch)."""
    return _scan(Cumsum, "cumsum", _int_to_long(operand(input), dtype), dim, False)


def cumprod(input, dim, dtype=None):  # noqa: A002
    """Cumulative product along ``dim``; integer/bool input gives int64 (torch)."""
    return _scan(Cumprod, "cumprod", _int_to_long(operand(input), dtype), dim)


def logcumsumexp(input, dim):  # noqa: A002
    """``log(cumsum(exp(x)))`` along ``dim`` without overflow."""
    x = operand(input)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp: expected a floating tensor, got {x.dtype}")
    return _scan(LogCumSumExp, "logcumsumexp", x, dim)


def _cumext(name, input, dim, better):  # noqa: A002
    x = operand(input)
    d = dim_index(dim, x.ndim, name)
    xs = x.reshape((1,)) if x.ndim == 0 else x
    a = xs.array
    xp = get_array_module(a)
    n = a.shape[d] if a.ndim else 1
    if a.size == 0:
        idx = xp.zeros(a.shape, dtype=np.int64)
    else:
        ufunc = xp.maximum if better == "max" else xp.minimum
        vals = ufunc.accumulate(a, axis=d)
        shape = [1] * a.ndim
        shape[d] = n
        pos = xp.broadcast_to(xp.arange(n, dtype=np.int64).reshape(shape), a.shape)
        hit = (a == vals) | (xp.isnan(a) if a.dtype.kind == "f" else False)
        idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d)
    values = Gather.apply(xs, d, idx)
    ind = Tensor._wrap(idx)
    if x.ndim == 0:
        values, ind = values.reshape(()), ind.reshape(())
    return (cummax_result if better == "max" else cummin_result)(values, ind)


def cummax(input, dim):  # noqa: A002
    """(values, indices) of the running maximum along ``dim``; on ties the later index (torch)."""
    return _cumext("cummax", input, dim, "max")


def cummin(input, dim):  # noqa: A002
    """(values, indices) of the running minimum along ``dim``; on ties the later index (torch)."""
    return _cumext("cummin", input, dim, "min")


def prod(input, dim=None, keepdim=False, dtype=None):  # noqa: A002
    """Product of all elements, or along ``dim`` (``keepdim`` keeps it as size 1); ints give int64."""
    x = _int_to_long(operand(input), dtype)
    if dim is None:
        return Prod.apply(x.reshape((-1,)), 0).reshape(())
    d = dim_index(dim, x.ndim, "prod")
    if x.ndim == 0:
        return x * 1
    out = Prod.apply(x, d)
    if not keepdim:
        out = out.reshape(tuple(s for i, s in enumerate(out.shape) if i != d))
    return out
