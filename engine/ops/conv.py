"""2-D convolution ops on the convolution kernels: ``conv2d``, ``conv_transpose2d`` and their gradients.

The arguments are checked once, here at the door, into a frozen ``Conv2dParams``
(``engine/ops/conv_params.py``) that the kernels take as it is.  A transposed convolution is the input
gradient of the convolution described by its params (the one it is the adjoint of).

``conv2d``, ``conv_transpose2d`` and the weight gradient (``Conv2dWeightGrad``) are each other's adjoints,
so each one's backward is written with the other two and the family is closed under differentiation.
``Conv2d``'s backward is one fused kernel pass (``Conv2dGrad``, Chainer's ``ReLUGrad2`` idiom) computing
only the gradients that are needed (``needs_input_grad``), so a network's first layer never pays for an
input gradient nobody wants; its own backward is written with the three ops, so gradgradcheck passes.
When the weight needs a gradient, the forward keeps the im2col columns where the twin offers them (the
CUDA twin, within the memory budget) and the weight gradient reuses them.  Sizes, weight layouts
(conv: (out, in, kh, kw); transposed: (in, out, kh, kw)) and ``output_padding`` follow PyTorch.
"""
from __future__ import annotations

import kernels

from ..function import Function
from ._util import autocasting, check_same_device, ntuple, operand
from .conv_params import conv2d_params


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, params):
        ctx.params, ctx.has_bias = params, b is not None
        columns = None
        if ctx.needs_input_grad[1]:  # the weight gradient may reuse the forward's columns
            y, columns = kernels.conv2d_forward_keeping_columns(x, w, b, params)
        else:
            y = kernels.conv2d_forward(x, w, b, params)
        ctx.save_for_backward(x, w, columns)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w, columns = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        needs = (nx, nw, nb and ctx.has_bias)
        grads = Conv2dGrad.apply(gy, x, w, ctx.params, needs, columns.array if columns is not None else None)
        return split_by_needs(grads, needs) + (None,)


class Conv2dGrad(Function):
    """``(gx, gw, gb)`` of conv2d, only those in ``needs``, in one fused kernel pass (``columns``: the forward's
    im2col columns, or None to recompute them).  Its backward is written with the convolution ops, so
    conv2d stays twice differentiable."""

    @staticmethod
    def forward(ctx, gy, x, w, params, needs, columns):
        ctx.params, ctx.needs = params, needs
        ctx.save_for_backward(gy, x, w)
        grads = kernels.conv2d_backward(gy, x, w, params, *needs, columns=columns)
        return tuple(g for g in grads if g is not None)

    @staticmethod
    def backward(ctx, *hs):
        p = ctx.params
        return grads_of_grads(ctx, hs, Conv2d, lambda gy, hw: ConvTranspose2d.apply(gy, hw, None, p),
                              lambda hx, gy: Conv2dWeightGrad.apply(hx, gy, p)) + (None, None, None)


def split_by_needs(hs, needs) -> tuple:
    """``hs`` (the gradients a Grad Function computed, or those flowing back into them) spread over the
    ``(x, w, b)`` triple, None where ``needs`` is False."""
    hs = list(hs)
    return tuple(hs.pop(0) if need else None for need in needs)


def grads_of_grads(ctx, hs, conv, input_grad, weight_grad) -> tuple:
    """The backward of a convolution's Grad Function (saved ``(gy, x, w)``, ``ctx.needs``, ``ctx.params``) for
    the incoming ``hs``: ``(d/dgy, d/dx, d/dw)`` of ``<hx, gx> + <hw, gw> + <hb, gb>``.  Each gradient is linear
    in gy, so d/dgy is ``conv(hx, w) + conv(x, hw)`` plus ``hb`` broadcast (``conv``: the forward Function);
    gx is bilinear in (gy, w), so d/dx of ``<hw, gw(x, gy)>`` is ``input_grad(gy, hw)``, and d/dw of
    ``<hx, gx(gy, w)>`` is ``weight_grad(hx, gy)`` (the terms whose ``h`` was given)."""
    gy, x, w = ctx.saved_tensors
    hx, hw, hb = split_by_needs(hs, ctx.needs)
    ngy, nx, nw = ctx.needs_input_grad[:3]
    ggy = None
    if ngy:
        parts = ([conv.apply(hx, w, None, ctx.params)] if hx is not None else []) + (
            [conv.apply(x, hw, None, ctx.params)] if hw is not None else [])
        if hb is not None:
            parts.append(hb.reshape(1, -1, 1, 1).expand(*gy.shape))
        for part in parts:
            ggy = part if ggy is None else ggy + part
    gx = input_grad(gy, hw) if nx and hw is not None else None
    gw = weight_grad(hx, gy) if nw and hx is not None else None
    return ggy, gx, gw


class ConvTranspose2d(Function):
    """The transposed convolution: the input gradient of the convolution ``params`` describes (whose output
    is this op's input ``x``), plus a bias."""

    @staticmethod
    def forward(ctx, x, w, b, params):
        y = kernels.conv2d_backward(x, None, w, params, True, False, False)[0]
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        ctx.params, ctx.has_bias = params, b is not None
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        p = ctx.params
        nx, nw, nb = ctx.needs_input_grad[:3]
        gx = Conv2d.apply(gy, w, None, p) if nx else None
        gw = Conv2dWeightGrad.apply(gy, x, p) if nw else None
        gb = gy.sum(axis=(0, 2, 3)) if nb and ctx.has_bias else None
        return gx, gw, gb, None


class Conv2dWeightGrad(Function):
    """d<gy, conv2d(x, w)>/dw: bilinear in (x, gy); its own gradients are the other two convolutions."""

    @staticmethod
    def forward(ctx, x, gy, params):
        ctx.params = params
        ctx.save_for_backward(x, gy)
        return kernels.conv2d_backward(gy, x, None, params, False, True, False)[1]

    @staticmethod
    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        p = ctx.params
        nx, ngy = ctx.needs_input_grad[:2]
        gx = ConvTranspose2d.apply(gy, ggw, None, p) if nx else None
        ggy = Conv2d.apply(x, ggw, None, p) if ngy else None
        return gx, ggy, None


def check_conv_args(name, x, w, b, out_channels):
    """Same device, 4-d input and weight, a (C_out,) bias, one dtype (outside autocast): else an error naming ``name``."""
    check_same_device(name, x, w, *([b] if b is not None else []))
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"{name}: expected a 4-d input (N, C, H, W) and a 4-d weight, got {x.shape} and {w.shape}")
    if b is not None and b.shape != (out_channels,):
        raise ValueError(f"{name}: bias shape {b.shape} does not match {out_channels} output channels")
    if not autocasting(x) and (x.dtype != w.dtype or (b is not None and b.dtype != x.dtype)):
        raise TypeError(f"{name}: input dtype {x.dtype}, weight dtype {w.dtype} and bias dtype "
                        f"{None if b is None else b.dtype} differ")


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """PyTorch's conv2d (cross-correlation): x (N, C, H, W), w (C_out, C, kh, kw), b (C_out,)."""
    x, w = operand(x), operand(w)
    b = operand(b) if b is not None else None
    check_conv_args("conv2d", x, w, b, w.shape[0] if w.ndim == 4 else None)
    return Conv2d.apply(x, w, b, conv2d_params("conv2d", x.shape, w.shape, stride, padding, dilation))


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """PyTorch's conv_transpose2d: x (N, C_in, H, W), w (C_in, C_out, kh, kw), b (C_out,)."""
    name = "conv_transpose2d"
    x, w = operand(x), operand(w)
    b = operand(b) if b is not None else None
    check_conv_args(name, x, w, b, w.shape[1] if w.ndim == 4 else None)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"{name}: input has {x.shape[1]} channels but the weight {w.shape} expects {w.shape[0]}")
    s, p, d = (ntuple(v, 2, what, name) for v, what in ((stride, "stride"), (padding, "padding"),
                                                         (dilation, "dilation")))
    op = ntuple(output_padding, 2, "output_padding", name)
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise ValueError(f"{name}: output_padding {op} must be smaller than stride {s} or dilation {d}")
    if any(o >= si for o, si in zip(op, s)):
        raise ValueError(f"{name}: output_padding {op} at least the stride {s} (allowed by a larger dilation "
                         f"{d}) is not supported")
    (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw) = w.shape[2:], s, p, op, d
    h = (x.shape[2] - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    wd = (x.shape[3] - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    if h <= 0 or wd <= 0:
        raise ValueError(f"{name}: input {x.shape} with weight {w.shape} gives an empty output ({h}, {wd})")
    # the convolution this one is the adjoint of: from the (N, C_out, h, wd) output back to x's shape
    params = conv2d_params(name, (x.shape[0], w.shape[1], h, wd), w.shape, s, p, d)
    return ConvTranspose2d.apply(x, w, b, params)
