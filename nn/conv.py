"""Convolution layers: ``Conv2d`` (weight (out, in, kh, kw)) and
``ConvTranspose2d`` (weight (in, out, kh, kw), PyTorch's layout).  Default initialisation as
PyTorch: ``kaiming_uniform_(a=sqrt(5))`` for the weight and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
the bias.  The arithmetic runs in the engine's im2col ops (``engine.conv2d``/``conv_transpose2d``)."""
from __future__ import annotations


import engine
from engine.ops._util import ntuple

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["Conv2d", "ConvTranspose2d"]


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, bias, transposed,
                 device, dtype):
        super().__init__()
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"{type(self).__name__}: channel counts must be positive, got ({in_channels}, {out_channels})")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = ntuple(kernel_size, 2, "kernel_size", type(self).__name__)
        self.stride = ntuple(stride, 2, "stride", type(self).__name__)
        self.padding = ntuple(padding, 2, "padding", type(self).__name__)
        self.dilation = ntuple(dilation, 2, "dilation", type(self).__name__)
        for name, pair, least in (("kernel_size", self.kernel_size, 1), ("stride", self.stride, 1),
                                  ("dilation", self.dilation, 1), ("padding", self.padding, 0)):
            if min(pair) < least:
                raise ValueError(
                    f"{type(self).__name__}: {name} must be {'positive' if least else 'non-negative'}, got {pair}"
                )
        shape = (in_channels, out_channels) if transposed else (out_channels, in_channels)
        self.weight = Parameter(engine.zeros(*shape, *self.kernel_size, dtype=dtype, device=device))
        optional_parameters(self, bias, (out_channels,), device, dtype, bias=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _check(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, H, W), got {x.shape}"
            )

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True,
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias, False, device, dtype)

    def forward(self, x):
        self._check(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class ConvTranspose2d(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, bias=True,
                 dilation=1, device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias, True, device, dtype)
        self.output_padding = ntuple(output_padding, 2, "output_padding", type(self).__name__)

    def forward(self, x):
        self._check(x)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  dilation=self.dilation)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", output_padding={self.output_padding}" if self.output_padding != (0, 0) else "")
