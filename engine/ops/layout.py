"""torch's shape and layout ops, each a composition of reshape, broadcast, transpose and indexing
(so each is differentiable as often as those are): repeat, repeat_interleave, flip, roll,
tril/triu, diagonal, diag, diag_embed, unfold, movedim.

``diagonal`` puts the diagonal last (torch); ``diag`` of a vector builds the matrix and of a matrix
takes the diagonal; ``unfold(dim, size, step)`` adds a last dim of windows (torch's Tensor.unfold).
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_numpy
from ..tensor import Tensor
from ._util import operand
from .index import dim_index
from .shape import BroadcastTo, GetItem, IndexAdd, Reshape, Transpose, getitem


def _sizes(args, name):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name}: sizes must be integers, got {a!r}")
        out.append(int(a))
    return tuple(out)


def movedim(input, source, destination):  # noqa: A002
    """Move dims ``source`` to positions ``destination`` (ints or sequences), the rest keep order."""
    x = operand(input)
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} have different lengths")
    src = [dim_index(s, x.ndim, "movedim") for s in src]
    dst = [dim_index(s, x.ndim, "movedim") for s in dst]
    if x.ndim == 0:
        return x
    rest = [i for i in range(x.ndim) if i not in src]
    order = [None] * x.ndim
    for s, t in zip(src, dst):
        order[t] = s
    it = iter(rest)
    order = [o if o is not None else next(it) for o in order]
    return Transpose.apply(x, tuple(order))


moveaxis = movedim


def repeat(input, *sizes):  # noqa: A002
    """Tile ``input`` ``sizes[i]`` times along dim i (torch.Tensor.repeat; extra leading sizes add dims)."""
    x = operand(input)
    reps = _sizes(sizes, "repeat")
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat: number of repeat dims {len(reps)} can not be smaller than the "
                           f"number of tensor dims {x.ndim}")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    inter = []
    big = []
    for r, s in zip(reps, shape):
        inter += [1, s]
        big += [r, s]
    y = Reshape.apply(x, tuple(inter))
    y = BroadcastTo.apply(y, tuple(big))
    return Reshape.apply(y, tuple(r * s for r, s in zip(reps, shape)))


def tile(input, dims):  # noqa: A002
    x = operand(input)
    dims = _sizes((dims,), "tile")
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(input, repeats, dim=None, output_size=None):  # noqa: A002
    """Repeat each element ``repeats`` times (an int or one count per element) along ``dim``;
    ``dim=None`` flattens first (torch)."""
    x = operand(input)
    if dim is None:
        x = Reshape.apply(x, (-1,))
        d = 0
    else:
        d = dim_index(dim, x.ndim, "repeat_interleave")
        if x.ndim == 0:
            x = Reshape.apply(x, (1,))
    n = x.shape[d]
    r = repeats.array if isinstance(repeats, Tensor) else repeats
    r = to_numpy(r) if hasattr(r, "dtype") else np.asarray(r)
    if r.ndim == 0:
        r = np.full(n, int(r))
    if r.shape != (n,):
        raise RuntimeError(f"repeat_interleave: repeats of shape {r.shape} must have one count per element "
                           f"of dim {d} (size {n})")
    if (r < 0).any():
        raise RuntimeError("repeat_interleave: repeats must be non-negative")
    idx = np.repeat(np.arange(n), r)
    idx = get_array_module(x.array).asarray(idx)
    return getitem(x, (slice(None),) * d + (idx,))


def flip(input, dims):  # noqa: A002
    """Reverse the order along each of ``dims``."""
    x = operand(input)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    ds = {dim_index(d, x.ndim, "flip") for d in dims}
    if x.ndim == 0:
        return x * 1
    return GetItem.apply(x, tuple(slice(None, None, -1) if i in ds else slice(None) for i in range(x.ndim)))


def fliplr(input):  # noqa: A002
    return flip(input, 1)


def flipud(input):  # noqa: A002
    return flip(input, 0)


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift elements cyclically; ``dims=None`` rolls the flattened tensor."""
    x = operand(input)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            if len(shifts) != 1:
                raise RuntimeError(f"roll: shifts {shifts} need dims of the same length")
            shifts = shifts[0]
        return Reshape.apply(roll(Reshape.apply(x, (-1,)), shifts, 0), tuple(x.shape))
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = x
    xp = get_array_module(x.array)
    for s, d in zip(shifts, dims):
        d = dim_index(d, x.ndim, "roll")
        if x.ndim == 0:
            continue
        n = x.shape[d]
        if n == 0:
            continue
        idx = xp.asarray((np.arange(n) - int(s)) % n)
        out = getitem(out, (slice(None),) * d + (idx,))
    return out


def _tri(name, input, diagonal, lower):  # noqa: A002
    x = operand(input)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape {tuple(x.shape)}")
    xp = get_array_module(x.array)
    n, m = x.shape[-2:]
    mask = (xp.tril if lower else xp.triu)(xp.ones((n, m), dtype=bool), int(diagonal))
    from .elementwise import Where

    zero = Tensor._wrap(xp.zeros((), dtype=x.dtype))
    return Where.apply(mask, x, zero)


def tril(input, diagonal=0):  # noqa: A002
    """The lower triangle of the last two dims (entries above ``diagonal`` set to zero)."""
    return _tri("tril", input, diagonal, True)


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle of the last two dims (entries below ``diagonal`` set to zero)."""
    return _tri("triu", input, diagonal, False)


def _diag_positions(n, m, offset):
    if offset >= 0:
        k = max(min(n, m - offset), 0)
        return np.arange(k), np.arange(k) + offset
    k = max(min(n + offset, m), 0)
    return np.arange(k) - offset, np.arange(k)


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    """The diagonal of dims (dim1, dim2) with ``offset``, as a new last dim (torch.diagonal)."""
    x = operand(input)
    if x.ndim < 2:
        raise RuntimeError(f"diagonal: input must have at least 2 dims, got shape {tuple(x.shape)}")
    d1, d2 = dim_index(dim1, x.ndim, "diagonal"), dim_index(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    rest = [i for i in range(x.ndim) if i not in (d1, d2)]
    y = Transpose.apply(x, tuple(rest) + (d1, d2))
    rows, cols = _diag_positions(x.shape[d1], x.shape[d2], int(offset))
    xp = get_array_module(x.array)
    return GetItem.apply(y, (Ellipsis, xp.asarray(rows), xp.asarray(cols)))


_diagonal = diagonal


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """Matrices whose (dim1, dim2) diagonal is the last dim of ``input`` (torch.diag_embed)."""
    x = operand(input)
    if x.ndim == 0:
        raise RuntimeError("diag_embed: input must have at least 1 dim")
    n = x.shape[-1] + abs(int(offset))
    nd = x.ndim + 1
    d1, d2 = dim_index(dim1, nd, "diag_embed"), dim_index(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    rows, cols = _diag_positions(n, n, int(offset))
    xp = get_array_module(x.array)
    index = (Ellipsis, xp.asarray(rows), xp.asarray(cols))
    full = IndexAdd.apply(x, tuple(x.shape[:-1]) + (n, n), index)  # batch..., d1, d2
    rest = [i for i in range(nd) if i not in (d1, d2)]
    order = [None] * nd
    for pos, src in zip(rest, range(nd - 2)):
        order[pos] = src
    order[d1], order[d2] = nd - 2, nd - 1
    return Transpose.apply(full, tuple(order))


def diag(input, diagonal=0):  # noqa: A002
    """A 1-D input becomes a square matrix with it on ``diagonal``; a 2-D input gives that diagonal."""
    x = operand(input)
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        return _diagonal(x, diagonal, 0, 1)
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {tuple(x.shape)}")


def unfold(input, dimension, size, step):  # noqa: A002
    """Sliding windows of ``size`` every ``step`` along ``dimension``, as a new last dim
    (torch.Tensor.unfold)."""
    x = operand(input)
    d = dim_index(dimension, x.ndim, "unfold")
    n = x.shape[d] if x.ndim else 1
    if size < 0 or size > n or step <= 0:
        raise RuntimeError(f"unfold: size {size} must be in [0, {n}] and step {step} positive "
                           f"(dim {d} of shape {tuple(x.shape)})")
    if x.ndim == 0:
        return Reshape.apply(x, (size,))
    count = (n - size) // step + 1
    xp = get_array_module(x.array)
    idx = xp.asarray(np.arange(count)[:, None] * step + np.arange(size)[None, :])
    y = GetItem.apply(x, (slice(None),) * d + (idx,))  # ..., count, size, ...
    order = tuple(i for i in range(y.ndim) if i != d + 1) + (d + 1,)
    return Transpose.apply(y, order)
