"""``Conv3d`` (weight (out, in / groups, kd, kh, kw)) and ``ConvTranspose3d`` (weight (in, out / groups, kd, kh,
kw)) over (N, C_in, D, H, W) or unbatched (C_in, D, H, W) input: the 2-d layers' base (``nn/conv.py``) with three
spatial dims, so signatures, defaults, initialisation, padding modes, ``padding="same"`` and
``ConvTranspose3d.forward(x, output_size)`` are theirs and torch's.

The arithmetic is ``F.conv3d`` (``engine/ops/conv_grouped.py``: one conv2d per kernel depth tap) and
``F.conv_transpose3d`` (``engine/ops/conv_transpose3d.py``: one conv_transpose2d per tap), so both are
differentiable as often as the 2-d ops.
"""
from __future__ import annotations

from engine.ops._util import ntuple

from . import functional as F
from .conv import _ConvNd

__all__ = ["Conv3d", "ConvTranspose3d"]


class Conv3d(_ConvNd):
    """3-d convolution layer as ``torch.nn.Conv3d``."""

    dims = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input):  # noqa: A002  (torch's name)
        x, unbatched = self._batched(input)
        x, padding = self._conv_input(x)
        y = F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
        return y[0] if unbatched else y


class ConvTranspose3d(_ConvNd):
    """The adjoint of Conv3d, as ``torch.nn.ConvTranspose3d``: each output size is
    ``(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``."""

    transposed = True
    dims = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = ntuple(output_padding, 3, "output_padding", "ConvTranspose3d")

    def forward(self, input, output_size=None):  # noqa: A002  (torch's names)
        x, unbatched = self._batched(input)
        out_pad = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        y = F.conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding, out_pad, self.groups,
                               self.dilation)
        return y[0] if unbatched else y
