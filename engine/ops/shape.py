"""Shape and indexing ops: reshape, transpose, broadcast, concatenate/stack/split, pad, indexing,
dtype casts and device moves.

Indexing accepts what NumPy's does (ints, slices, None, Ellipsis, bool masks, integer arrays or
tensors); its gradient is scattered back with accumulation, so repeated indexes add up.  Every
backward here is built from these same ops, so all of them are twice differentiable.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, get_array_module, scatter_add
from ..backend import to_device as _to_device
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, normalize_axes, operand


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} into {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.in_shape), None


class Transpose(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        inv = tuple(int(i) for i in np.argsort(ctx.axes))
        return gy.transpose(*inv), None


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return get_array_module(x).broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, gy):
        from ._util import sum_to

        return sum_to(gy, ctx.in_shape), None


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *xs, axis):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return get_array_module(xs[0]).concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        offsets = np.cumsum(ctx.sizes)[:-1].tolist()
        parts = split(gy, offsets, ctx.axis)
        return tuple(p if n else None for p, n in zip(parts, ctx.needs_input_grad))


class Split(Function):
    @staticmethod
    def forward(ctx, x, indices, axis):
        ctx.axis = axis
        return tuple(get_array_module(x).split(x, indices, axis=axis))

    @staticmethod
    def backward(ctx, *gys):
        return concatenate(gys, ctx.axis), None, None


class Pad(Function):
    @staticmethod
    def forward(ctx, x, pad_width, value):
        ctx.slices = tuple(slice(b, b + s) for (b, _), s in zip(pad_width, x.shape))
        return get_array_module(x).pad(x, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, gy):
        return gy[ctx.slices], None, None


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape = x.shape
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(gy, ctx.in_shape, ctx.index), None


class IndexAdd(Function):
    """Zeros of ``shape`` with ``values`` added at ``index`` (repeated indexes accumulate)."""

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        out = get_array_module(values).zeros(shape, dtype=values.dtype)
        if _is_basic(index):
            out[index] = values
        else:
            scatter_add(out, index, values)
        return out

    @staticmethod
    def backward(ctx, gy):
        return GetItem.apply(gy, ctx.index), None, None


class AsType(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return AsType.apply(gy, ctx.in_dtype), None


class ToDevice(Function):
    @staticmethod
    def forward(ctx, x, device):
        ctx.in_device = device_of(x)
        return _to_device(x, device)

    @staticmethod
    def backward(ctx, gy):
        return ToDevice.apply(gy, ctx.in_device), None


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def _normalize_index(index):
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data.copy()  # kept by GetItem for backward: an in-place write to the index must not reach it
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ---- user functions ---------------------------------------------------------------------------
def reshape(x, shape):
    x = operand(x)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    return Reshape.apply(x, shape)


def flatten(x, start_axis=0):
    """Merge the axes from ``start_axis`` on into one (``start_axis=1`` keeps the batch axis)."""
    x = operand(x)
    return reshape(x, x.shape[:start_axis] + (-1,))


def transpose(x, *axes):
    """Reverse the axes (no arguments) or permute them like ``ndarray.transpose``."""
    x = operand(x)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(range(x.ndim))[::-1]
    axes = tuple(int(a) % max(x.ndim, 1) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of a {x.ndim}-d tensor of shape {x.shape}")
    return Transpose.apply(x, axes)


def swapaxes(x, a, b):
    x = operand(x)
    axes = list(range(x.ndim))
    a, b = normalize_axes(a, x.ndim)[0], normalize_axes(b, x.ndim)[0]
    axes[a], axes[b] = axes[b], axes[a]
    return Transpose.apply(x, tuple(axes))


def broadcast_to(x, shape):
    return BroadcastTo.apply(operand(x), tuple(shape))


def squeeze(x, axis=None):
    x = operand(x)
    if axis is None:
        return reshape(x, [s for s in x.shape if s != 1])
    axes = normalize_axes(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1")
    return reshape(x, [s for i, s in enumerate(x.shape) if i not in axes])


def expand_dims(x, axis):
    x = operand(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = x.ndim + len(axes)
    axes = sorted(a % nd for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return reshape(x, shape)


unsqueeze = expand_dims


def concatenate(xs, axis=0):
    xs = [operand(x) for x in xs]
    if not xs:
        raise ValueError("concatenate: needs at least one tensor")
    check_same_device("concatenate", *xs)
    nd = xs[0].ndim
    ax = normalize_axes(axis, nd)[0]
    for x in xs:
        if x.ndim != nd or any(s != t for i, (s, t) in enumerate(zip(x.shape, xs[0].shape)) if i != ax):
            raise ValueError(
                f"concatenate: shapes {[tuple(t.shape) for t in xs]} do not match outside axis {axis}"
            )
    return Concatenate.apply(*xs, axis=ax)


def stack(xs, axis=0):
    xs = [operand(x) for x in xs]
    if len({tuple(x.shape) for x in xs}) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[tuple(t.shape) for t in xs]}")
    return concatenate([expand_dims(x, axis) for x in xs], axis)


def split(x, indices_or_sections, axis=0):
    """Like ``numpy.split``: a number of equal sections, or the indexes to cut at; returns a tuple."""
    x = operand(x)
    ax = normalize_axes(axis, x.ndim)[0]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0 or x.shape[ax] % n:
            raise ValueError(f"split: axis {ax} of size {x.shape[ax]} does not split into {n} equal sections")
        step = x.shape[ax] // n
        indices = [step * i for i in range(1, n)]
    else:
        indices = [int(i) for i in indices_or_sections]
    out = Split.apply(x, indices, ax)
    return out if isinstance(out, tuple) else (out,)


def pad(x, pad_width, value=0.0):
    """Constant padding; ``pad_width`` as in ``numpy.pad`` (an int, a pair, or one pair per axis)."""
    x = operand(x)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2)).tolist()
    if any(p < 0 for pair in pw for p in pair):
        raise ValueError(f"pad: negative pad width {pad_width}")
    return Pad.apply(x, tuple(tuple(p) for p in pw), value)


def getitem(x, index):
    x = operand(x)
    index = _normalize_index(index)
    try:
        return GetItem.apply(x, index)
    except IndexError as e:
        raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape {x.shape}: {e}") from None


def astype(x, dtype):
    return AsType.apply(operand(x), np.dtype(dtype))


def to_device(x, device):
    return ToDevice.apply(operand(x), device)
