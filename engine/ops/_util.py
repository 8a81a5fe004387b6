"""Helpers shared by the op families: operand normalisation, axis handling and ``sum_to``
(the reduction that sends a broadcast gradient back to an input's shape, itself differentiable)."""
from __future__ import annotations

import numpy as np

from ..backend import is_array
from ..tensor import Tensor


def operand(x):
    """Tensors stay; NumPy scalars become Python scalars (NumPy's weak promotion); arrays become
    constant tensors; Python scalars pass through to forward unchanged."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if is_array(x):
        return Tensor._wrap(x)
    if isinstance(x, (int, float, bool, complex)):
        return x
    if isinstance(x, (list, tuple)):
        return Tensor._wrap(np.asarray(x))
    raise TypeError(f"unsupported operand type {type(x).__name__}")


def shape_of(x) -> tuple:
    return x.shape if hasattr(x, "shape") else ()


def check_same_device(name: str, *xs) -> None:
    """Two tensors on different devices: a clear error naming the op instead of a deep array-library one."""
    kinds = {type(x.data) for x in xs if isinstance(x, Tensor)}
    if len(kinds) > 1:
        devs = ", ".join(str(x.device) for x in xs if isinstance(x, Tensor))
        raise ValueError(f"{name}: tensors are on different devices ({devs}); move them with .to(device)")


def normalize_axes(axis, ndim: int) -> tuple:
    """``None | int | tuple`` -> sorted tuple of non-negative axes, checked against ``ndim``."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def sum_to(g, shape: tuple):
    """Sum a broadcast gradient ``g`` back to ``shape`` (differentiable)."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


def constant(array):
    """A tensor without a graph over ``array`` (masks, signs, counts inside backward passes)."""
    return Tensor._wrap(array)


def autocasting(x) -> bool:
    """True when an open ``engine.autocast`` region covers tensor ``x``'s device: the dtype checks at an
    op's door then let mixed float32 / low-dtype operands through, since autocast casts them."""
    from ..amp.autocast_mode import autocasting as covered  # noqa: PLC0415  (engine.amp imports the ops)

    return covered(x)
