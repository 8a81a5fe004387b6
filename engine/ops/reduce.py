"""Reductions with torch's signatures: sum, mean, amax/amin, max/min, argmax/argmin, var/std (and
``var_mean``/``std_mean``), logsumexp, any/all.

Every reduction takes ``dim=None|int|tuple`` and ``keepdim=False``; NumPy's ``axis=``/``keepdims=``
are accepted as aliases.  A 0-d tensor accepts ``dim=0`` and ``dim=-1``.  As torch:

- ``max()``/``min()`` without ``dim`` give the value; with an int ``dim`` they give the named tuple
  ``(values, indices)`` (the gradient goes to the returned index); with a tensor they are the
  elementwise ``maximum``/``minimum``.  ``amax``/``amin`` reduce over several dims and share the
  gradient evenly among tied extremes (so the gradient of a sum of maxima stays exact), as torch.
- ``var``/``std`` divide by ``N - correction`` (``correction=1`` by default; ``unbiased=False`` means
  ``correction=0``); when ``N - correction <= 0`` the result is nan/inf as torch's, not an error.
- ``mean`` over zero elements is nan; ``mean`` of an integer tensor raises (give ``dtype=``).
- ``sum`` of bool/integer tensors is int64; ``any``/``all`` return bool tensors.
- ``logsumexp`` is computed around the maximum, so large inputs do not overflow.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import constant, dim_arg, keepdim_arg, keepdims_shape, normalize_axes, operand, wrap_dim

__all__ = ["sum", "mean", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "var_mean",
           "std_mean", "logsumexp", "any", "all", "return_types"]


class return_types:  # noqa: N801  (torch.return_types)
    """The named tuples returned by reductions along a dim (``values``, ``indices``)."""

    max = namedtuple("max", ["values", "indices"])
    min = namedtuple("min", ["values", "indices"])


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.in_shape = x.shape
        ctx.keep_shape = keepdims_shape(x.shape, axes)
        kw = {"dtype": np.int64} if x.dtype.kind in "biu" else {}
        return get_array_module(x).sum(x, axis=axes, keepdims=keepdims, **kw)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.keep_shape).broadcast_to(ctx.in_shape), None, None


class Max(Function):
    """Maximum (``mode="max"``) or minimum (``mode="min"``) over dims; ties share the gradient."""

    @staticmethod
    def forward(ctx, x, axes, keepdims, mode):
        xp = get_array_module(x)
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
        if x.size == 0:
            out = xp.log(xp.sum(xp.exp(x), axis=axes, keepdims=True)).astype(x.dtype, copy=False)
        else:
            m = xp.max(x, axis=axes, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            out = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
            out = xp.asarray(out).astype(x.dtype, copy=False)
        ctx.keep_shape = out.shape
        if not keepdims:
            out = out.reshape([s for i, s in enumerate(out.shape) if i not in axes])
        ctx.save_for_backward(x, out)  # the returned array itself, so a second derivative flows through it
        return out

    @staticmethod
    def backward(ctx, gy):
        x, out = ctx.saved_tensors
        return gy.reshape(ctx.keep_shape) * (x - out.reshape(ctx.keep_shape)).exp(), None, None


# ---- helpers ----------------------------------------------------------------------------------
def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _cast(x, dtype):
    if dtype is None:
        return x
    from .shape import astype

    return astype(x, dtype)


def _all_dims(dim):
    """torch reads ``dim=()``/``dim=[]`` as "every dim" for sum/mean."""
    return None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim


def _reduce_args(name, x, dim, axis, keepdim, keepdims):
    x = operand(x)
    if not isinstance(x, Tensor):
        from ..creation import as_tensor

        x = as_tensor(x)
    dim = _all_dims(dim_arg(name, dim, axis))
    return x, normalize_axes(dim, x.ndim, name), keepdim_arg(keepdim, keepdims)


# ---- user functions ---------------------------------------------------------------------------
def sum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A001  (torch's name)
    """Sum over ``dim`` (all dims by default); bool/integer input gives int64 unless ``dtype=`` says."""
    x, axes, keep = _reduce_args("sum", x, dim, axis, keepdim, keepdims)
    return Sum.apply(_cast(x, dtype), axes, keep)


def mean(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Mean over ``dim``; nan over zero elements (as torch); integer input needs ``dtype=``."""
    x, axes, keep = _reduce_args("mean", x, dim, axis, keepdim, keepdims)
    x = _cast(x, dtype)
    if not _dt.is_floating_dtype(x.array.dtype) and x.array.dtype.kind != "c":
        raise RuntimeError(
            f"mean: could not infer output dtype; input dtype must be floating point or complex, got "
            f"{_dt.as_dtype(x.array.dtype)} (pass dtype=engine.float32 or call .float() first)"
        )
    n = _count(x.shape, axes)
    return Sum.apply(x, axes, keep) * (1.0 / n if n else float("nan"))


def amax(x, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """Maximum over ``dim`` (an int or a tuple; all dims by default); ties share the gradient."""
    x, axes, keep = _reduce_args("amax", x, dim, axis, keepdim, keepdims)
    _check_nonempty("amax", x, axes)
    return Max.apply(x, axes, keep, "max")


def amin(x, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """Minimum over ``dim`` (an int or a tuple; all dims by default); ties share the gradient."""
    x, axes, keep = _reduce_args("amin", x, dim, axis, keepdim, keepdims)
    _check_nonempty("amin", x, axes)
    return Max.apply(x, axes, keep, "min")


def _check_nonempty(name, x, axes):
    if x.array.size == 0 and (_count(x.shape, axes) == 0 or not axes):
        raise IndexError(f"{name}: cannot reduce over a dimension of size 0 (input of shape {x.shape}, dims {axes})")


def _extremum(name, x, dim, keepdim, axis, keepdims):
    from .elementwise import maximum, minimum

    if isinstance(dim, Tensor):  # max(other): elementwise, as torch
        return (maximum if name == "max" else minimum)(x, dim)
    x = operand(x)
    dim = dim_arg(name, dim, axis)
    if dim is None:
        if x.array.size == 0:
            raise RuntimeError(
                f"{name}(): expected reduction dim to be specified for an input with no elements (shape {x.shape})"
            )
        return Max.apply(x, normalize_axes(None, x.ndim), False, name)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}: dim must be an int (use amax/amin to reduce over several dims), got {dim!r}")
    d = wrap_dim(dim, x.ndim, name)
    keep = keepdim_arg(keepdim, keepdims)
    if x.ndim == 0:
        from .shape import reshape

        values = reshape(x, ())  # a new node, as torch returns a new tensor
        return getattr(return_types, name)(values, Tensor._wrap(get_array_module(x.array).zeros((), np.int64)))
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): cannot reduce over dim {d} of size 0 (input of shape {x.shape})")
    xp = get_array_module(x.array)
    idx = (xp.argmax if name == "max" else xp.argmin)(x.array, axis=d, keepdims=True)
    index = tuple(idx if i == d else xp.arange(s).reshape((-1,) + (1,) * (x.ndim - 1 - i))
                  for i, s in enumerate(x.shape))
    from .shape import getitem, reshape

    values = getitem(x, index)  # gathers x at the indices: the gradient lands on them
    if not keep:
        values = reshape(values, x.shape[:d] + x.shape[d + 1:])
        idx = idx.reshape(x.shape[:d] + x.shape[d + 1:])
    return getattr(return_types, name)(values, Tensor._wrap(idx.astype(np.int64, copy=False)))


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """``max(x)`` the largest value; ``max(x, dim)`` the named tuple (values, indices); ``max(x, other)``
    the elementwise maximum."""
    return _extremum("max", x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """``min(x)`` the smallest value; ``min(x, dim)`` the named tuple (values, indices); ``min(x, other)``
    the elementwise minimum."""
    return _extremum("min", x, dim, keepdim, axis, keepdims)


def _arg(name, x, dim, keepdim, axis, keepdims):
    x = operand(x)
    dim = dim_arg(name, dim, axis)
    keep = keepdim_arg(keepdim, keepdims)
    xp = get_array_module(x.array)
    fn = xp.argmax if name == "argmax" else xp.argmin
    if dim is None:
        if x.array.size == 0:
            raise RuntimeError(f"{name}(): expected reduction dim to be specified for an input with no elements")
        out = fn(x.array.reshape(-1))
        out = xp.asarray(out).reshape((1,) * x.ndim if keep else ())
    else:
        d = wrap_dim(dim, x.ndim, name)
        if x.ndim == 0:
            return Tensor._wrap(xp.zeros((), np.int64))
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): cannot reduce over dim {d} of size 0 (input of shape {x.shape})")
        out = xp.asarray(fn(x.array, axis=d, keepdims=keep))
    return Tensor._wrap(out.astype(np.int64, copy=False))


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the largest value (of the flattened tensor when ``dim`` is None); int64."""
    return _arg("argmax", x, dim, keepdim, axis, keepdims)


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the smallest value (of the flattened tensor when ``dim`` is None); int64."""
    return _arg("argmin", x, dim, keepdim, axis, keepdims)


def _correction(name, unbiased, correction, ddof):
    given = [v is not None for v in (unbiased, correction, ddof)]
    if given.count(True) > 1:
        raise TypeError(f"{name}: give only one of unbiased=, correction= and ddof=")
    if unbiased is not None:
        return 1 if unbiased else 0
    if ddof is not None:
        return ddof
    return 1 if correction is None else correction


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None, ddof=None):
    """Variance over ``dim`` dividing by ``N - correction`` (``correction=1`` by default, as torch).

    ``unbiased=False`` is ``correction=0``; NumPy's ``ddof=`` is accepted as an alias of ``correction``.
    ``N - correction <= 0`` gives nan (or inf), as torch, not an error.  ``x.var(True)`` reads the bool
    as ``unbiased``, as torch does."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    c = _correction("var", unbiased, correction, ddof)
    x, axes, keep = _reduce_args("var", x, dim, axis, keepdim, keepdims)
    n = _count(x.shape, axes)
    d = x - mean(x, axes, keepdim=True)
    div = n - c
    return Sum.apply(d * d, axes, keep) * (1.0 / div if div > 0 else float("inf"))


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None, ddof=None):
    """Standard deviation: the square root of :func:`var` (same arguments).  Where it is 0 the gradient
    is 0, not nan, as torch's (the square root's infinite slope is masked)."""
    from .elementwise import sqrt, where

    v = var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof)
    zero = constant(v.array == 0)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """``(var, mean)`` over the same dims."""
    v = var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    return v, mean(x, dim, keepdim, axis=axis, keepdims=keepdims)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """``(std, mean)`` over the same dims."""
    s = std(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    return s, mean(x, dim, keepdim, axis=axis, keepdims=keepdims)


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``log(sum(exp(x)))`` over ``dim``, computed around the maximum."""
    x, axes, keep = _reduce_args("logsumexp", x, dim, axis, keepdim, keepdims)
    return LogSumExp.apply(x, axes, keep)


def _logical(name, x, dim, keepdim, axis, keepdims):
    x, axes, keep = _reduce_args(name, x, dim, axis, keepdim, keepdims)
    xp = get_array_module(x.array)
    out = xp.asarray(getattr(xp, name)(x.array, axis=axes, keepdims=keep))
    return Tensor._wrap(out.astype(np.uint8) if x.array.dtype == np.uint8 else out)


def any(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Whether any element along ``dim`` is nonzero: a bool tensor (uint8 for uint8 input, as torch)."""
    return _logical("any", x, dim, keepdim, axis, keepdims)


def all(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Whether every element along ``dim`` is nonzero: a bool tensor (uint8 for uint8 input, as torch)."""
    return _logical("all", x, dim, keepdim, axis, keepdims)
