"""``Conv3d``: 3-d cross-correlation over (N, C_in, D, H, W) (or unbatched (C_in, D, H, W)), torch's signature,
weight layout (out, in / groups, kd, kh, kw), defaults and initialisation (``kaiming_uniform_(a=sqrt(5))``,
bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).

The arithmetic is ``F.conv3d`` (``engine/ops/conv_grouped.py``: one conv2d per kernel depth tap, so it is
differentiable as often as conv2d).  ``padding`` takes an int, a triple, ``"valid"`` or ``"same"`` (stride 1;
an odd total pads one more at the end, as torch); ``padding_mode`` ``"reflect"``, ``"replicate"`` and
``"circular"`` pad with ``F.pad`` first (which needs reflect pads smaller than the input, as torch).
No ``ConvTranspose3d`` yet: see the report of the branch that added this file.
"""
from __future__ import annotations

import engine
from engine.ops._util import ntuple
from engine.ops.conv_grouped import _same_padding

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["Conv3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv3d(Module):
    """3-d convolution layer as ``torch.nn.Conv3d``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"Conv3d: in_channels and out_channels must be positive, got {in_channels} and "
                             f"{out_channels}")
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv3d: groups {groups} must be positive and divide in_channels {in_channels} and "
                             f"out_channels {out_channels}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Conv3d: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.padding_mode = padding_mode
        self.kernel_size, self.stride, self.dilation = (ntuple(v, 3, what, "Conv3d") for v, what in
                                                        ((kernel_size, "kernel_size"), (stride, "stride"),
                                                         (dilation, "dilation")))
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv3d: padding must be an int, a triple, 'valid' or 'same', got {padding!r}")
            if padding == "same" and self.stride != (1, 1, 1):
                raise ValueError(f"Conv3d: padding='same' is not supported for strided convolutions "
                                 f"(stride {self.stride})")
            self.padding = padding
        else:
            self.padding = ntuple(padding, 3, "padding", "Conv3d")
            if min(self.padding) < 0:
                raise ValueError(f"Conv3d: padding must be non-negative, got {self.padding}")
        for what, triple in (("kernel_size", self.kernel_size), ("stride", self.stride), ("dilation", self.dilation)):
            if min(triple) < 1:
                raise ValueError(f"Conv3d: {what} must be positive, got {triple}")
        self.weight = Parameter(engine.zeros(self.out_channels, self.in_channels // self.groups, *self.kernel_size,
                                             dtype=dtype, device=device))
        optional_parameters(self, bias, (self.out_channels,), device, dtype, bias=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _pads(self):
        """(before, after) per spatial dim (depth, height, width)."""
        if self.padding == "valid":
            return [(0, 0)] * 3
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return [(t // 2, t - t // 2) for t in totals]
        return [(p, p) for p in self.padding]

    def forward(self, input):  # noqa: A002  (torch's name)
        x = input if isinstance(input, engine.Tensor) else engine.as_tensor(input)
        if x.ndim not in (4, 5) or x.shape[-4] != self.in_channels:
            raise ValueError(f"Conv3d: expected input of shape (N, {self.in_channels}, D, H, W) or "
                             f"({self.in_channels}, D, H, W), got {x.shape}")
        unbatched = x.ndim == 4
        if unbatched:
            x = x.unsqueeze(0)
        if self.padding_mode != "zeros":
            flat = tuple(v for before_after in reversed(self._pads()) for v in before_after)
            x, padding = F.pad(x, flat, mode=self.padding_mode), 0
        elif self.padding == "same":
            x, padding = _same_padding("Conv3d", x, self.weight, self.stride, self.dilation, 3)
        else:
            padding = tuple(before for before, _ in self._pads())
        y = F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
        return y[0] if unbatched else y

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
