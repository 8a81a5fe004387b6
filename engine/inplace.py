"""In-place writes on tensors (``add_``, ``mul_``, ``copy_``, ``fill_``, ``x[idx] = v``, ...), as PyTorch does them.

Every in-place write goes through :func:`write`, which

1. refuses a leaf that requires grad while grad mode is on ("a leaf Variable that requires grad is
   being used in an in-place operation.", as torch), and refuses a view that is part of a graph
   (Kiln does not re-base a view's graph onto its base as torch does; writing through the view would
   leave the base's graph silently stale, so it raises instead: write to the base, or ``clone()``);
2. computes the new values with the ordinary differentiable op.  When a graph is recorded (grad mode
   on and the tensor or an operand requires grad) the op reads a private copy of the old values, so
   that what it saves for backward is not overwritten by step 3;
3. checks the result's shape (no broadcasting of the tensor itself) and dtype (``same_kind`` casting
   for arithmetic, any cast for ``copy_``/``fill_``/item assignment, as torch) BEFORE writing, then
   writes into the tensor's own array, so every alias (``detach()``, views, ``from_numpy``) sees it;
4. bumps the version counter, so a backward that saved the old values raises instead of returning a
   wrong gradient, and, when a graph was recorded, makes the tensor the output of the new node.

Not seen, as in PyTorch: writes through ``t.data`` (torch's meaning: a Tensor sharing the storage with a
version counter of its own) and through ``t.numpy()`` do not bump ``t``'s counter, nor do writes into
``t.array``, Kiln's raw NumPy/CuPy array.  Where Kiln is stricter than PyTorch:
a view taken from a tensor *before* an in-place op recorded in a graph still holds the graph without
that op (torch regenerates the view's ``grad_fn``), so using it in a new graph raises RuntimeError
("take the view again after the in-place write") instead of giving a gradient that misses the write.
"""
from __future__ import annotations

import numpy as np

from . import backend, grad_mode
from .function import adopt_output
from .tensor import Tensor

__all__ = ["write", "arithmetic", "overwrite", "setitem"]


def _requires_grad(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _check_writeable(t: Tensor, name: str) -> None:
    flags = getattr(t.array, "flags", None)
    if flags is not None and not flags.writeable:
        raise RuntimeError(
            f"{name}: the tensor's array (shape {tuple(t.shape)}) is read-only (a broadcast view or a read-only "
            "buffer); clone() it first"
        )


def write(t: Tensor, name: str, compute, operands=(), casting: str = "same_kind") -> Tensor:
    """Replace ``t``'s values by ``compute(source)`` in place (see the module docstring)."""
    _check_writeable(t, name)
    recording = grad_mode._State.enabled and (t.requires_grad or any(_requires_grad(o) for o in operands))
    if grad_mode._State.enabled and t.requires_grad:
        if t._creator is None:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place operation.")
        if t._creator._view_of is not None:  # its array aliases an input of the op that made it
            raise RuntimeError(
                f"{name}: in-place write to a view (shape {tuple(t.shape)}) of a tensor that is part of a graph; "
                "Kiln does not rebase a view's graph onto its base, so write to the base tensor instead "
                "(x[idx] = v) or clone() the view first"
            )
    if recording:
        source = Tensor._wrap(t.array.copy(), t._creator, t._output_nr, t.requires_grad)
        out = compute(source)
    else:
        with grad_mode.no_grad():
            out = compute(t)
    if tuple(out.shape) != tuple(t.shape):
        raise RuntimeError(f"{name}: output with shape {tuple(t.shape)} doesn't match the broadcast shape {tuple(out.shape)}")
    if not np.can_cast(out.dtype, t.dtype, casting):
        raise RuntimeError(f"{name}: result type {out.dtype} can't be cast to the desired output type {t.dtype}")
    if recording and out.dtype != t.dtype:
        out = out.to(dtype=t.dtype)  # the node t becomes the output of casts, so gradients keep each dtype
    t.array[...] = out.array
    t._bump_version()
    if recording:
        t._vc[1] += 1  # views of this storage taken before now hold a graph without this write
        adopt_output(t, out)
    return t


def arithmetic(t: Tensor, name: str, op, other) -> Tensor:
    """``t <- op(t, other)`` for add_/sub_/mul_/div_ (``other`` a tensor, array or Python number)."""
    return write(t, name, lambda s: op(s, other), (other,))


def _on_device_of(t: Tensor, value):
    """``value`` as an operand on ``t``'s device (a Tensor is moved differentiably)."""
    if isinstance(value, Tensor):
        return value if value.device == t.device else value.to(t.device)
    if backend.is_array(value):
        return Tensor._wrap(backend.to_device(value, t.device))
    if isinstance(value, (bool, int, float, np.number)):
        return value
    raise TypeError(f"expected a tensor, an array or a number, got {type(value).__name__}")


def overwrite(t: Tensor, name: str, value) -> Tensor:
    """``t <- value`` broadcast to ``t``'s shape (zero_, fill_, copy_, normal_, uniform_).

    In a graph the new values do not depend on the old ones: the old ``t`` gets a zero gradient and a
    ``value`` that requires grad gets the incoming gradient summed to its shape."""
    from .ops.elementwise import where

    value = _on_device_of(t, value)
    shape = value.shape if hasattr(value, "shape") else ()
    try:
        target = np.broadcast_shapes(tuple(shape), tuple(t.shape))
    except ValueError:
        target = None
    if target != tuple(t.shape):
        raise RuntimeError(f"{name}: the source of shape {tuple(shape)} cannot be broadcast to the tensor's shape {tuple(t.shape)}")
    if not (grad_mode._State.enabled and (t.requires_grad or _requires_grad(value))):
        _check_writeable(t, name)
        t.array[...] = value.array if isinstance(value, Tensor) else value
        t._bump_version()
        return t
    keep = backend.get_array_module(t.array).ones(t.shape, dtype=bool)
    return write(t, name, lambda s: where(keep, value, s), (value,), casting="unsafe")


def setitem(t: Tensor, index, value) -> Tensor:
    """``t[index] = value`` (basic, integer-array and boolean indexes; ``value`` broadcasts to t[index])."""
    from .ops.index_put import index_put
    from .ops.shape import _normalize_index

    value = _on_device_of(t, value)
    if not (grad_mode._State.enabled and (t.requires_grad or _requires_grad(value))):
        _check_writeable(t, "setitem")
        index = _normalize_index(index)
        try:  # NumPy checks the index and the broadcast before it writes anything
            t.array[index] = value.array if isinstance(value, Tensor) else value
        except (IndexError, ValueError) as e:
            raise type(e)(
                f"setitem: cannot write values of shape {getattr(value, 'shape', ())} at index {index!r} of a "
                f"tensor of shape {tuple(t.shape)}: {e}"
            ) from None
        t._bump_version()
        return t
    return write(t, "setitem", lambda s: index_put(s, index, value), (value,), casting="unsafe")
