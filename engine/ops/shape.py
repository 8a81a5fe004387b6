"""Shape and indexing ops with torch's signatures: reshape/view, transpose/permute, expand, flatten,
squeeze/unsqueeze, cat/stack/split/chunk/narrow, pad, indexing, dtype casts and device moves.

Names, arguments and meanings are torch's: ``transpose(x, dim0, dim1)`` swaps two dims and
``permute(x, *dims)`` reorders them; ``split(x, split_size_or_sections, dim)`` takes a chunk size or
a list of sizes; ``squeeze(x, d)`` on a dim whose size is not 1 is a no-op; ``pad`` takes torch's
flat, last-dim-first tuple (``(left, right, top, bottom, ...)``) and modes constant, reflect,
replicate and circular.  NumPy spellings stay as aliases where they cannot be misread (``axis=``,
``concatenate``, ``expand_dims``, ``swapaxes``, ``broadcast_to``).

Indexing accepts what NumPy's does (ints, slices, None, Ellipsis, bool masks, integer arrays or
tensors); its gradient is scattered back with accumulation, so repeated indexes add up.  Every
backward here is built from these same ops, so all of them are twice differentiable.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, get_array_module, scatter_add
from ..backend import to_device as _to_device
from ..function import Function
from ..memory_format import check as check_memory_format
from ..tensor import Tensor
from .. import dtypes as _dt
from ._util import check_same_device, dim_arg, normalize_axes, operand, wrap_dim


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size {x.size} (shape "
                               f"{x.shape})") from None

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
        return Transpose.apply(gy, inv), None


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
        parts = _split_at(gy, ctx.axis, ctx.sizes)
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


class Contiguous(Function):
    """A C-contiguous copy of a strided array (the gradient passes through unchanged)."""

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x).ascontiguousarray(x)

    @staticmethod
    def backward(ctx, gy):
        return gy


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
        return index.array.copy()  # kept by GetItem for backward: an in-place write to the index must not reach it
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ---- user functions ---------------------------------------------------------------------------
def _sizes(name, shape):
    """``f(2, 3)`` or ``f((2, 3))`` -> (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name}: sizes must be ints, got {shape!r}") from None


def reshape(x, *shape, _name="reshape"):
    """``reshape(x, 2, 3)`` or ``reshape(x, (2, 3))``; one size may be -1.  A shape that does not fit
    raises RuntimeError as torch (``view`` and ``unflatten`` report under their own names)."""
    x = operand(x)
    if len(shape) == 1 and isinstance(shape[0], (int, np.integer)):
        shape = (int(shape[0]),)
    shape = _sizes(_name, shape)
    try:
        return Reshape.apply(x, shape)
    except RuntimeError:
        raise RuntimeError(f"{_name}: shape {list(shape)} is invalid for input of size {x.numel()} (shape "
                           f"{tuple(x.shape)})") from None


def view(x, *shape):
    """torch's view: ``reshape`` (Kiln arrays have no strides to share, so it never fails on layout)."""
    return reshape(x, *shape, _name="view")


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one; a 0-d tensor becomes 1-d (as torch)."""
    x = operand(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = wrap_dim(start_dim, x.ndim, "flatten"), wrap_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} (shape {x.shape})")
    n = 1
    for k in x.shape[s:e + 1]:
        n *= k
    return reshape(x, x.shape[:s] + (n,) + x.shape[e + 1:])


def unflatten(x, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    x = operand(x)
    d = wrap_dim(dim, x.ndim, "unflatten")
    sizes = tuple(int(s) for s in sizes)
    n = 1
    for s in sizes:
        n *= s
    if -1 not in sizes and n != x.shape[d]:
        raise RuntimeError(f"unflatten: sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({x.shape[d]}) in the input (shape {tuple(x.shape)})")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:], _name="unflatten")


def permute(x, *dims, **kwargs):
    """Reorder the dims: ``permute(x, 2, 0, 1)``, ``permute(x, (2, 0, 1))`` or ``permute(x, dims=(2, 0, 1))``."""
    x = operand(x)
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"permute: unexpected keyword arguments {sorted(kwargs)}")
    dims = _sizes("permute", dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute: number of dims {dims} does not match the input's {x.ndim} dims (shape {x.shape})")
    axes = tuple(wrap_dim(d, x.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return Transpose.apply(x, axes) if x.ndim else reshape(x, ())


def transpose(x, dim0, dim1):
    """Swap dims ``dim0`` and ``dim1`` (torch's meaning; use :func:`permute` to reorder)."""
    x = operand(x)
    if x.ndim == 0:
        wrap_dim(dim0, 0, "transpose"), wrap_dim(dim1, 0, "transpose")
        return reshape(x, ())
    a, b = wrap_dim(dim0, x.ndim, "transpose"), wrap_dim(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return Transpose.apply(x, tuple(axes))


swapaxes = swapdims = transpose


def t(x):
    """Transpose a tensor of at most 2 dims (0-d and 1-d come back as they are), as torch.t."""
    x = operand(x)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but the input has shape {x.shape}")
    return transpose(x, 0, -1) if x.ndim == 2 else reshape(x, x.shape)


def reverse_dims(x):
    """All dims reversed (``x.T``; torch deprecates it above 2 dims, NumPy allows it)."""
    x = operand(x)
    return Transpose.apply(x, tuple(range(x.ndim))[::-1]) if x.ndim else reshape(x, ())


def matrix_transpose(x):
    """The last two dims swapped (``x.mT``)."""
    x = operand(x)
    if x.ndim < 2:
        raise RuntimeError(f"mT: tensor of shape {x.shape} must have at least 2 dimensions")
    return transpose(x, -2, -1)


def broadcast_to(x, shape):
    return BroadcastTo.apply(operand(x), tuple(int(s) for s in shape))


def expand(x, *sizes):
    """Broadcast to ``sizes`` (new leading dims allowed; -1 keeps a dim), as torch.Tensor.expand."""
    x = operand(x)
    sizes = _sizes("expand", sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {sizes} must be at least the tensor's {x.ndim} dims")
    shape = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed in a new leading dim (sizes {sizes})")
            s = x.shape[i - lead]
        elif i >= lead and x.shape[i - lead] not in (1, s):
            raise RuntimeError(f"expand: the expanded size {s} must match the existing size {x.shape[i - lead]} at "
                               f"non-singleton dimension {i} (shape {x.shape}, sizes {sizes})")
        shape.append(s)
    return broadcast_to(x, shape)


def contiguous(x, memory_format=None):
    """``x`` itself when its array is C-contiguous, else a contiguous copy (differentiable); ``memory_format``
    (torch's layout hint) is accepted and Kiln's one layout kept (engine/memory_format.py)."""
    check_memory_format("contiguous", memory_format)
    x = operand(x)
    return x if x.array.flags.c_contiguous else Contiguous.apply(x)


def squeeze(x, dim=None, *, axis=None):
    """Drop dims of size 1: all of them, or those of ``dim`` (an int or a tuple) that have size 1;
    naming a dim whose size is not 1 is a no-op (as torch)."""
    x = operand(x)
    dim = dim_arg("squeeze", dim, axis)
    if dim is None:
        return reshape(x, [s for s in x.shape if s != 1])
    axes = normalize_axes(dim, x.ndim, "squeeze")
    return reshape(x, [s for i, s in enumerate(x.shape) if not (i in axes and s == 1)])


def unsqueeze(x, dim=None, *, axis=None):
    """Insert a dim of size 1 at ``dim`` (``-1`` appends), as torch; NumPy's tuple of axes also works."""
    x = operand(x)
    dim = dim_arg("unsqueeze", dim, axis)
    if dim is None:
        raise TypeError("unsqueeze: missing the dim argument")
    axes = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    nd = x.ndim + len(axes)
    axes = sorted(wrap_dim(a, nd, "unsqueeze") for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return reshape(x, shape)


expand_dims = unsqueeze


def _promoted(name, xs):
    check_same_device(name, *xs)
    target = _dt.result_type(*[x.array for x in xs]) if len({x.array.dtype for x in xs}) > 1 else None
    return [x if target is None or x.array.dtype == target else astype(x, target) for x in xs]


def cat(tensors, dim=None, *, axis=None):
    """Join tensors along ``dim`` (dtypes promote as torch); 1-d empty tensors are skipped, as torch."""
    xs = [operand(x) for x in tensors]
    if not xs:
        raise ValueError("cat: expected a non-empty list of tensors")
    dim = dim_arg("cat", dim, axis, 0)
    kept = [x for x in xs if not (x.ndim == 1 and x.shape[0] == 0)] or xs[:1]
    nd = kept[0].ndim
    if nd == 0:
        raise RuntimeError("cat: zero-dimensional tensors cannot be concatenated")
    ax = wrap_dim(dim, nd, "cat")
    for x in kept:
        if x.ndim != nd or any(s != u for i, (s, u) in enumerate(zip(x.shape, kept[0].shape)) if i != ax):
            raise RuntimeError(f"cat: shapes {[tuple(t.shape) for t in xs]} do not match outside dim {dim}")
    kept = _promoted("cat", kept)
    return Concatenate.apply(*kept, axis=ax)


concatenate = concat = cat


def stack(tensors, dim=None, *, axis=None):
    """Join same-shape tensors along a new dim ``dim``."""
    xs = [operand(x) for x in tensors]
    if not xs:
        raise ValueError("stack: expected a non-empty list of tensors")
    if len({tuple(x.shape) for x in xs}) > 1:
        raise RuntimeError(f"stack: all tensors need the same shape, got {[tuple(t.shape) for t in xs]}")
    dim = dim_arg("stack", dim, axis, 0)
    d = wrap_dim(dim, xs[0].ndim + 1, "stack")
    return cat([unsqueeze(x, d) for x in xs], d)


def _split_at(x, ax, sizes):
    offsets = np.cumsum(sizes)[:-1].tolist()
    out = Split.apply(x, offsets, ax)
    return out if isinstance(out, tuple) else (out,)


def split(x, split_size_or_sections, dim=None, *, axis=None):
    """torch.split: pieces of ``split_size`` along ``dim`` (the last one may be smaller), or pieces of
    the sizes in a list; returns a tuple."""
    x = operand(x)
    ax = wrap_dim(dim_arg("split", dim, axis, 0), x.ndim, "split")
    n = x.shape[ax]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and not (size == 0 and n == 0):
            raise RuntimeError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split: sizes {sizes} must be non-negative and sum to {n}, the size of dim {ax} "
                               f"(shape {x.shape})")
    return _split_at(x, ax, sizes)


def chunk(x, chunks, dim=0):
    """torch.chunk: ``chunks`` pieces of ceil(n / chunks) along ``dim`` (fewer when they run out)."""
    x = operand(x)
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    ax = wrap_dim(dim, x.ndim, "chunk")
    n = x.shape[ax]
    size = -(-n // chunks)
    return split(x, size, ax) if n else split(x, [0] * chunks, ax)


def narrow(x, dim, start, length):
    """The slice ``start:start+length`` of dim ``dim`` (shares the gradient path of indexing)."""
    x = operand(x)
    d = wrap_dim(dim, x.ndim, "narrow")
    n = x.shape[d]
    start = int(start) + (n if int(start) < 0 else 0)
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start {start} and length {length} exceed dim {d} of size {n} (shape {x.shape})")
    return getitem(x, (slice(None),) * d + (slice(start, start + int(length)),))


# ---- padding ----------------------------------------------------------------------------------
def _pad_index(xp, n, before, after, mode):
    """Integer positions in a dim of size ``n`` for each padded position (reflect/replicate/circular)."""
    pos = xp.arange(-before, n + after)
    if mode == "replicate":
        return xp.clip(pos, 0, n - 1)
    if mode == "circular":
        return pos % n
    period = 2 * (n - 1)  # reflect, edge not repeated
    pos = xp.abs(pos) % period if period else xp.zeros_like(pos)
    return xp.where(pos >= n, period - pos, pos)


def flat_pad(pairs) -> tuple:
    """torch's flat pad tuple (last dim first) from per-dim ``(before, after)`` pairs in dim order."""
    flat = []
    for before, after in reversed(list(pairs)):
        flat += [before, after]
    return tuple(flat)


def pad(x, pad, mode="constant", value=None):
    """torch.nn.functional.pad: ``pad`` is a flat tuple of (before, after) pairs, LAST dim first —
    ``(left, right)`` pads the last dim, ``(left, right, top, bottom)`` the last two.  ``mode``:
    "constant" (with ``value``, 0 by default; negative pads crop), "reflect" (edge not repeated),
    "replicate" or "circular".  Differentiable in every mode."""
    x = operand(x)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding length {len(pad)} must be even and at most twice the {x.ndim} dims of "
                         f"the input (shape {x.shape})")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]  # pairs[0] is the last dim
    dims = [x.ndim - 1 - i for i in range(len(pairs))]
    if mode == "constant":
        crop = tuple(slice(max(-b, 0), x.shape[d] - max(-a, 0)) for d, (b, a) in zip(dims, pairs))
        if any(b < 0 or a < 0 for b, a in pairs):
            index = [slice(None)] * x.ndim
            for d, sl in zip(dims, crop):
                index[d] = sl
            x = getitem(x, tuple(index))
        widths = [(0, 0)] * x.ndim
        for d, (b, a) in zip(dims, pairs):
            widths[d] = (max(b, 0), max(a, 0))
        if all(w == (0, 0) for w in widths):
            return x
        return Pad.apply(x, tuple(widths), 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not one of 'constant', 'reflect', 'replicate', 'circular'")
    if value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} does not take a value (got {value})")
    xp = get_array_module(x.array)
    for d, (b, a) in zip(dims, pairs):
        n = x.shape[d]
        if b < 0 or a < 0:
            raise ValueError(f"pad: negative padding {(b, a)} is only supported in constant mode")
        if (mode == "reflect" and (b >= n or a >= n)) or (mode == "circular" and (b > n or a > n)) or n == 0:
            raise ValueError(f"pad: padding {(b, a)} is too large for dim {d} of size {n} in {mode} mode "
                             f"(input shape {x.shape})")
        if b or a:
            x = getitem(x, (slice(None),) * d + (_pad_index(xp, n, b, a, mode),))
    return x


# ---- indexing, casts, devices -----------------------------------------------------------------
def getitem(x, index):
    x = operand(x)
    index = _normalize_index(index)
    try:
        return GetItem.apply(x, index)
    except IndexError as e:
        raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape {x.shape}: {e}") from None


def astype(x, dtype):
    """A differentiable cast to ``dtype`` (any dtype spelling: engine.float64, "float64", np.float64)."""
    return AsType.apply(operand(x), _dt.to_numpy_dtype(dtype))


def to_device(x, device):
    return ToDevice.apply(operand(x), device)
