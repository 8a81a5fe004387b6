"""``Conv3d`` (3-d cross-correlation, weight (out, in / groups, kd, kh, kw)) and ``ConvTranspose3d`` (its
adjoint, weight (in, out / groups, kd, kh, kw)) over (N, C_in, D, H, W) or unbatched (C_in, D, H, W) input,
torch's signatures, defaults and initialisation (``kaiming_uniform_(a=sqrt(5))``, bias
U(-1/sqrt(fan_in), 1/sqrt(fan_in))).

The arithmetic is ``F.conv3d`` (``engine/ops/conv_grouped.py``: one conv2d per kernel depth tap) and
``F.conv_transpose3d`` (``engine/ops/conv_transpose3d.py``: one conv_transpose2d per tap), so both are
differentiable as often as the 2-d ops.  ConvTranspose3d takes ``padding_mode="zeros"`` only and ints for
``padding``, as torch, and ``forward(x, output_size)`` picks the output padding that gives ``output_size``.
Conv3d's ``padding`` takes an int, a triple, ``"valid"`` or ``"same"`` (stride 1; an odd total pads one more
at the end, as torch); its ``padding_mode`` ``"reflect"``, ``"replicate"`` and ``"circular"`` pad with
``F.pad`` first (which needs reflect pads smaller than the input, as torch).
"""
from __future__ import annotations

import engine
from engine.ops._util import ntuple
from engine.ops.conv_grouped import _same_padding

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["Conv3d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _Conv3dBase(Module):
    """What Conv3d and ConvTranspose3d share: argument checks, the weight and bias, input checks, the repr."""

    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, device, dtype):
        super().__init__()
        name = type(self).__name__
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"{name}: in_channels and out_channels must be positive, got {in_channels} and "
                             f"{out_channels}")
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: groups {groups} must be positive and divide in_channels {in_channels} and "
                             f"out_channels {out_channels}")
        modes = ("zeros",) if self.transposed else _PADDING_MODES
        if padding_mode not in modes:
            raise ValueError(f"{name}: padding_mode must be one of {modes}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.padding_mode = padding_mode
        self.kernel_size, self.stride, self.dilation = (ntuple(v, 3, what, name) for v, what in
                                                        ((kernel_size, "kernel_size"), (stride, "stride"),
                                                         (dilation, "dilation")))
        if isinstance(padding, str) and not self.transposed:
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: padding must be an int, a triple, 'valid' or 'same', got {padding!r}")
            if padding == "same" and self.stride != (1, 1, 1):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride {self.stride})")
            self.padding = padding
        else:
            self.padding = ntuple(padding, 3, "padding", name)
            if min(self.padding) < 0:
                raise ValueError(f"{name}: padding must be non-negative, got {self.padding}")
        for what, triple in (("kernel_size", self.kernel_size), ("stride", self.stride), ("dilation", self.dilation)):
            if min(triple) < 1:
                raise ValueError(f"{name}: {what} must be positive, got {triple}")
        channels = (self.in_channels, self.out_channels // self.groups) if self.transposed else \
            (self.out_channels, self.in_channels // self.groups)
        self.weight = Parameter(engine.zeros(*channels, *self.kernel_size, dtype=dtype, device=device))
        optional_parameters(self, bias, (self.out_channels,), device, dtype, bias=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _batched(self, input):  # noqa: A002
        """``(input as (N, C, D, H, W), whether it came unbatched)``, else a ValueError naming the layer."""
        x = input if isinstance(input, engine.Tensor) else engine.as_tensor(input)
        if x.ndim not in (4, 5) or x.shape[-4] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, D, H, W) or "
                             f"({self.in_channels}, D, H, W), got {x.shape}")
        return (x.unsqueeze(0), True) if x.ndim == 4 else (x, False)

    def extra_repr(self) -> str:
        """torch's: the sizes, then only the settings that differ from their defaults."""
        parts = [f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"]
        for name, value, default in (("padding", self.padding, (0, 0, 0)), ("dilation", self.dilation, (1, 1, 1)),
                                     ("output_padding", getattr(self, "output_padding", (0, 0, 0)), (0, 0, 0)),
                                     ("groups", self.groups, 1), ("bias", self.bias is not None, True),
                                     ("padding_mode", self.padding_mode, "zeros")):
            if value != default:
                parts.append(f"{name}={value}")
        return ", ".join(parts)


class Conv3d(_Conv3dBase):
    """3-d convolution layer as ``torch.nn.Conv3d``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def _pads(self):
        """(before, after) per spatial dim (depth, height, width)."""
        if self.padding == "valid":
            return [(0, 0)] * 3
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return [(t // 2, t - t // 2) for t in totals]
        return [(p, p) for p in self.padding]

    def forward(self, input):  # noqa: A002  (torch's name)
        x, unbatched = self._batched(input)
        if self.padding_mode != "zeros":
            flat = tuple(v for before_after in reversed(self._pads()) for v in before_after)
            x, padding = F.pad(x, flat, mode=self.padding_mode), 0
        elif self.padding == "same":
            x, padding = _same_padding("Conv3d", x, self.weight, self.stride, self.dilation, 3)
        else:
            padding = tuple(before for before, _ in self._pads())
        y = F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
        return y[0] if unbatched else y


class ConvTranspose3d(_Conv3dBase):
    """The adjoint of Conv3d, as ``torch.nn.ConvTranspose3d``: each output size is
    ``(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = ntuple(output_padding, 3, "output_padding", "ConvTranspose3d")

    def _output_padding_for(self, x, output_size):
        """torch's rule: the output padding that makes the output ``output_size`` (its last three entries)."""
        want = tuple(int(v) for v in tuple(output_size)[-3:])
        least = [(x.shape[2 + i] - 1) * s - 2 * p + d * (k - 1) + 1 for i, (s, p, d, k) in
                 enumerate(zip(self.stride, self.padding, self.dilation, self.kernel_size))]
        extra = tuple(w - m for w, m in zip(want, least))
        if len(want) != 3 or any(e < 0 or e >= s for e, s in zip(extra, self.stride)):
            ranges = " x ".join(f"[{m}, {m + s - 1}]" for m, s in zip(least, self.stride))
            raise ValueError(f"ConvTranspose3d: requested output_size {tuple(output_size)} is not reachable from "
                             f"input {tuple(x.shape)}: each size must be in {ranges}")
        return extra

    def forward(self, input, output_size=None):  # noqa: A002  (torch's names)
        x, unbatched = self._batched(input)
        out_pad = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        y = F.conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding, out_pad, self.groups,
                               self.dilation)
        return y[0] if unbatched else y
