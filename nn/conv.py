"""Convolution layers: ``Conv2d`` (weight (out, in / groups, kh, kw)) and ``ConvTranspose2d`` (weight
(in, out / groups, kh, kw)), torch's signatures, layouts and defaults.

Default initialisation as PyTorch: ``kaiming_uniform_(a=sqrt(5))`` for the weight and
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias (fan_in = in / groups * kh * kw).  ``groups`` splits the
channels as torch's (``groups == in_channels``: a depthwise layer, on its own kernels); ``padding`` takes an
int, a pair, ``"valid"`` or ``"same"`` (Conv2d, stride 1); ``padding_mode`` is ``"zeros"``, ``"reflect"``,
``"replicate"`` or ``"circular"`` (Conv2d; the transposed layer takes only ``"zeros"``, as torch).  Unbatched
(C, H, W) input works as in torch, and ``ConvTranspose2d.forward(x, output_size)`` picks the output padding
that gives ``output_size``.  The arithmetic is ``F.conv2d`` / ``F.conv_transpose2d`` (``engine/ops/conv*.py``).
"""
from __future__ import annotations

import engine
from engine.ops._util import ntuple

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["Conv2d", "ConvTranspose2d"]

MODES = ("zeros", "reflect", "replicate", "circular")


def check_conv_layer(name, in_channels, out_channels, groups, padding_mode, modes=None):
    """A convolution layer's channel counts, groups and padding mode, else a ValueError naming the layer."""
    modes = MODES if modes is None else modes
    if in_channels <= 0 or out_channels <= 0:
        raise ValueError(f"{name}: channel counts must be positive, got ({in_channels}, {out_channels})")
    if groups <= 0 or in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: in_channels {in_channels} and out_channels {out_channels} must both be "
                         f"divisible by groups {groups}")
    if padding_mode not in modes:
        raise ValueError(f"{name}: padding_mode must be one of {modes}, got {padding_mode!r}")


def conv_extra_repr(m) -> str:
    """torch's extra_repr of a convolution layer of any dimension: the settings that differ from the defaults."""
    zeros, ones = (0,) * len(m.kernel_size), (1,) * len(m.kernel_size)
    s = f"{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}"
    if m.padding != zeros:
        s += f", padding={m.padding}"
    if m.dilation != ones:
        s += f", dilation={m.dilation}"
    if getattr(m, "output_padding", zeros) != zeros:
        s += f", output_padding={m.output_padding}"
    if m.groups != 1:
        s += f", groups={m.groups}"
    if m.bias is None:
        s += ", bias=False"
    if m.padding_mode != "zeros":
        s += f", padding_mode={m.padding_mode}"
    return s


class _ConvNd(Module):
    """What the 2-d and 3-d layers share (``dims`` spatial dims): argument checks, weight and bias, input checks,
    padding modes, the transposed layers' ``output_size`` rule and the repr."""

    transposed = False
    dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                 device, dtype):
        super().__init__()
        name, dims = type(self).__name__, self.dims
        check_conv_layer(name, in_channels, out_channels, groups, padding_mode,
                         ("zeros",) if self.transposed else MODES)
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.padding_mode = padding_mode
        self.kernel_size = ntuple(kernel_size, dims, "kernel_size", name)
        self.stride = ntuple(stride, dims, "stride", name)
        self.dilation = ntuple(dilation, dims, "dilation", name)
        if isinstance(padding, str) and not self.transposed:
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: padding must be an int, {dims} ints, 'valid' or 'same', got {padding!r}")
            if padding == "same" and self.stride != (1,) * dims:
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride {self.stride})")
            self.padding = padding
        else:
            self.padding = ntuple(padding, dims, "padding", name)
        for what, pair, least in (("kernel_size", self.kernel_size, 1), ("stride", self.stride, 1),
                                  ("dilation", self.dilation, 1)) + ((("padding", self.padding, 0),)
                                                                     if not isinstance(self.padding, str) else ()):
            if min(pair) < least:
                raise ValueError(f"{name}: {what} must be {'positive' if least else 'non-negative'}, got {pair}")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups)
        else:
            shape = (self.out_channels, self.in_channels // self.groups)
        self.weight = Parameter(engine.zeros(*shape, *self.kernel_size, dtype=dtype, device=device))
        optional_parameters(self, bias, (out_channels,), device, dtype, bias=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _batched(self, x):
        """``(x with a batch axis, whether it came unbatched)``, else a ValueError naming the layer."""
        if not isinstance(x, engine.Tensor):
            x = engine.as_tensor(x)
        spatial = ", ".join("DHW"[3 - self.dims:])
        if x.ndim not in (self.dims + 1, self.dims + 2) or x.shape[-self.dims - 1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, {spatial}) or "
                             f"({self.in_channels}, {spatial}), got {x.shape}")
        return (x.unsqueeze(0), True) if x.ndim == self.dims + 1 else (x, False)

    def _conv_input(self, x):
        """``(x, padding)`` for the functional convolution: a non-zero ``padding_mode`` pads x here (F.pad, the
        last dim first) and leaves padding 0; ``"same"`` pads an odd total one more at the end, as torch."""
        if self.padding_mode == "zeros":
            return x, self.padding
        if self.padding == "valid":
            pads = [(0, 0)] * self.dims
        elif self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            pads = [(p, p) for p in self.padding]
        return F.pad(x, tuple(v for pair in reversed(pads) for v in pair), mode=self.padding_mode), 0

    def _output_padding_for(self, x, output_size):
        """torch's rule for the transposed layers: the output padding that makes the output ``output_size``
        (its last ``dims`` entries)."""
        want = tuple(int(v) for v in tuple(output_size)[-self.dims:])
        least = [(x.shape[2 + i] - 1) * s - 2 * p + d * (k - 1) + 1 for i, (s, p, d, k) in
                 enumerate(zip(self.stride, self.padding, self.dilation, self.kernel_size))]
        extra = tuple(w - m for w, m in zip(want, least))
        if len(want) != self.dims or any(e < 0 or e >= s for e, s in zip(extra, self.stride)):
            ranges = " x ".join(f"[{m}, {m + s - 1}]" for m, s in zip(least, self.stride))
            raise ValueError(f"{type(self).__name__}: requested output_size {tuple(output_size)} is not reachable "
                             f"from input {tuple(x.shape)}: each size must be in {ranges}")
        return extra

    def extra_repr(self) -> str:
        return conv_extra_repr(self)


class Conv2d(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype)

    def forward(self, x):
        x, unbatched = self._batched(x)
        x, padding = self._conv_input(x)
        y = F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
        return y[0] if unbatched else y


class ConvTranspose2d(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype)
        self.output_padding = ntuple(output_padding, self.dims, "output_padding", type(self).__name__)

    def forward(self, x, output_size=None):
        x, unbatched = self._batched(x)
        out_pad = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        y = F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, out_pad, self.groups,
                               self.dilation)
        return y[0] if unbatched else y
