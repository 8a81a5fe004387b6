"""Fused activations as engine ops, one kernel pass each way (``kernels.activation_forward/backward``).

``FusedActivation`` is one Function for the whole family: ``act(x + bias)`` with an optional bias and,
for PReLU, a slope broadcast along the channel axis (axis 1); the backward pass computes ``gx`` and, only
when they are needed, the bias and slope gradients, all in one kernel pass.  The user functions:
``leaky_relu``, ``prelu``, ``elu``, ``silu``/``swish``, ``mish``, ``softplus`` (beta, threshold as
PyTorch), ``softsign``, ``log_sigmoid``, ``sinc`` (unnormalised: ``sin(x)/x``, 1 at 0),
``hard_threshold`` (step: 1 where ``x >= threshold``), ``abs_rectifier`` and ``bias_act`` (bias-add +
any of them, for Linear / Conv outputs).  ``relu``, ``sigmoid``, ``tanh`` and ``abs`` stay the core
elementwise ops (twice differentiable); ``bias_act`` reaches their fused kernels too.

The backward runs on raw arrays, so these ops are once differentiable: differentiating their
gradient again raises "<name>: its backward is not twice differentiable" (``engine.once_differentiable``).
"""
from __future__ import annotations

import kernels

from ..function import Function, once_differentiable
from ._util import autocasting, check_same_device, operand


class FusedActivation(Function):
    @staticmethod
    def forward(ctx, x, bias, weight, name, alpha, beta, axis):
        ctx.conf = (name, alpha, beta, axis)
        y = kernels.activation_forward(x, name, alpha, beta, bias, weight, axis)
        ctx.save_for_backward(x, bias, weight, y)
        return y

    @staticmethod
    @once_differentiable("fused activation")
    def backward(ctx, gy):
        x, bias, weight, y = ctx.saved_arrays
        name, alpha, beta, axis = ctx.conf
        nx, nb, nw = ctx.needs_input_grad[:3]
        gx, gb, gw = kernels.activation_backward(gy, x, name, y, alpha, beta, bias, weight, axis,
                                                 need_bias=nb, need_weight=nw)
        return (gx if nx else None), gb, gw, None, None, None, None


def _apply(x, name, alpha=None, beta=None, bias=None, weight=None, axis=1):
    x = operand(x)
    bias = None if bias is None else operand(bias)
    weight = None if weight is None else operand(weight)
    check_same_device(name, x, *(t for t in (bias, weight) if t is not None))
    if bias is not None or (weight is not None and weight.numel() != 1):
        if x.ndim < 2 and not (x.ndim == 1 and bias is not None and axis in (0, -1)):
            raise ValueError(f"{name}: a per-channel parameter needs an input with a channel axis, got shape {x.shape}")
        c = x.shape[axis]
        if weight is not None and weight.numel() not in (1, c):
            raise ValueError(f"{name}: {weight.numel()} slopes do not match the {c} channels (axis {axis}) of input {x.shape}")
        if bias is not None and bias.shape != (c,):
            raise ValueError(f"{name}: bias of shape {bias.shape} does not match the {c} channels (axis {axis}) of input {x.shape}")
    for what, t in (("bias", bias), ("weight", weight)):
        if t is not None and t.dtype != x.dtype and not autocasting(x):
            raise TypeError(f"{name}: {what} dtype {t.dtype} differs from input dtype {x.dtype}")
    if x.dtype.kind != "f" and not autocasting(x):
        raise TypeError(f"{name}: expected a floating-point input, got {x.dtype}")
    return FusedActivation.apply(x, bias, weight, name, alpha, beta, axis)


def leaky_relu(x, negative_slope=0.01):
    return _apply(x, "leaky_relu", negative_slope)


def prelu(x, weight):
    """Leaky ReLU with a learnable slope: ``weight`` has 1 value or one per channel (axis 1)."""
    return _apply(x, "prelu", weight=weight)


def elu(x, alpha=1.0):
    return _apply(x, "elu", alpha)


def silu(x):
    return _apply(x, "silu")


swish = silu


def mish(x):
    return _apply(x, "mish")


def softplus(x, beta=1.0, threshold=20.0):
    return _apply(x, "softplus", beta, threshold)


def softsign(x):
    return _apply(x, "softsign")


def log_sigmoid(x):
    return _apply(x, "log_sigmoid")


def sinc(x):
    return _apply(x, "sinc")


def hard_threshold(x, threshold=0.0):
    return _apply(x, "hard_threshold", threshold)


def abs_rectifier(x):
    return _apply(x, "abs")


def bias_act(x, bias, activation="identity", axis=1, alpha=None, beta=None, weight=None):
    """``activation(x + bias)`` with ``bias`` along ``axis`` (1 for NCHW, -1 for Linear outputs), fused."""
    return _apply(x, activation, alpha, beta, bias, weight, axis)
