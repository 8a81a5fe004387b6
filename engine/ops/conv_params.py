"""``Conv2dParams``: one 2-d convolution's geometry, normalised and checked once at the op's door.

``conv2d_params(op, x_shape, w_shape, stride, padding, dilation, groups=1)`` turns an int-or-pair
``stride``, ``padding`` and ``dilation`` into pairs, checks them against the input (N, C, H, W) and weight
(C_out, C / groups, kh, kw) shapes and computes the output size once (PyTorch's
``floor((H + 2p - d (k - 1) - 1) / s) + 1`` per axis).  Every bad value raises a ``ValueError`` that
names ``op`` and the offending numbers, before anything is computed.

The kernels (``kernels.conv2d_forward`` / ``conv2d_backward`` / ``im2col`` / ``col2im`` and both twins)
take the frozen object as it is and never check it again; they only read its attributes (duck typing:
``kernels`` does not import ``engine``).  A transposed convolution is described by the params of the
convolution it is the adjoint of (its input is that convolution's output).
"""
from __future__ import annotations

from dataclasses import dataclass

from kernels._tuples import ntuple


@dataclass(frozen=True)
class Conv2dParams:
    """Input and weight shapes, stride / padding / dilation pairs and the output size of one conv2d."""

    x_shape: tuple  # (N, C, H, W)
    w_shape: tuple  # (C_out, C, kh, kw)
    stride: tuple
    padding: tuple
    dilation: tuple
    out_hw: tuple  # (OH, OW)
    groups: int = 1  # torch's groups: input channel c feeds outputs c * C_out / groups ... (only the depthwise
    #                  kernels take groups > 1, where groups == C: kernels/cpu/conv_depthwise.py)

    @property
    def kernel_size(self) -> tuple:
        return self.w_shape[2:]

    @property
    def y_shape(self) -> tuple:
        return (self.x_shape[0], self.w_shape[0]) + self.out_hw

    @property
    def taps(self) -> int:
        """Multiply-adds per output value: C / groups * kh * kw (the column matrix's width)."""
        return self.w_shape[1] * self.w_shape[2] * self.w_shape[3]

    @property
    def p(self) -> tuple:
        """``(kh, kw, sh, sw, ph, pw, dh, dw)``, the flat form the CPU kernels take."""
        return self.w_shape[2:] + self.stride + self.padding + self.dilation

    @property
    def empty(self) -> bool:
        """No multiply-adds at all (an empty batch or zero channels): the result is zeros (plus bias)."""
        n, c = self.x_shape[:2]
        return n * c * self.w_shape[0] == 0


def conv2d_params(op, x_shape, w_shape, stride=1, padding=0, dilation=1, groups=1) -> Conv2dParams:
    """The checked :class:`Conv2dParams` of ``op`` (the name error messages use)."""
    x_shape, w_shape = tuple(int(v) for v in x_shape), tuple(int(v) for v in w_shape)
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"{op}: expected a 4-d input (N, C, H, W) and a 4-d weight, got {x_shape} and {w_shape}")
    if x_shape[1] != w_shape[1] * groups or w_shape[0] % groups:
        grouped = f" with groups={groups} (output channels divisible by groups)" if groups != 1 else ""
        raise ValueError(f"{op}: input has {x_shape[1]} channels but the weight {w_shape}{grouped} expects "
                         f"{w_shape[1] * groups}")
    s, p, d = (ntuple(v, 2, name, op) for v, name in ((stride, "stride"), (padding, "padding"),
                                                      (dilation, "dilation")))
    k = w_shape[2:]
    if min(k + s + d) < 1 or min(p) < 0:
        raise ValueError(f"{op}: kernel_size {k}, stride {s} and dilation {d} must be >= 1 and padding {p} >= 0")
    out = tuple((x + 2 * pi - di * (ki - 1) - 1) // si + 1 for x, ki, si, pi, di in zip(x_shape[2:], k, s, p, d))
    if min(out) < 1:
        raise ValueError(f"{op}: input {x_shape} is too small for kernel {k} with stride {s}, padding {p}, "
                         f"dilation {d}")
    return Conv2dParams(x_shape, w_shape, s, p, d, out, int(groups))
