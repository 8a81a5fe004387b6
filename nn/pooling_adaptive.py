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
from ._nd import nd_classes
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


def _adaptive_avg_pool2d(input, output_size):  # noqa: A002
    return PF.with_batch("adaptive_avg_pool2d", input, 2, lambda x: adaptive_avg_pool2d(
        x, PF.adaptive_size("adaptive_avg_pool2d", output_size, x.shape[2:])))


def _adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    return PF.with_batch("adaptive_max_pool2d", input, 2, lambda x: adaptive_max_pool2d(
        x, PF.adaptive_size("adaptive_max_pool2d", output_size, x.shape[2:]), return_indices))


class _AdaptivePoolNd(Module):
    pool: staticmethod

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def _pool_args(self) -> tuple:
        return ()

    def forward(self, input):  # noqa: A002
        return self.pool(input, self.output_size, *self._pool_args())

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvgPoolNd(_AdaptivePoolNd):
    """Adaptive average pooling of {shape} (or unbatched) input to ``output_size`` (None keeps that size)."""


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    """Adaptive max pooling of {shape} (or unbatched) input to ``output_size`` (None keeps that size);
    (values, indices) when ``return_indices``."""

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def _pool_args(self) -> tuple:
        return (self.return_indices,)


AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = nd_classes(
    _AdaptiveAvgPoolNd, "AdaptiveAvgPool{}d", __name__,
    pool=lambda nd: staticmethod({1: PF.adaptive_avg_pool1d, 2: _adaptive_avg_pool2d, 3: PF.adaptive_avg_pool3d}[nd]))


AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = nd_classes(
    _AdaptiveMaxPoolNd, "AdaptiveMaxPool{}d", __name__,
    pool=lambda nd: staticmethod({1: PF.adaptive_max_pool1d, 2: _adaptive_max_pool2d, 3: PF.adaptive_max_pool3d}[nd]))


class _MaxUnpoolNd(Module):
    """The partial inverse of {nd}-d max pooling: each value put back at its recorded index, zeros elsewhere."""

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


MaxUnpool1d, MaxUnpool2d, MaxUnpool3d = nd_classes(_MaxUnpoolNd, "MaxUnpool{}d", __name__)
