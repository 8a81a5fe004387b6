"""2-D pooling ops on the pooling kernels: max, average and adaptive average pooling.

Max pooling keeps the forward's argmax indexes; its backward is a deterministic gather over them
(``MaxPool2dBackward``), and the adjoint of that is a plain gather of the plane at those indexes
(``MaxPool2dGather``), so the pair is closed under differentiation.  Average pooling is linear: its
backward's adjoint is the forward again.  Every pooling op is therefore twice (and more)
differentiable.  Output sizes follow PyTorch (floor, ``ceil_mode=False`` by default, average pooling
counts padding as PyTorch's default ``count_include_pad=True``).
"""
from __future__ import annotations

import kernels

from ..backend import get_array_module
from ..function import Function
from ._util import ntuple, operand


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, conf):
        y, idx = kernels.max_pool2d_forward(x, *conf)
        ctx.idx, ctx.conf, ctx.x_shape = idx, conf, x.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        return MaxPool2dBackward.apply(gy, ctx.idx, ctx.x_shape, ctx.conf), None


class MaxPool2dBackward(Function):
    """Input gradient of max pooling from the argmax indexes (linear in ``gy``)."""

    @staticmethod
    def forward(ctx, gy, idx, x_shape, conf):
        ctx.idx = idx
        ctx.rest = (x_shape, conf)
        return kernels.max_pool2d_backward(gy, idx, x_shape, *conf)

    @staticmethod
    def backward(ctx, ggx):
        return MaxPool2dGather.apply(ggx, ctx.idx, *ctx.rest), None, None, None


class MaxPool2dGather(Function):
    """``g[n, c, idx[n, c, i, j]]`` over each flattened input plane: the adjoint of MaxPool2dBackward."""

    @staticmethod
    def forward(ctx, g, idx, x_shape, conf):
        xp = get_array_module(g)
        n, c = idx.shape[:2]
        ctx.idx, ctx.rest = idx, (x_shape, conf)
        flat = g.reshape(n, c, -1)
        return xp.take_along_axis(flat, idx.reshape(n, c, -1).astype(xp.int64), axis=2).reshape(idx.shape)

    @staticmethod
    def backward(ctx, gg):
        return MaxPool2dBackward.apply(gg, ctx.idx, *ctx.rest), None, None, None


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, conf):
        ctx.conf, ctx.x_shape = conf, x.shape
        return kernels.avg_pool2d_forward(x, *conf)

    @staticmethod
    def backward(ctx, gy):
        return AvgPool2dBackward.apply(gy, ctx.x_shape, ctx.conf), None


class AvgPool2dBackward(Function):
    @staticmethod
    def forward(ctx, gy, x_shape, conf):
        ctx.conf = conf
        return kernels.avg_pool2d_backward(gy, x_shape, *conf)

    @staticmethod
    def backward(ctx, ggx):
        return AvgPool2d.apply(ggx, ctx.conf), None, None


class AdaptiveAvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, output_size):
        ctx.output_size, ctx.x_shape = output_size, x.shape
        return kernels.adaptive_avg_pool2d_forward(x, output_size)

    @staticmethod
    def backward(ctx, gy):
        return AdaptiveAvgPool2dBackward.apply(gy, ctx.x_shape, ctx.output_size), None


class AdaptiveAvgPool2dBackward(Function):
    @staticmethod
    def forward(ctx, gy, x_shape, output_size):
        ctx.output_size = output_size
        return kernels.adaptive_avg_pool2d_backward(gy, x_shape)

    @staticmethod
    def backward(ctx, ggx):
        return AdaptiveAvgPool2d.apply(ggx, ctx.output_size), None, None


def _check4d(name, x):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-d input (N, C, H, W), got shape {x.shape}")


def max_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Max pooling; ``stride`` defaults to ``kernel_size`` (PyTorch)."""
    x = operand(x)
    _check4d("max_pool2d", x)
    k = ntuple(kernel_size, 2, "kernel_size", "pool2d")
    s = ntuple(stride, 2, "stride", "pool2d") if stride is not None else k
    conf = (k, s, ntuple(padding, 2, "padding", "pool2d"), (1, 1), bool(ceil_mode))
    return MaxPool2d.apply(x, conf)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Average pooling counting zero padding in the divisor (PyTorch's count_include_pad=True)."""
    x = operand(x)
    _check4d("avg_pool2d", x)
    k = ntuple(kernel_size, 2, "kernel_size", "pool2d")
    s = ntuple(stride, 2, "stride", "pool2d") if stride is not None else k
    conf = (k, s, ntuple(padding, 2, "padding", "pool2d"), bool(ceil_mode), True)
    return AvgPool2d.apply(x, conf)


def adaptive_avg_pool2d(x, output_size):
    """Adaptive average pooling to ``output_size`` (an int or a pair); 1 is global average pooling."""
    x = operand(x)
    _check4d("adaptive_avg_pool2d", x)
    return AdaptiveAvgPool2d.apply(x, ntuple(output_size, 2, "output_size", "pool2d"))
