"""Index ops with torch's meanings: gather, scatter, scatter_add, index_select, masked_fill,
masked_select, nonzero, ``where`` (one argument or three) and ``take_along_dim``.

``gather`` and ``scatter_add`` are each other's adjoints, so the pair (plus ``Scatter``, whose
gradients are a masked copy and a gather) is closed under differentiation: every op here is twice
differentiable.  As in torch, ``index`` may be smaller than ``input``/``src`` along the other dims
(only its extent is read); repeated indexes accumulate in ``scatter_add`` and the last write wins in
``scatter``.  Sizes and indexes are checked at the door with torch's error types (IndexError for an
out-of-range index, RuntimeError for mismatched sizes).
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, scatter_add as _scatter_add_raw
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, constant, operand


def dim_index(dim, ndim: int, name: str) -> int:
    """``dim`` made non-negative; 0-d tensors accept 0 and -1 (torch).  IndexError when out of range."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= int(dim) < n:
        raise IndexError(f"{name}: dim {dim} is out of range for a tensor of dimension {ndim} "
                         f"(expected to be in [{-n}, {n - 1}])")
    return int(dim) % n


def _full_index(index, dim):
    """The advanced-indexing tuple that addresses ``out[..., index[i], ...]`` along ``dim``."""
    xp = get_array_module(index)
    nd = index.ndim
    grids = []
    for d, s in enumerate(index.shape):
        if d == dim:
            grids.append(index)
        else:
            shape = [1] * nd
            shape[d] = s
            grids.append(xp.arange(s).reshape(shape))
    return tuple(grids)


def _crop(a, shape, dim=None):
    """``a`` cut down to ``shape`` on every dim but ``dim``."""
    sl = tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(shape))
    return a[sl]


class Gather(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.dim, ctx.index, ctx.x_shape = dim, index, x.shape
        return get_array_module(x).take_along_axis(_crop(x, index.shape, dim), index, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        zeros = constant(get_array_module(gy.array).zeros(ctx.x_shape, dtype=gy.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, gy), None, None


class ScatterAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = x.copy()
        _scatter_add_raw(out, _full_index(index, dim), _crop(src, index.shape))
        return out

    @staticmethod
    def backward(ctx, gy):
        nx, _, _, ns = ctx.needs_input_grad
        return gy if nx else None, None, None, (_gather_into(gy, ctx.dim, ctx.index, ctx.src_shape) if ns else None)


class Scatter(Function):
    """``out = x`` with ``src`` (or a number) written at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        xp = get_array_module(x)
        ctx.dim, ctx.index, ctx.src_shape = dim, index, getattr(src, "shape", None)
        out = x.copy()
        full = _full_index(index, dim)
        out[full] = _crop(src, index.shape) if hasattr(src, "shape") and src.ndim else src
        hit = xp.zeros(x.shape, dtype=bool)
        hit[full] = True
        ctx.keep = ~hit
        return out

    @staticmethod
    def backward(ctx, gy):
        nx, _, _, ns = ctx.needs_input_grad
        gx = gy * constant(ctx.keep.astype(gy.dtype)) if nx else None
        gs = _gather_into(gy, ctx.dim, ctx.index, ctx.src_shape) if ns else None
        return gx, None, None, gs


def _gather_into(g, dim, index, shape):
    """``gather(g, dim, index)`` padded with zeros up to ``shape`` (the gradient of a larger ``src``)."""
    out = Gather.apply(g, dim, index)
    if tuple(out.shape) != tuple(shape):
        from .shape import flat_pad, pad

        out = pad(out, flat_pad((0, s - t) for s, t in zip(shape, out.shape)))
    return out


# ---- user functions ----------------------------------------------------------------------------
def _index_array(name, index, x):
    idx = index.array if isinstance(index, Tensor) else index
    xp = get_array_module(x.array)
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: index must be an integer tensor, got dtype {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _check_index(name, x, dim, idx, src=None):
    if idx.ndim != max(x.ndim, 1) and not (x.ndim == 0 and idx.ndim <= 1):
        raise RuntimeError(f"{name}: index {tuple(idx.shape)} must have as many dims as input {tuple(x.shape)}")
    xshape = x.shape if x.ndim else (1,)
    for d, s in enumerate(idx.shape):
        if d != dim and s > xshape[d]:
            raise RuntimeError(f"{name}: index {tuple(idx.shape)} is larger than input {tuple(x.shape)} "
                               f"outside dim {dim}")
        if src is not None and s > (src.shape if src.ndim else (1,))[d]:
            raise RuntimeError(f"{name}: index {tuple(idx.shape)} is larger than src {tuple(src.shape)} at dim {d}")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= xshape[dim]:
            raise IndexError(f"{name}: index {lo if lo < 0 else hi} is out of bounds for dim {dim} "
                             f"with size {xshape[dim]}")


def _as_1d(x):
    return x.reshape((1,)) if x.ndim == 0 else x


def _restore(out, x):
    return out.reshape(()) if x.ndim == 0 else out


def gather(input, dim, index):  # noqa: A002  (torch's argument names)
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (torch.gather): the shape of ``index``."""
    x = operand(input)
    d = dim_index(dim, x.ndim, "gather")
    idx = _index_array("gather", index, x)
    _check_index("gather", x, d, idx)
    out = Gather.apply(_as_1d(x), d, idx.reshape(-1) if x.ndim == 0 else idx)
    return out.reshape(idx.shape) if x.ndim == 0 else out


def _scatter_src(name, x, src):
    if isinstance(src, Tensor) or hasattr(src, "shape"):
        src = operand(src)
        check_same_device(name, x, src)
        if src.dtype != x.dtype:
            raise RuntimeError(f"{name}: src dtype {src.dtype} differs from input dtype {x.dtype}")
        return src
    return src


def scatter(input, dim, index, src=None, value=None):  # noqa: A002
    """torch.scatter: a copy of ``input`` with ``src`` (a tensor, or ``value``, a number) at ``index``."""
    x = operand(input)
    if src is None:
        if value is None:
            raise TypeError("scatter: give src (a tensor) or value (a number)")
        src = value
    d = dim_index(dim, x.ndim, "scatter")
    idx = _index_array("scatter", index, x)
    src = _scatter_src("scatter", x, src)
    _check_index("scatter", x, d, idx, src if isinstance(src, Tensor) else None)
    if isinstance(src, Tensor):
        return _restore(Scatter.apply(_as_1d(x), d, idx.reshape(-1) if x.ndim == 0 else idx, _as_1d(src)), x)
    return _restore(Scatter.apply(_as_1d(x), d, idx.reshape(-1) if x.ndim == 0 else idx, src), x)


def scatter_add(input, dim, index, src):  # noqa: A002
    """torch.scatter_add: a copy of ``input`` with ``src`` added at ``index`` (repeats accumulate)."""
    x = operand(input)
    d = dim_index(dim, x.ndim, "scatter_add")
    idx = _index_array("scatter_add", index, x)
    src = _scatter_src("scatter_add", x, src)
    if not isinstance(src, Tensor):
        raise TypeError("scatter_add: src must be a tensor")
    _check_index("scatter_add", x, d, idx, src)
    return _restore(ScatterAdd.apply(_as_1d(x), d, idx.reshape(-1) if x.ndim == 0 else idx, _as_1d(src)), x)


def index_select(input, dim, index):  # noqa: A002
    """The entries of ``input`` at the 1-D ``index`` along ``dim`` (torch.index_select)."""
    x = operand(input)
    d = dim_index(dim, x.ndim, "index_select")
    idx = _index_array("index_select", index, x)
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 0-d or 1-d, got shape {tuple(idx.shape)}")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= size):
        raise IndexError(f"index_select: index out of range for dim {d} of size {size} (shape {tuple(x.shape)})")
    from .shape import getitem

    if x.ndim == 0:
        return getitem(x.reshape((1,)), idx.reshape(-1)).reshape(idx.shape if idx.ndim else ())
    return getitem(x, (slice(None),) * d + (idx.reshape(-1),))


def masked_fill(input, mask, value):  # noqa: A002
    """``input`` with ``value`` (a number or a 0-d tensor, which gets a gradient) where ``mask``."""
    x = operand(input)
    m = mask.array if isinstance(mask, Tensor) else mask
    m = get_array_module(x.array).asarray(m)
    if m.dtype != bool:
        raise RuntimeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: mask of shape {tuple(m.shape)} does not broadcast to input "
                           f"{tuple(x.shape)}") from None
    if shape != tuple(x.shape):
        raise RuntimeError(f"masked_fill: mask of shape {tuple(m.shape)} does not broadcast to input "
                           f"{tuple(x.shape)}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
        v = value if value.dtype == x.dtype else value.to(dtype=x.dtype)
    else:
        v = Tensor._wrap(get_array_module(x.array).asarray(value, dtype=x.dtype))
    from .elementwise import Where

    return Where.apply(m, v, x)


def masked_select(input, mask):  # noqa: A002
    """The 1-D tensor of the entries of ``input`` where ``mask`` (both broadcast; torch.masked_select)."""
    x = operand(input)
    m = get_array_module(x.array).asarray(mask.array if isinstance(mask, Tensor) else mask)
    if m.dtype != bool:
        raise RuntimeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: shapes {tuple(x.shape)} and {tuple(m.shape)} do not broadcast") from None
    from .shape import broadcast_to, getitem

    xb = x if tuple(x.shape) == shape else broadcast_to(x, shape)
    mb = get_array_module(m).broadcast_to(m, shape)
    if not shape:
        return getitem(xb.reshape((1,)), mb.reshape(1))
    return getitem(xb, mb)


def nonzero(input, as_tuple=False):  # noqa: A002
    """Indexes of the non-zero entries: an int64 (n, ndim) tensor, or a tuple of 1-D tensors."""
    x = operand(input)
    a = x.array
    xp = get_array_module(a)
    if a.ndim == 0:
        n = int(bool(a))
        if as_tuple:
            return (Tensor._wrap(xp.zeros(n, dtype=np.int64)),)
        return Tensor._wrap(xp.zeros((n, 0), dtype=np.int64))
    idx = [i.astype(np.int64, copy=False) for i in xp.nonzero(a)]
    if as_tuple:
        return tuple(Tensor._wrap(i) for i in idx)
    return Tensor._wrap(xp.stack(idx, axis=1) if idx else xp.zeros((0, 0), dtype=np.int64))


def argwhere(input):  # noqa: A002
    return nonzero(input)


def where(condition, input=None, other=None):  # noqa: A002
    """``where(cond)`` is ``nonzero(cond, as_tuple=True)``; ``where(cond, a, b)`` picks from ``a``
    where ``cond`` else from ``b`` (broadcast; dtypes promote as torch; both get gradients)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither (where(condition) is nonzero)")
    from .elementwise import where as where3
    from .promotion import cast, result_dtype

    a, b = operand(input), operand(other)
    dt = result_dtype(a, b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor._wrap(np.asarray(a, dtype=dt))
    c = condition.array if isinstance(condition, Tensor) else condition
    if get_array_module(c).asarray(c).dtype != bool:
        raise RuntimeError(f"where: condition must be a bool tensor, got dtype {get_array_module(c).asarray(c).dtype}")
    a, b = cast(a, dt), cast(b, dt)
    if not isinstance(a, Tensor):
        a = Tensor._wrap(get_array_module(b.array).asarray(a, dtype=dt))
    if not isinstance(b, Tensor):
        b = Tensor._wrap(get_array_module(a.array).asarray(b, dtype=dt))
    return where3(condition, a, b)


def take_along_dim(input, indices, dim=None):  # noqa: A002
    """torch.take_along_dim: ``gather`` with broadcasting of ``indices`` (flattened when dim is None)."""
    x = operand(input)
    if dim is None:
        return gather(x.reshape((-1,)), 0, indices.reshape(-1) if isinstance(indices, Tensor) else
                      np.asarray(indices).reshape(-1))
    d = dim_index(dim, x.ndim, "take_along_dim")
    idx = _index_array("take_along_dim", indices, x)
    xs, is_ = list(x.shape), list(idx.shape)
    xs[d] = is_[d] = 1
    shape = np.broadcast_shapes(tuple(xs), tuple(is_))
    from .shape import broadcast_to

    xshape = list(shape)
    xshape[d] = x.shape[d]
    ishape = list(shape)
    ishape[d] = idx.shape[d]
    xb = x if tuple(x.shape) == tuple(xshape) else broadcast_to(x, tuple(xshape))
    return gather(xb, d, get_array_module(idx).broadcast_to(idx, tuple(ishape)))
