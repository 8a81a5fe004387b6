"""2-D convolution ops on the im2col kernels: ``conv2d``, ``conv_transpose2d`` and the weight gradient.

The three are each other's adjoints, so each one's backward is written with the other two and the
family is closed under differentiation: higher-order gradients work (gradgradcheck passes).  A plain
first-order backward (no ``create_graph``) takes the fast road instead: one fused kernel call that
computes only the gradients that are needed (``needs_input_grad``), so a network's first layer
never pays for an input gradient nobody wants.  Sizes, weight layouts (conv: (out, in, kh, kw);
transposed: (in, out, kh, kw)) and ``output_padding`` follow PyTorch.
"""
from __future__ import annotations

import kernels

from .. import grad_mode
from ..backend import get_array_module
from ..function import Function
from ._util import autocasting, check_same_device, ntuple, operand


def _bias_grad(gy):
    return gy.sum(axis=(0, 2, 3))


def _output_padding(x_hw, y_hw, k_hw, stride, padding, dilation):
    """The ``output_padding`` that makes a transposed convolution of ``y_hw`` come out at ``x_hw``."""
    return tuple(
        x - ((y - 1) * s - 2 * p + d * (k - 1) + 1)
        for x, y, k, s, p, d in zip(x_hw, y_hw, k_hw, stride, padding, dilation)
    )


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation):
        ctx.conf = (stride, padding, dilation)
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        return kernels.conv2d_forward(x, w, b, stride, padding, dilation)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        s, p, d = ctx.conf
        nx, nw, nb = ctx.needs_input_grad[:3]
        nb = nb and ctx.has_bias
        if not grad_mode.is_grad_enabled():  # first order: one fused kernel pass
            gx, gw, gb = kernels.conv2d_backward(gy.array, x.array, w.array, s, p, d, nx, nw, nb)
            wrap = type(gy)._wrap
            return (wrap(gx) if nx else None, wrap(gw) if nw else None, wrap(gb) if nb else None,
                    None, None, None)
        gx = _conv_input_grad(gy, w, x.shape, s, p, d) if nx else None
        gw = Conv2dWeightGrad.apply(x, gy, tuple(w.shape), s, p, d) if nw else None
        gb = _bias_grad(gy) if nb else None
        return gx, gw, gb, None, None, None


class ConvTranspose2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride, padding, output_padding, dilation):
        xp = get_array_module(x)
        (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw) = (
            w.shape[2:], stride, padding, output_padding, dilation)
        h = (x.shape[2] - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
        wd = (x.shape[3] - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
        if h <= 0 or wd <= 0:
            raise ValueError(f"conv_transpose2d: input {x.shape} with weight {w.shape} gives an empty output ({h}, {wd})")
        shape_only = xp.empty((x.shape[0], w.shape[1], h, wd), dtype=x.dtype)
        y = kernels.conv2d_backward(x, shape_only, w, stride, padding, dilation, True, False, False)[0]
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        ctx.conf = (stride, padding, dilation)
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        s, p, d = ctx.conf
        nx, nw, nb = ctx.needs_input_grad[:3]
        gx = Conv2d.apply(gy, w, None, s, p, d) if nx else None
        gw = Conv2dWeightGrad.apply(gy, x, tuple(w.shape), s, p, d) if nw else None
        gb = _bias_grad(gy) if nb and ctx.has_bias else None
        return gx, gw, gb, None, None, None, None


class Conv2dWeightGrad(Function):
    """d<gy, conv2d(x, w)>/dw: bilinear in (x, gy); its own gradients are the other two convolutions."""

    @staticmethod
    def forward(ctx, x, gy, w_shape, stride, padding, dilation):
        xp = get_array_module(x)
        ctx.conf = (stride, padding, dilation)
        ctx.save_for_backward(x, gy)
        shape_only = xp.empty(w_shape, dtype=x.dtype)
        return kernels.conv2d_backward(gy, x, shape_only, stride, padding, dilation, False, True, False)[1]

    @staticmethod
    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        s, p, d = ctx.conf
        nx, ngy = ctx.needs_input_grad[:2]
        gx = _conv_input_grad(gy, ggw, x.shape, s, p, d) if nx else None
        ggy = Conv2d.apply(x, ggw, None, s, p, d) if ngy else None
        return gx, ggy, None, None, None, None


def _conv_input_grad(gy, w, x_shape, stride, padding, dilation):
    """The input gradient of conv2d as a transposed convolution landing exactly on ``x_shape``."""
    op = _output_padding(x_shape[2:], gy.shape[2:], w.shape[2:], stride, padding, dilation)
    return ConvTranspose2d.apply(gy, w, None, stride, padding, op, dilation)


def _check(name, x, w, b, in_axis):
    check_same_device(name, x, w, *([b] if b is not None else []))
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"{name}: expected a 4-d input (N, C, H, W) and a 4-d weight, got {x.shape} and {w.shape}")
    if x.shape[1] != w.shape[in_axis]:
        raise ValueError(
            f"{name}: input has {x.shape[1]} channels but the weight {w.shape} expects {w.shape[in_axis]}"
        )
    if b is not None and b.shape != (w.shape[1 - in_axis],):
        raise ValueError(f"{name}: bias shape {b.shape} does not match {w.shape[1 - in_axis]} output channels")
    if x.dtype != w.dtype and not autocasting(x):
        raise TypeError(f"{name}: input dtype {x.dtype} and weight dtype {w.dtype} differ")


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """PyTorch's conv2d (cross-correlation): x (N, C, H, W), w (C_out, C, kh, kw), b (C_out,)."""
    x, w = operand(x), operand(w)
    b = operand(b) if b is not None else None
    _check("conv2d", x, w, b, 1)
    conf = (ntuple(stride, 2, "stride", "conv2d"), ntuple(padding, 2, "padding", "conv2d"),
            ntuple(dilation, 2, "dilation", "conv2d"))
    return Conv2d.apply(x, w, b, *conf)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """PyTorch's conv_transpose2d: x (N, C_in, H, W), w (C_in, C_out, kh, kw), b (C_out,)."""
    x, w = operand(x), operand(w)
    b = operand(b) if b is not None else None
    _check("conv_transpose2d", x, w, b, 0)
    s, d = ntuple(stride, 2, "stride", "conv_transpose2d"), ntuple(dilation, 2, "dilation", "conv_transpose2d")
    op = ntuple(output_padding, 2, "output_padding", "conv_transpose2d")
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise ValueError(f"conv_transpose2d: output_padding {op} must be smaller than stride {s} or dilation {d}")
    return ConvTranspose2d.apply(x, w, b, s, ntuple(padding, 2, "padding", "conv_transpose2d"), op, d)
