"""Adaptive pooling and max unpooling layers with torch's constructors: ``AdaptiveAvgPool1d/2d/3d``
(``output_size``), ``AdaptiveMaxPool1d/2d/3d`` (``output_size, return_indices=False``) and
``MaxUnpool1d/2d/3d`` (``kernel_size, stride=None, padding=0``; ``forward(input, indices, output_size=None)``).

``output_size`` is an int or a tuple whose None entries keep the input's size, as torch.  Unbatched
inputs ((C, L), (C, H, W), (C, D, H, W)) work as in torch.  ``MaxUnpool`` inverts ``MaxPool`` with
``return_indices=True``: the values go to the flat positions the indexes name, zeros elsewhere.
"""
from __future__ import annotations

from engine.ops._util import ntuple
from engine.ops.pool import adaptive_avg_pool2d
from engine.ops.pool_nd import adaptive_max_pool2d

from . import pooling_functional as PF
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


def _adaptive_avg_pool2d(input, output_size):  # noqa: A002
    return PF.with_batch("adaptive_avg_pool2d", input, 2, lambda x: adaptive_avg_pool2d(
        x, PF.adaptive_size("adaptive_avg_pool2d", output_size, x.shape[2:])))


def _adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    return PF.with_batch("adaptive_max_pool2d", input, 2, lambda x: adaptive_max_pool2d(
        x, PF.adaptive_size("adaptive_max_pool2d", output_size, x.shape[2:]), return_indices))


class _AdaptiveAvgPoolNd(Module):
    pool: staticmethod

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return self.pool(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    pool = staticmethod(PF.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    pool = staticmethod(_adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    pool = staticmethod(PF.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    pool: staticmethod

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return self.pool(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    pool = staticmethod(PF.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    pool = staticmethod(_adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    pool = staticmethod(PF.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    nd: int

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        op = type(self).__name__
        self.kernel_size = ntuple(kernel_size, self.nd, "kernel_size", op)
        self.stride = ntuple(stride if stride is not None else kernel_size, self.nd, "stride", op)
        self.padding = ntuple(padding, self.nd, "padding", op)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return PF.max_unpool(f"max_unpool{self.nd}d", self.nd, input, indices, self.kernel_size, self.stride,
                             self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    nd = 3
