"""torch's sliding blocks: ``F.unfold`` (im2col) and ``F.fold`` (col2im), as two ops that are each other's adjoint.

``unfold(x, kernel_size, dilation, padding, stride)`` turns (N, C, H, W) into (N, C*kh*kw, L): one column
per position of the kernel window (L = OH*OW of the equivalent convolution), its entries the window's
values in (channel, row, column) order -- the layout of a conv2d weight flattened to (C_out, C*kh*kw), so
``weight.view(C_out, -1) @ unfold(x)`` is the convolution.  ``fold(cols, output_size, ...)`` is its
adjoint: every column entry summed onto the pixel it was read from (overlapping windows add up).  Both run
on the convolution kernels' ``im2col`` / ``col2im`` twins (``kernels/conv2d.py``), so they run on either
device; both are linear, and each one's backward is the other, so they are differentiable to any order.

Shapes, argument order and the unbatched forms ((C, H, W) for unfold, (C*kh*kw, L) for fold) are torch's.
Floating-point dtypes only (torch has no integer im2col either); bad shapes raise ValueError naming the
op and the numbers, before anything is computed.
"""
from __future__ import annotations

import kernels

from ..function import Function
from ._util import ntuple, operand
from .conv_params import conv2d_params
from .shape import Reshape


class Unfold(Function):
    @staticmethod
    def forward(ctx, x, params):
        ctx.params = params
        return kernels.im2col(x, params)

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, ctx.params), None


class Fold(Function):
    @staticmethod
    def forward(ctx, cols, params):
        ctx.params = params
        return kernels.col2im(cols, params)

    @staticmethod
    def backward(ctx, g):
        return Unfold.apply(g, ctx.params), None


def _geometry(name, x_shape, kernel_size, dilation, padding, stride):
    """The Conv2dParams of a one-output-channel convolution over ``x_shape`` with this window."""
    k = ntuple(kernel_size, 2, "kernel_size", name)
    return conv2d_params(name, x_shape, (1, x_shape[1]) + k, stride, padding, dilation)


def _floating(name, x):
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point input, got {x.dtype}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """torch.nn.functional.unfold: (N, C, H, W) -> (N, C*kh*kw, L); (C, H, W) -> (C*kh*kw, L)."""
    x = operand(input)
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        raise ValueError(f"unfold: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input with non-zero C, H, W, got "
                         f"{tuple(x.shape)}")
    _floating("unfold", x)
    batched = x if x.ndim == 4 else Reshape.apply(x, (1,) + tuple(x.shape))
    cols = Unfold.apply(batched, _geometry("unfold", tuple(batched.shape), kernel_size, dilation, padding, stride))
    return cols if x.ndim == 4 else Reshape.apply(cols, tuple(cols.shape[1:]))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """torch.nn.functional.fold: (N, C*kh*kw, L) -> (N, C, H, W) with (H, W) = ``output_size``, the sum of
    the blocks; (C*kh*kw, L) -> (C, H, W)."""
    cols = operand(input)
    if cols.ndim not in (2, 3) or 0 in cols.shape[-2:]:
        raise ValueError(f"fold: expected a 2-d (C*kh*kw, L) or 3-d (N, C*kh*kw, L) input with non-zero sizes, got "
                         f"{tuple(cols.shape)}")
    _floating("fold", cols)
    kh, kw = ntuple(kernel_size, 2, "kernel_size", "fold")
    batched = cols if cols.ndim == 3 else Reshape.apply(cols, (1,) + tuple(cols.shape))
    n, ckk, length = batched.shape
    if kh < 1 or kw < 1 or ckk % (kh * kw):
        raise ValueError(f"fold: input size(-2) {ckk} is not divisible by the kernel's kh*kw = {kh}*{kw}")
    h, w = ntuple(output_size, 2, "output_size", "fold")
    params = _geometry("fold", (n, ckk // (kh * kw), h, w), (kh, kw), dilation, padding, stride)
    oh, ow = params.out_hw
    if length != oh * ow:
        raise ValueError(f"fold: output_size {(h, w)} with kernel_size {(kh, kw)}, dilation {params.dilation}, "
                         f"padding {params.padding} and stride {params.stride} has {oh} * {ow} = {oh * ow} "
                         f"blocks, but the input has {length} (size(-1))")
    out = Fold.apply(batched, params)
    return out if cols.ndim == 3 else Reshape.apply(out, tuple(out.shape[1:]))
