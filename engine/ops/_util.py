"""Helpers shared by the op families: operand normalisation, axis handling and ``sum_to``
(the reduction that sends a broadcast gradient back to an input's shape, itself differentiable)."""
from __future__ import annotations

import numpy as np

from ..backend import device_of, get_array_module, is_array
from ..tensor import Tensor
from kernels._tuples import ntuple  # noqa: F401  (the one int-or-tuple normaliser, re-exported)


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
    """Two tensors on different devices: a clear error naming the op instead of a deep array-library one.

    Devices are compared, not array classes: a 0-d NumPy result can be a NumPy scalar (``np.float32``)
    rather than an ndarray, and that is still the CPU."""
    kinds = {device_of(x.array) for x in xs if isinstance(x, Tensor)}
    if len(kinds) > 1:
        devs = ", ".join(str(x.device) for x in xs if isinstance(x, Tensor))
        raise ValueError(f"{name}: tensors are on different devices ({devs}); move them with .to(device)")


def wrap_dim(d, ndim: int, name: str = "dim") -> int:
    """One dim index made non-negative, torch's way: a 0-d tensor accepts 0 and -1.

    Out of range raises IndexError naming the op and the valid range, as torch does."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {type(d).__name__} {d!r}")
    d = int(d)
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"{name}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n if ndim else 0


def normalize_axes(axis, ndim: int, name: str = "dim") -> tuple:
    """``None | int | tuple`` -> sorted tuple of non-negative dims, checked against ``ndim``.

    ``None`` means every dim.  A repeated dim raises (as torch)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = [wrap_dim(a, ndim, name) for a in axes]
    if len(set(out)) != len(out):
        raise RuntimeError(f"{name}: dim {out} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return tuple(sorted(out))


def dim_arg(name: str, dim, axis, default=None):
    """``dim=`` with NumPy's ``axis=`` accepted as an alias (giving both, differently, is an error)."""
    if axis is None:
        return default if dim is None else dim
    if dim is not None and dim != axis:
        raise TypeError(f"{name}: got both dim={dim!r} and axis={axis!r}; pass one of them")
    return axis


def keepdim_arg(keepdim, keepdims) -> bool:
    """``keepdim=`` with NumPy's ``keepdims=`` accepted as an alias."""
    return bool(keepdim if keepdims is None else keepdims)


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
    """A tensor without a graph over ``array`` (masks, signs, counts inside backward passes).

    NumPy turns the result of arithmetic on 0-d arrays into NumPy scalars; they are made 0-d arrays
    again here, so that a Tensor always holds an array."""
    if not is_array(array):
        array = get_array_module(array).asarray(array)
    return Tensor._wrap(array)


def autocasting(x) -> bool:
    """True when an open ``engine.autocast`` region covers tensor ``x``'s device: the dtype checks at an
    op's door then let mixed float32 / low-dtype operands through, since autocast casts them."""
    from ..amp.autocast_mode import autocasting as covered  # noqa: PLC0415  (engine.amp imports the ops)

    return covered(x)
