"""Sorting along one dim: sort, argsort, topk, msort, kthvalue.

Each one computes integer indexes on the raw array (a stable NumPy/CuPy argsort) and takes the
values with ``gather``, so the gradient goes back to where each value came from and stays twice
differentiable.  Sorts are always stable (``stable=`` is accepted; equal elements keep their order,
also with ``descending=True``); NaN sorts as the largest value, as in torch.  ``topk`` returns the
``k`` largest (or smallest) in sorted order whatever ``sorted=`` says (an order torch also allows).
Results are named tuples ``(values, indices)``.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand
from .index import Gather, dim_index

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])


def _order(a, dim, descending):
    """Stable argsort of raw ``a`` along ``dim``; NaN counts as the largest value."""
    xp = get_array_module(a)
    if a.dtype.kind in "bu":
        a = a.astype(np.int64)
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable")
    # a stable ascending sort of -a keeps equal elements in their original order (torch's stable
    # descending sort); NaN (last there) is then moved first by a second stable pass
    order = xp.argsort(-a, axis=dim, kind="stable")
    if a.dtype.kind == "f":
        not_nan = ~xp.isnan(xp.take_along_axis(a, order, axis=dim))
        order = xp.take_along_axis(order, xp.argsort(not_nan, axis=dim, kind="stable"), axis=dim)
    return order


def _sorted(name, input, dim, descending):  # noqa: A002
    x = operand(input)
    d = dim_index(dim, x.ndim, name)
    xs = x.reshape((1,)) if x.ndim == 0 else x
    idx = _order(xs.array, d, descending).astype(np.int64, copy=False)
    return x, xs, d, idx


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002  (torch's argument names)
    """(values, indices) sorted along ``dim`` (always stable)."""
    x, xs, d, idx = _sorted("sort", input, dim, descending)
    values, ind = Gather.apply(xs, d, idx), Tensor._wrap(idx)
    if x.ndim == 0:
        values, ind = values.reshape(()), ind.reshape(())
    return sort_result(values, ind)


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    """The int64 indexes that sort ``input`` along ``dim`` (always stable)."""
    x, _, _, idx = _sorted("argsort", input, dim, descending)
    return Tensor._wrap(idx.reshape(()) if x.ndim == 0 else idx)


def msort(input):  # noqa: A002
    return sort(input, dim=0).values


def _sorted_range(name, input, dim, k, descending, single):
    """The ``k`` first entries along ``dim`` once sorted (``single``: only the ``k``-th, 1-based) and their
    indexes: ``(x, d, values, indexes)``; ``k`` out of range raises RuntimeError naming the op."""
    x = operand(input)
    d = dim_index(dim, x.ndim, name)
    n = x.shape[d] if x.ndim else 1
    k = int(k)
    if not int(single) <= k <= n:
        raise RuntimeError(f"{name}: k ({k}) is out of range for dim {d} of size {n} (shape {tuple(x.shape)})")
    x, xs, d, idx = _sorted(name, x, d, descending)
    idx = idx[(slice(None),) * d + (slice(k - 1 if single else 0, k),)]
    return x, d, Gather.apply(xs, d, idx), Tensor._wrap(idx)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) entries along ``dim`` and their indexes."""
    x, _, values, ind = _sorted_range("topk", input, dim, k, largest, single=False)
    if x.ndim == 0:
        values, ind = values.reshape(()), ind.reshape(())
    return topk_result(values, ind)


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """The ``k``-th smallest entry (1-based) along ``dim`` and its index."""
    x, d, values, ind = _sorted_range("kthvalue", input, dim, k, False, single=True)
    if not keepdim or x.ndim == 0:
        shape = tuple(s for i, s in enumerate(values.shape) if i != d) if x.ndim else ()
        values, ind = values.reshape(shape), ind.reshape(shape)
    return kthvalue_result(values, ind)
