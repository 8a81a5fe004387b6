"""Padding layers, as torch's: ``ZeroPad{1,2,3}d``, ``ConstantPad{1,2,3}d(padding, value)``,
``ReflectionPad{1,2,3}d``, ``ReplicationPad{1,2,3}d`` and ``CircularPad{1,2,3}d``, each a thin Module over
``F.pad``.

``padding`` is an int (the same amount on every side of the last 1, 2 or 3 dims) or a flat tuple of
``2 * dims`` ints in F.pad's order: (left, right[, top, bottom[, front, back]]), last dim first.  Where
torch keeps a tuple of the wrong length and fails (or pads fewer dims) at forward time, Kiln raises
ValueError in the constructor.  Constant and zero padding take any input of at least ``dims`` dims
(negative padding crops, as torch); the other modes take (N, C, *) or unbatched (C, *) inputs with
``dims`` spatial dims, as torch, and padding smaller than the padded dim (reflect) or at most its size
(circular).  Unlike torch, negative padding in the replicate and circular modes raises ValueError
(``F.pad`` supports cropping in constant mode only).  Gradients are exact in every mode (F.pad is
built from differentiable gathers).
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
        return F.pad(input, self.padding, self._mode)

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


class ConstantPad1d(_ConstantPadNd):
    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    _dims = 3


class _ZeroPad:
    """Mixin: ``ConstantPadNd(padding, 0.0)`` with torch's one-argument constructor and repr."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass


def _pad_class(mode, dims, name):
    doc = f"``F.pad(x, padding, {mode!r})`` over the last {dims} dim(s) of a {dims + 1}-d or {dims + 2}-d input."
    return type(name, (_PadNd,), {"_mode": mode, "_dims": dims, "__doc__": doc, "__module__": __name__})


ReflectionPad1d = _pad_class("reflect", 1, "ReflectionPad1d")
ReflectionPad2d = _pad_class("reflect", 2, "ReflectionPad2d")
ReflectionPad3d = _pad_class("reflect", 3, "ReflectionPad3d")
ReplicationPad1d = _pad_class("replicate", 1, "ReplicationPad1d")
ReplicationPad2d = _pad_class("replicate", 2, "ReplicationPad2d")
ReplicationPad3d = _pad_class("replicate", 3, "ReplicationPad3d")
CircularPad1d = _pad_class("circular", 1, "CircularPad1d")
CircularPad2d = _pad_class("circular", 2, "CircularPad2d")
CircularPad3d = _pad_class("circular", 3, "CircularPad3d")
