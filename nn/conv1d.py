"""1-d convolution layers: ``Conv1d`` (weight (out, in/groups, k)) and ``ConvTranspose1d`` (weight
(in, out/groups, k)), torch's names, layouts, defaults and initialisation.

Both run on the engine's 2-d im2col ops, viewing a (N, C, L) signal as a (N, C, 1, L) image and the
kernel as (.., 1, k), so they share its kernels and its exact, twice-differentiable gradients.
``groups`` splits the channels into independent convolutions, joined along the channel axis.
``padding`` takes an int, ``"valid"`` or ``"same"`` (stride 1; an odd total pads one more on the
right, as torch); ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``
(the non-zero modes pad by gathering, so their gradients flow back to the edges).  Unbatched (C, L)
input works as in torch.
"""
from __future__ import annotations

import numpy as np

import engine

from . import init
from ._axes import chunk
from .conv import check_conv_layer, conv_extra_repr
from .module import Module, Parameter
from engine.ops._util import ntuple

__all__ = ["Conv1d", "ConvTranspose1d", "pad_last_axis"]


def pad_last_axis(x, left, right, mode):
    """``x`` padded on its last axis by ``left``/``right`` entries: zeros, or gathered by ``mode``."""
    if left == 0 and right == 0:
        return x
    L = x.shape[-1]
    if mode == "zeros":
        parts = []
        xp = engine.get_array_module(x.array)
        for n in (left, None, right):
            if n is None:
                parts.append(x)
            elif n:
                parts.append(engine.Tensor._wrap(xp.zeros(tuple(x.shape[:-1]) + (n,), dtype=x.dtype)))
        return engine.concatenate(parts, axis=-1)
    pos = np.arange(-left, L + right)
    if mode == "circular":
        idx = pos % L
    elif mode == "replicate":
        idx = np.clip(pos, 0, L - 1)
    else:  # reflect: mirror without repeating the edge
        if left >= L or right >= L:
            raise ValueError(f"pad: reflect padding ({left}, {right}) must be smaller than the input size {L}")
        period = 2 * (L - 1)
        idx = np.abs(pos) % period if period else np.zeros_like(pos)
        idx = np.where(idx >= L, period - idx, idx)
    return x[..., idx]


class _ConvNd1(Module):
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                 output_padding, device, dtype):
        super().__init__()
        name = type(self).__name__
        check_conv_layer(name, in_channels, out_channels, groups, padding_mode)
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = ntuple(kernel_size, 1, "kernel_size", name)
        self.stride = ntuple(stride, 1, "stride", name)
        self.dilation = ntuple(dilation, 1, "dilation", name)
        self.output_padding = ntuple(output_padding, 1, "output_padding", name)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: padding must be an int, 'valid' or 'same', got {padding!r}")
            if padding == "same" and self.stride[0] != 1:
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, 1, "padding", name)
        self.padding_mode = padding_mode
        k = self.kernel_size[0]
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, k)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, k)
        self.weight = Parameter(engine.zeros(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(engine.zeros(self.out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _pads(self):
        """(left, right) padding of the input."""
        if self.padding == "valid":
            return 0, 0
        if self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            return total // 2, total - total // 2
        return self.padding[0], self.padding[0]

    def _batched(self, x):
        name = type(self).__name__
        if not isinstance(x, engine.Tensor):
            x = engine.as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[-2] != self.in_channels:
            raise ValueError(f"{name}: expected input of shape (N, {self.in_channels}, L) or ({self.in_channels}, L), "
                             f"got {x.shape}")
        return (x.reshape(1, x.shape[0], x.shape[1]), True) if x.ndim == 2 else (x, False)

    def extra_repr(self) -> str:
        return conv_extra_repr(self)

    def _grouped(self, conv, x4, w4, conf, unbatched):
        """``conv`` (engine.conv2d or conv_transpose2d, keywords ``conf``) of the (N, C, 1, L) input ``x4`` with
        the (., ., 1, k) weight ``w4``, one call per group, as (N, C_out, L_out) (or (C_out, L_out) unbatched)."""
        g = self.groups
        if g == 1:
            y = conv(x4, w4, self.bias, **conf)
        else:
            xs, ws = chunk(x4, g, 1), chunk(w4, g, 0)
            bs = chunk(self.bias, g, 0) if self.bias is not None else [None] * g
            y = engine.concatenate([conv(a, w, b, **conf) for a, w, b in zip(xs, ws, bs)], axis=1)
        y = y.reshape(x4.shape[0], self.out_channels, y.shape[-1])
        return y.reshape(y.shape[1], y.shape[2]) if unbatched else y


class Conv1d(_ConvNd1):
    """1-d cross-correlation over (N, C_in, L) -> (N, C_out, L_out), as ``torch.nn.Conv1d``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input):
        x, unbatched = self._batched(input)
        left, right = self._pads()
        pad = 0
        if self.padding_mode != "zeros" or left != right:
            x = pad_last_axis(x, left, right, self.padding_mode)
        else:
            pad = left
        N, _, L = x.shape
        k, g = self.kernel_size[0], self.groups
        if L + 2 * pad < self.dilation[0] * (k - 1) + 1:
            raise ValueError(f"Conv1d: input of length {input.shape[-1]} (padded {L + 2 * pad}) is shorter than the "
                             f"dilated kernel ({self.dilation[0] * (k - 1) + 1})")
        x4 = x.reshape(N, self.in_channels, 1, L)
        w4 = self.weight.reshape(self.out_channels, self.in_channels // g, 1, k)
        conf = dict(stride=(1, self.stride[0]), padding=(0, pad), dilation=(1, self.dilation[0]))
        return self._grouped(engine.conv2d, x4, w4, conf, unbatched)


class ConvTranspose1d(_ConvNd1):
    """The adjoint of Conv1d (a "deconvolution"), (N, C_in, L) -> (N, C_out, L_out), as ``torch.nn.ConvTranspose1d``.

    ``L_out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``; ``forward``
    also takes torch's ``output_size`` to pick ``output_padding``.  Only ``padding_mode="zeros"``, as torch."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose1d: only 'zeros' padding mode is supported, got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose1d: padding must be an int, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def forward(self, input, output_size=None):
        x, unbatched = self._batched(input)
        N, _, L = x.shape
        k, s, p, d, g = self.kernel_size[0], self.stride[0], self.padding[0], self.dilation[0], self.groups
        op = self.output_padding[0]
        if output_size is not None:
            want = int(list(output_size)[-1])
            base = (L - 1) * s - 2 * p + d * (k - 1) + 1
            op = want - base
            if not 0 <= op < max(s, d):
                raise ValueError(f"ConvTranspose1d: requested output size {want} is not reachable from input length "
                                 f"{L} (between {base} and {base + max(s, d) - 1})")
        x4 = x.reshape(N, self.in_channels, 1, L)
        w4 = self.weight.reshape(self.in_channels, self.out_channels // g, 1, k)
        conf = dict(stride=(1, s), padding=(0, p), output_padding=(0, op), dilation=(1, d))
        return self._grouped(engine.conv_transpose2d, x4, w4, conf, unbatched)
