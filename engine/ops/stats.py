"""Order statistics, unique values, histograms and sorted search, with torch's signatures.

- ``median``/``nanmedian`` (the LOWER median for an even count, as torch), ``mode`` (ties: the smallest value;
  the index is that value's last occurrence, as torch's CPU kernel), ``quantile``/``nanquantile`` (the five
  interpolations).  Each sorts with ``engine.sort`` and gathers the selected entries, so the values carry the
  gradient back to the elements they were taken from (``quantile``'s ``linear``/``midpoint`` blend two of
  them).  ``median``/``quantile`` propagate NaN (a row holding one gives NaN and, for ``median``, the index of
  its first NaN); the ``nan*`` forms ignore NaN.  With ``dim`` the results are named tuples (values, indices).
  ``mode`` counts each NaN as a value of its own (NaN != NaN); torch's result on rows holding NaN depends on its
  sort's internals (it can even miss the most frequent value), so Kiln does not copy it.
- ``unique``/``unique_consecutive`` (``dim=None`` or an int ``dim``), ``bincount``, ``histc``, ``histogram``,
  ``searchsorted``, ``bucketize``: integer-valued results, never differentiable (as torch).  ``unique`` always
  sorts (``sorted=False`` is accepted: torch allows a sorted result) and keeps every NaN apart, as torch (the
  NaNs' inverse indices follow their order in the input; torch's order among them is unspecified).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand
from .index import Gather, dim_index
from .layout import movedim
from .shape import reshape
from .sort import sort

median_result = namedtuple("median", ["values", "indices"])
nanmedian_result = namedtuple("nanmedian", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])
histogram_result = namedtuple("histogram", ["hist", "bin_edges"])

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _nan_count(a, axis):
    xp = get_array_module(a)
    if a.dtype.kind not in "fc":
        return xp.zeros(a.shape[:axis] + (1,) + a.shape[axis + 1:], np.int64)
    return xp.isnan(a).sum(axis=axis, keepdims=True)


def _median(name, input, dim, keepdim, ignore_nan):  # noqa: A002
    x = operand(input)
    if dim is None:
        if x.array.size == 0:
            return Tensor._wrap(get_array_module(x.array).full((), np.nan, x.dtype))
        return _median(name, reshape(x, (-1,)), 0, False, ignore_nan).values
    d = dim_index(dim, x.ndim, name)
    xs = reshape(x, (1,)) if x.ndim == 0 else x
    n = xs.shape[d]
    if n == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size "
                         f"(input of shape {tuple(x.shape)})")
    values, indices = sort(xs, d)
    xp = get_array_module(xs.array)
    nans = _nan_count(xs.array, d)
    valid = n - nans
    k = xp.maximum(valid - 1, 0) // 2 if ignore_nan else xp.where(nans > 0, valid, (n - 1) // 2)
    k = k.astype(np.int64)
    out_values = Gather.apply(values, d, k)
    out_indices = xp.take_along_axis(indices.array, k, axis=d)
    if not keepdim or x.ndim == 0:
        shape = tuple(s for i, s in enumerate(out_values.shape) if i != d) if x.ndim else ()
        out_values, out_indices = reshape(out_values, shape), out_indices.reshape(shape)
    return (nanmedian_result if ignore_nan else median_result)(out_values, Tensor._wrap(out_indices))


def median(input, dim=None, keepdim=False):  # noqa: A002  (torch's argument names)
    """``median(x)``: the lower median of all elements; ``median(x, dim)``: (values, indices) along ``dim``."""
    return _median("median", input, dim, keepdim, ignore_nan=False)


def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    """``median`` ignoring NaN (all-NaN rows give NaN)."""
    return _median("nanmedian", input, dim, keepdim, ignore_nan=True)


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """(values, indices): the most frequent value along ``dim`` (ties: the smallest) and its last index."""
    x = operand(input)
    d = dim_index(dim, x.ndim, "mode")
    xs = reshape(x, (1,)) if x.ndim == 0 else x
    n = xs.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size (input of shape {tuple(x.shape)})")
    xp = get_array_module(xs.array)
    rows = xp.moveaxis(xs.array, d, -1).reshape(-1, n)
    s = xp.sort(rows, axis=1)
    starts_mask = xp.ones(s.shape, bool)
    starts_mask[:, 1:] = s[:, 1:] != s[:, :-1]
    starts = xp.flatnonzero(starts_mask.ravel())
    lengths = xp.diff(xp.concatenate([starts, xp.asarray([s.size])]))
    row = starts // n
    order = xp.lexsort((starts, -lengths, row))  # per row: longest run first, then the smallest value
    first = order[xp.concatenate([xp.asarray([True]), row[order][1:] != row[order][:-1]])]
    best = s.ravel()[starts[first]]
    hits = rows == best[:, None]
    last = (n - 1 - xp.argmax(hits[:, ::-1], axis=1)).astype(np.int64)
    out_shape = tuple(xs.shape[:d]) + (1,) + tuple(xs.shape[d + 1:])
    idx = xp.moveaxis(last.reshape(tuple(xs.shape[:d]) + tuple(xs.shape[d + 1:]) + (1,)), -1, d).reshape(out_shape)
    values = Gather.apply(xs, d, idx)
    if not keepdim or x.ndim == 0:
        shape = out_shape[:d] + out_shape[d + 1:] if x.ndim else ()
        values, idx = reshape(values, shape), idx.reshape(shape)
    return mode_result(values, Tensor._wrap(idx))


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):  # noqa: A002
    x = operand(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    scalar_q = not isinstance(q, Tensor)
    xp = get_array_module(x.array)
    if scalar_q:
        qs = xp.asarray([float(q)])
        if not 0 <= float(q) <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {float(q)}")
    else:
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor (got shape {tuple(q.shape)})")
        if q.dtype != x.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor ({q.dtype} vs {x.dtype})")
        qs = q.array.reshape(-1)
        if not bool(((qs >= 0) & (qs <= 1)).all()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if x.array.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        xs, d = reshape(x, (-1,)), 0
    else:
        d = dim_index(dim, x.ndim, name)
        xs = reshape(x, (1,)) if x.ndim == 0 else x
    rows = movedim(sort(xs, d).values, d, -1)  # (..., n), ascending, NaN last
    n = rows.shape[-1]
    nans = _nan_count(rows.array, rows.ndim - 1)
    last = xp.maximum(n - nans - 1, 0) if ignore_nan else n - 1
    rank = xp.broadcast_to(qs.astype(np.float64) * last, rows.shape[:-1] + (qs.shape[0],))  # (..., Q)
    if not ignore_nan:  # a row holding NaN gives NaN: its last sorted entry
        rank = xp.where(nans > 0, float(n - 1), rank)
    if interpolation == "nearest":
        rank = xp.round(rank)
    lo, hi = xp.floor(rank).astype(np.int64), xp.ceil(rank).astype(np.int64)
    if interpolation in ("lower", "nearest"):
        out = Gather.apply(rows, rows.ndim - 1, lo if interpolation == "lower" else rank.astype(np.int64))
    elif interpolation == "higher":
        out = Gather.apply(rows, rows.ndim - 1, hi)
    else:
        below, above = Gather.apply(rows, rows.ndim - 1, lo), Gather.apply(rows, rows.ndim - 1, hi)
        weight = 0.5 if interpolation == "midpoint" else (rank - lo).astype(x.dtype)
        out = below + (above - below) * Tensor._wrap(xp.asarray(weight, dtype=x.dtype))
    out = movedim(out, -1, 0)  # (Q, ...)
    if keepdim:
        kept = (1,) * x.ndim if dim is None else tuple(1 if i == d else s for i, s in enumerate(x.shape))
        out = reshape(out, (out.shape[0],) + kept)
    return reshape(out, out.shape[1:]) if scalar_q else out


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """The ``q``-th quantiles (``q`` a float or a 1-D tensor: its dim comes first in the result)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """``quantile`` ignoring NaN (all-NaN rows give NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _wrap_results(values, inverse, counts, return_inverse, return_counts):
    out = (Tensor._wrap(values),)
    if return_inverse:
        out += (Tensor._wrap(inverse.astype(np.int64, copy=False)),)
    if return_counts:
        out += (Tensor._wrap(counts.astype(np.int64, copy=False)),)
    return out[0] if len(out) == 1 else out


def _rows_along(name, x, dim):
    """``x``'s array with ``dim`` first, flattened to (size of dim, rest): the slices that unique compares."""
    d = dim_index(dim, x.ndim, name)
    if x.ndim == 0:
        raise IndexError(f"{name}: dim {dim} is out of range for a 0-d tensor")
    if any(s == 0 for i, s in enumerate(x.shape) if i != d):
        raise RuntimeError(f"{name}: There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                           f"applied (input of shape {tuple(x.shape)}, dim {dim})")
    moved = get_array_module(x.array).moveaxis(x.array, d, 0)
    return d, moved, moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values (``dim``: the distinct slices along ``dim``), sorted; optionally the inverse
    indices (where each input element/slice went) and the counts."""
    x = operand(input)
    xp = get_array_module(x.array)
    if dim is None:
        flat = x.array.reshape(-1)
        values, inverse, counts = _unique_flat(xp, flat)
        return _wrap_results(values, inverse.reshape(x.shape), counts, return_inverse, return_counts)
    d, moved, rows = _rows_along("unique", x, dim)
    if rows.shape[0] == 0:
        empty = xp.zeros(0, np.int64)
        return _wrap_results(xp.moveaxis(moved, 0, d), empty, empty, return_inverse, return_counts)
    order = xp.lexsort(rows.T[::-1])  # rows sorted lexicographically
    srt = rows[order]
    starts = xp.concatenate([xp.asarray([True]), (srt[1:] != srt[:-1]).any(axis=1)])
    group = xp.cumsum(starts) - 1
    inverse = xp.empty_like(group)
    inverse[order] = group
    counts = xp.bincount(group)
    values = xp.moveaxis(moved[order[starts]], 0, d)
    return _wrap_results(values, inverse, counts, return_inverse, return_counts)


def _unique_flat(xp, flat):
    """Sorted distinct values of 1-d ``flat``, inverse indices and counts; each NaN stays apart (torch)."""
    order = xp.argsort(flat, kind="stable")
    srt = flat[order]
    starts = xp.ones(srt.shape, bool)
    starts[1:] = srt[1:] != srt[:-1]
    group = xp.cumsum(starts) - 1
    inverse = xp.empty_like(group)
    inverse[order] = group
    return srt[starts], inverse, xp.bincount(group, minlength=int(starts.sum()))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Collapse each run of equal consecutive values (``dim``: slices along ``dim``) into one."""
    x = operand(input)
    xp = get_array_module(x.array)
    if dim is None:
        moved, rows, d = x.array.reshape(-1), x.array.reshape(-1, 1), 0
    else:
        d, moved, rows = _rows_along("unique_consecutive", x, dim)
    starts = xp.ones(rows.shape[0], bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    group = xp.cumsum(starts) - 1
    inverse = group.reshape(x.shape) if dim is None else group
    counts = xp.diff(xp.concatenate([xp.flatnonzero(starts), xp.asarray([rows.shape[0]])]))
    values = moved[starts] if dim is None else xp.moveaxis(moved[starts], 0, d)
    return _wrap_results(values, inverse, counts, return_inverse, return_counts)


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """How often each non-negative integer occurs in 1-d ``input`` (``weights``: their sums instead)."""
    x = operand(input)
    xp = get_array_module(x.array)
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.array.size and int(x.array.min()) < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got shape {tuple(x.shape)}, "
                           f"dtype {x.dtype}).")
    if int(minlength) < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    if weights is None:
        return Tensor._wrap(xp.bincount(x.array, minlength=int(minlength)).astype(np.int64))
    w = operand(weights)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError(f"weights should be 1-d and have the same length as input (input {tuple(x.shape)}, "
                           f"weights {tuple(w.shape)})")
    dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return Tensor._wrap(xp.bincount(x.array, weights=w.array, minlength=int(minlength)).astype(dtype))


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Counts in ``bins`` equal bins over [min, max] (both 0: the data's range); values outside are ignored."""
    x = operand(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc: input must be a floating-point tensor, got {x.dtype}")
    if int(bins) <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min (min={lo}, max={hi})")
    a = x.array.reshape(-1)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = get_array_module(a).histogram(a, bins=int(bins), range=(lo, hi))
    return Tensor._wrap(counts.astype(x.dtype))


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """(hist, bin_edges): ``bins`` an int (equal bins over ``range``, default the data's) or a 1-d tensor of
    increasing edges; the last bin includes its right edge."""
    x = operand(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.histogram: input must be a floating-point tensor, got {x.dtype}")
    xp = get_array_module(x.array)
    edges = bins.array if isinstance(bins, Tensor) else int(bins)
    if isinstance(edges, int) and edges <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {edges} for dimension 0")
    w = None if weight is None else operand(weight).array.reshape(-1)
    hist, out_edges = xp.histogram(x.array.reshape(-1), bins=edges, range=range, weights=w, density=density)
    return histogram_result(Tensor._wrap(hist.astype(x.dtype)), Tensor._wrap(out_edges.astype(x.dtype)))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where ``values`` would be inserted into the innermost dim of ``sorted_sequence`` to keep it sorted
    (``right``/``side='right'``: after equal entries).  A 1-d sequence serves every value; an N-d one must
    share its leading dims with ``values``."""
    seq = operand(sorted_sequence)
    xp = get_array_module(seq.array)
    vals = values.array if isinstance(values, Tensor) else xp.asarray(values)
    if side is not None and side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side is not None and right and side == "left":
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                           "while right was True")
    side = side or ("right" if right else "left")
    if seq.ndim != 1 and tuple(seq.shape[:-1]) != tuple(vals.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
    a = seq.array
    if sorter is not None:
        order = operand(sorter).array
        if tuple(order.shape) != tuple(a.shape):
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(a.shape)} and got sorter tensor {list(order.shape)}")
        a = xp.take_along_axis(a, order.astype(np.int64), axis=-1)
    if a.ndim == 1:
        out = xp.searchsorted(a, vals, side=side)
    else:
        rows, vrows = a.reshape(-1, a.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = xp.stack([xp.searchsorted(r, v, side=side) for r, v in zip(rows, vrows)]).reshape(vals.shape)
    return Tensor._wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket of each element of ``input`` among 1-d ``boundaries`` (``right=False``:
    ``boundaries[i-1] < x <= boundaries[i]``; ``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    b = operand(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)
