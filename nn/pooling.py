"""Pooling layers with torch's constructors (names, positional order, defaults): ``MaxPool1d/2d/3d``
(``kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False``),
``AvgPool1d/2d/3d`` (``kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True``, and
``divisor_override=None`` for 2-d and 3-d) and ``LPPool1d/2d/3d`` (``norm_type, kernel_size, stride=None,
ceil_mode=False``).  ``stride`` defaults to ``kernel_size``; output sizes are torch's (floor unless
``ceil_mode``).  Each layer also takes torch's unbatched input ((C, L), (C, H, W), (C, D, H, W)).

The adaptive pools and the max unpooling layers are in nn/pooling_adaptive.py.  The work is done by the
engine's pooling ops and by the compositions of nn/pooling_functional.py.
"""
from __future__ import annotations

from engine.ops._util import ntuple

from . import functional as F
from . import pooling_functional as PF
from ._nd import nd_classes
from .module import Module
from .pooling_adaptive import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                               AdaptiveMaxPool2d, AdaptiveMaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _MaxPoolNd(Module):
    """torch's _MaxPoolNd: ``forward`` gives (values, indices) when ``return_indices``."""

    nd: int
    op: str

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):  # noqa: A002
        pool = getattr(F, self.op)
        return PF.with_batch(self.op, input, self.nd, lambda x: pool(
            x, self.kernel_size, self.stride, self.padding, dilation=self.dilation, ceil_mode=self.ceil_mode,
            return_indices=self.return_indices))

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


MaxPool1d, MaxPool2d, MaxPool3d = nd_classes(_MaxPoolNd, "MaxPool{}d", __name__, op=lambda nd: f"max_pool{nd}d")


class _AvgPoolNd(Module):
    """Average pooling; ``divisor_override`` (2-d, 3-d) divides each window's sum by that number instead."""

    nd: int
    op: str

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        if divisor_override is not None and int(divisor_override) == 0:
            raise ValueError(f"{type(self).__name__}: divisor_override must be non-zero")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):  # noqa: A002
        pool = getattr(F, self.op)
        extra = {} if self.nd == 1 else {"divisor_override": self.divisor_override}
        return PF.with_batch(self.op, input, self.nd, lambda x: pool(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad, **extra))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    nd, op = 1, "avg_pool1d"

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        one = [ntuple(v, 1, name, "AvgPool1d") for v, name in
               ((kernel_size, "kernel_size"), (stride if stride is not None else kernel_size, "stride"),
                (padding, "padding"))]
        super().__init__(*one, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    nd, op = 2, "avg_pool2d"


class AvgPool3d(_AvgPoolNd):
    nd, op = 3, "avg_pool3d"


class _LPPoolNd(Module):
    """Power-average pooling: ``(sum of x ** norm_type over each window) ** (1 / norm_type)``."""

    lp_pool: staticmethod

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        if float(norm_type) == 0:
            raise ValueError(f"{type(self).__name__}: norm_type must be non-zero, got {norm_type!r}")
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input):  # noqa: A002
        return self.lp_pool(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


LPPool1d, LPPool2d, LPPool3d = nd_classes(_LPPoolNd, "LPPool{}d", __name__,
                                          lp_pool=lambda nd: staticmethod(getattr(PF, f"lp_pool{nd}d")))
