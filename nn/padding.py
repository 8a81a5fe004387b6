"""Padding layers, as torch's: ``ZeroPad{1,2,3}d``, ``ConstantPad{1,2,3}d(padding, value)``,
``ReflectionPad{1,2,3}d``, ``ReplicationPad{1,2,3}d`` and ``CircularPad{1,2,3}d``, each a thin Module over
``F.pad``.

``padding`` is an int (the same amount on every side of the last 1, 2 or 3 dims) or a flat tuple of
``2 * dims`` ints in F.pad's order: (left, right[, top, bottom[, front, back]]), last dim first.  Where
torch keeps a tuple of the wrong length and fails (or pads fewer dims) at forward time, Kiln raises
ValueError in the constructor.  Constant and zero padding take any input of at least ``dims`` dims
(negative padding crops, as torch); the other modes take (N, C, *) or unbatched (C, *) inputs with
``dims`` spatial dims, as torch, and padding smaller than the padded dim (reflect) or at most its size
(circular).  Negative padding crops in every mode, as torch: the layer crops the negative sides
first (constant-mode ``F.pad``) and then pads the positive ones, which is torch's result; where what is
left is too small for the padding (torch measures against the uncropped size) F.pad raises ValueError
naming the sizes.  (``F.pad`` itself still rejects negative padding outside constant mode.)  Gradients
are exact in every mode (F.pad is built from differentiable gathers).
"""
from __future__ import annotations

from . import functional as F
from .module import Module

__all__ = [
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
    "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _padding_tuple(padding, dims, name):
    """``padding`` (an int or ``2 * dims`` ints) as a tuple of ``2 * dims`` Python ints."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (int(padding),) * (2 * dims)
    values = tuple(padding) if isinstance(padding, (tuple, list)) else None
    if values is None or len(values) != 2 * dims or not all(isinstance(v, int) for v in values):
        raise ValueError(f"{name}: padding must be an int or a tuple of {2 * dims} ints "
                         f"(left, right{', top, bottom' if dims > 1 else ''}{', front, back' if dims > 2 else ''}), "
                         f"got {padding!r}")
    return tuple(int(v) for v in values)


class _PadNd(Module):
    """``F.pad(x, self.padding, self._mode)`` over the last ``_dims`` dims."""

    _dims = 1
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding_tuple(padding, self._dims, type(self).__name__)

    def forward(self, input):  # noqa: A002  (torch's name)
        d = self._dims
        if input.ndim not in (d + 1, d + 2):
            raise ValueError(f"{type(self).__name__}: expected a {d + 1}-d (unbatched) or {d + 2}-d (batched) input, "
                             f"got shape {tuple(input.shape)}")
        x = input
        if any(p < 0 for p in self.padding):  # negative padding crops first, as torch
            x = F.pad(x, tuple(min(p, 0) for p in self.padding))
        return F.pad(x, tuple(max(p, 0) for p in self.padding), self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(Module):
    _dims = 1

    def __init__(self, padding, value: float):
        super().__init__()
        self.padding = _padding_tuple(padding, self._dims, type(self).__name__)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad:
    """Mixin: ``ConstantPadNd(padding, 0.0)`` with torch's one-argument constructor and repr."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _layer_class(name, bases, dims, doc, **attrs):
    """A padding class named ``name`` over the last ``dims`` dims (torch's classes differ only by these)."""
    return type(name, bases, {"_dims": dims, "__doc__": doc, "__module__": __name__, **attrs})


ConstantPad1d, ConstantPad2d, ConstantPad3d = (
    _layer_class(f"ConstantPad{d}d", (_ConstantPadNd,), d, f"Pad the last {d} dim(s) with ``value``.")
    for d in (1, 2, 3))
ZeroPad1d, ZeroPad2d, ZeroPad3d = (
    _layer_class(f"ZeroPad{d}d", (_ZeroPad, base), d, f"Pad the last {d} dim(s) with zeros.")
    for d, base in ((1, ConstantPad1d), (2, ConstantPad2d), (3, ConstantPad3d)))


def _pad_classes(mode, prefix):
    """torch's ``{prefix}1d``, ``2d`` and ``3d``: ``F.pad`` in ``mode`` over the last 1, 2 or 3 dims."""
    return tuple(_layer_class(f"{prefix}{d}d", (_PadNd,), d, f"``F.pad(x, padding, {mode!r})`` over the last {d} "
                              f"dim(s) of a {d + 1}-d or {d + 2}-d input.", _mode=mode) for d in (1, 2, 3))


ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _pad_classes("reflect", "ReflectionPad")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _pad_classes("replicate", "ReplicationPad")
CircularPad1d, CircularPad2d, CircularPad3d = _pad_classes("circular", "CircularPad")
