"""Depthwise 2-d convolution (torch's ``conv2d(..., groups=C)``, MobileNet's layer) on its own direct kernels.

``conv2d`` with ``groups == C`` comes here from ``engine/ops/conv_grouped.py``: each input channel has its own
``m = C_out / C`` filters, weight (C*m, 1, kh, kw).  The im2col path spent its time copying columns for
tiny per-group GEMMs; the twins ``kernels/{cpu,cuda}/conv_depthwise.py`` loop over the taps directly.

The family is closed under differentiation as ``engine/ops/conv.py``'s is: ``DepthwiseConv2dGrad`` computes
the gradients asked for (``needs``) in one Function, and its own backward is written with
``DepthwiseConv2d`` and itself (the input gradient is linear in (gy, w), the weight gradient in (x, gy)),
so the op is differentiable to any order.
"""
from __future__ import annotations

import kernels

from ..function import Function
from .conv import grads_of_grads, split_by_needs


class DepthwiseConv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, params):
        ctx.params, ctx.has_bias = params, b is not None
        ctx.save_for_backward(x, w)
        return kernels.depthwise_conv2d_forward(x, w, b, params)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        needs = (nx, nw, nb and ctx.has_bias)
        return split_by_needs(DepthwiseConv2dGrad.apply(gy, x, w, ctx.params, needs), needs) + (None,)


class DepthwiseConv2dGrad(Function):
    """``(gx, gw, gb)`` of the depthwise convolution, only those in ``needs`` (``x`` may be None when no
    weight gradient is asked for, ``w`` when no input gradient is)."""

    @staticmethod
    def forward(ctx, gy, x, w, params, needs):
        ctx.params, ctx.needs = params, needs
        ctx.save_for_backward(gy, x, w)
        grads = (kernels.depthwise_conv2d_input_grad(gy, w, params) if needs[0] else None,
                 kernels.depthwise_conv2d_weight_grad(gy, x, params) if needs[1] else None,
                 gy.sum(axis=(0, 2, 3)) if needs[2] else None)
        return tuple(g for g in grads if g is not None)

    @staticmethod
    def backward(ctx, *hs):
        p = ctx.params
        return grads_of_grads(ctx, hs, DepthwiseConv2d,
                              lambda gy, hw: DepthwiseConv2dGrad.apply(gy, None, hw, p, (True, False, False))[0],
                              lambda hx, gy: DepthwiseConv2dGrad.apply(gy, hx, None, p, (False, True, False))[0]
                              ) + (None, None)
