"""torch's view and joining spellings: ``view``/``view_as``/``reshape_as``, ``flatten(start_dim, end_dim)``,
``expand``/``expand_as``
(``-1`` keeps a dim), and ``cat``/``concat`` with ``hstack``/``vstack``/``dstack``/``column_stack``.

Kiln's arrays have no strides to share, so ``view`` is ``reshape`` (same values, a graph node; it never
fails for non-contiguous input as torch's can).  ``cat`` skips 1-d empty tensors as torch's legacy
rule says; everything is a composition of reshape, broadcast and concatenate, so differentiable.
"""
from __future__ import annotations

from ._util import operand
from .index import dim_index
from .shape import BroadcastTo, Reshape, concatenate


def _shape_args(args, name):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        return tuple(int(a) for a in args)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: sizes must be integers, got {args!r}") from None


def view(input, *shape):  # noqa: A002
    """The same elements in ``shape`` (one entry may be -1)."""
    x = operand(input)
    shape = _shape_args(shape, "view")
    try:
        return Reshape.apply(x, shape)
    except ValueError:
        raise RuntimeError(f"view: shape {list(shape)} is invalid for input of size {x.data.size} "
                           f"(shape {tuple(x.shape)})") from None


def view_as(input, other):  # noqa: A002
    return view(input, tuple(other.shape))


reshape_as = view_as


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d, as torch)."""
    x = operand(input)
    if x.ndim == 0:
        return Reshape.apply(x, (1,))
    s, e = dim_index(start_dim, x.ndim, "flatten"), dim_index(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} (shape "
                           f"{tuple(x.shape)})")
    size = 1
    for n in x.shape[s:e + 1]:
        size *= n
    return Reshape.apply(x, tuple(x.shape[:s]) + (size,) + tuple(x.shape[e + 1:]))


def expand(input, *sizes):  # noqa: A002
    """Broadcast to ``sizes``; -1 keeps that dim, new dims may only be added in front."""
    x = operand(input)
    sizes = _shape_args(sizes, "expand")
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({x.ndim})")
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({sizes})")
            s = x.shape[i - lead]
        elif i >= lead and x.shape[i - lead] not in (1, s):
            raise RuntimeError(f"expand: the expanded size {s} must match the existing size {x.shape[i - lead]} at "
                               f"non-singleton dimension {i} (shape {tuple(x.shape)}, sizes {sizes})")
        target.append(s)
    target = tuple(target)
    return x if target == tuple(x.shape) else BroadcastTo.apply(x, target)


def expand_as(input, other):  # noqa: A002
    return expand(input, tuple(other.shape))


def cat(tensors, dim=0, axis=None):
    """Join tensors along an existing ``dim`` (1-d empty tensors are skipped, as torch)."""
    if axis is not None:
        dim = axis
    xs = [operand(t) for t in tensors]
    if not xs:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    kept = [x for x in xs if not (x.ndim == 1 and x.shape[0] == 0)] or xs[:1]
    for x in kept:
        if x.ndim == 0:
            raise RuntimeError("cat: zero-dimensional tensor cannot be concatenated")
    d = dim_index(dim, kept[0].ndim, "cat")
    if len({x.dtype for x in kept}) > 1:
        from .promotion import cast, result_dtype

        dt = result_dtype(*kept)
        kept = [cast(x, dt) for x in kept]
    try:
        return concatenate(kept, d)
    except ValueError as e:
        raise RuntimeError(str(e).replace("concatenate:", "cat:")) from None


concat = cat


def _atleast(x, n):
    x = operand(x)
    if x.ndim >= n:
        return x
    if n == 2:
        return Reshape.apply(x, (1, -1) if x.ndim <= 1 else tuple(x.shape))
    shape = (1,) + tuple(x.shape) + (1,) if x.ndim == 1 else (1, 1, 1) if x.ndim == 0 else tuple(x.shape) + (1,)
    return Reshape.apply(x, shape)


def hstack(tensors):
    xs = [operand(t) for t in tensors]
    xs = [Reshape.apply(x, (1,)) if x.ndim == 0 else x for x in xs]
    return cat(xs, 0 if all(x.ndim == 1 for x in xs) else 1)


def vstack(tensors):
    return cat([_atleast(t, 2) for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    return cat([_atleast(t, 3) for t in tensors], 2)


def column_stack(tensors):
    xs = [operand(t) for t in tensors]
    return cat([Reshape.apply(x, (-1, 1)) if x.ndim <= 1 else x for x in xs], 1)

