"""2-D pooling ops on the pooling kernels: max (with ``dilation`` and ``return_indices``), average
(``count_include_pad``, ``divisor_override``) and adaptive average pooling, as torch's functional forms.

Each user function checks its arguments once, into a ``Pool2dParams`` (engine/ops/pool_params.py), and the
Functions hand that to the kernels.  Max pooling keeps the forward's argmax indexes; its backward is a
deterministic gather over them (``MaxPool2dBackward``), and the adjoint of that is a plain gather of the
plane at those indexes (``MaxPool2dGather``), so the pair is closed under differentiation.  Average pooling
is linear: its backward's adjoint is the forward again.  Every pooling op is therefore twice (and more)
differentiable, each backward a Grad Function whose own backward is defined.  Output sizes follow PyTorch
(floor, ``ceil_mode=False`` by default; ``count_include_pad=True`` by default).
"""
from __future__ import annotations

import numpy as np

import kernels

from ..backend import get_array_module
from ..function import Function
from ._util import operand
from .pool_params import adaptive_size, check_input, pool2d_params, window_counts


def _x_shape(gy, p):
    return tuple(gy.shape[:2]) + p.in_size


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, p):
        y, ctx.idx = kernels.max_pool2d_forward(x, p)
        ctx.p = p
        return y

    @staticmethod
    def backward(ctx, gy):
        return MaxPool2dBackward.apply(gy, ctx.idx, ctx.p), None


class MaxPool2dWithIndices(Function):
    """Max pooling that also returns torch's indexes (int64 flat positions in each input plane)."""

    @staticmethod
    def forward(ctx, x, p):
        y, ctx.idx = kernels.max_pool2d_forward(x, p)
        ctx.p = p
        out_idx = ctx.idx.astype(np.int64)
        ctx.mark_non_differentiable(out_idx)
        return y, out_idx

    @staticmethod
    def backward(ctx, gy, gidx):
        return MaxPool2dBackward.apply(gy, ctx.idx, ctx.p), None


class MaxPool2dBackward(Function):
    """Input gradient of max pooling from the argmax indexes (linear in ``gy``)."""

    @staticmethod
    def forward(ctx, gy, idx, p):
        ctx.idx, ctx.p = idx, p
        return kernels.max_pool2d_backward(gy, idx, p)

    @staticmethod
    def backward(ctx, ggx):
        return MaxPool2dGather.apply(ggx, ctx.idx, ctx.p), None, None


class MaxPool2dGather(Function):
    """``g[n, c, idx[n, c, i, j]]`` over each flattened input plane: the adjoint of MaxPool2dBackward."""

    @staticmethod
    def forward(ctx, g, idx, p):
        xp = get_array_module(g)
        n, c = idx.shape[:2]
        ctx.idx, ctx.p = idx, p
        flat = g.reshape(n, c, -1)
        return xp.take_along_axis(flat, idx.reshape(n, c, -1).astype(xp.int64), axis=2).reshape(idx.shape)

    @staticmethod
    def backward(ctx, gg):
        return MaxPool2dBackward.apply(gg, ctx.idx, ctx.p), None, None


class _LinearPool2d(Function):
    """A linear pooling map: ``kernels.<kernel>(x, arg)`` with the op's one fixed argument (pooling parameters,
    an output size or an input shape).  Its backward is the adjoint map ``adjoint`` (another _LinearPool2d),
    applied with the argument that ``adjoint_arg`` gives it, so every pooling of this kind is differentiable to
    any order."""

    kernel: str
    adjoint: type

    @staticmethod
    def adjoint_arg(x, arg):
        """The adjoint's argument: the same pooling parameters (average pooling)."""
        return arg

    @staticmethod
    def forward(ctx, x, arg):
        ctx.arg_of_adjoint = ctx.adjoint_arg(x, arg)
        return getattr(kernels, ctx.kernel)(x, arg)

    @staticmethod
    def backward(ctx, gy):
        return ctx.adjoint.apply(gy, ctx.arg_of_adjoint), None


class AvgPool2d(_LinearPool2d):
    """Average pooling with the parameters ``p`` (``count_include_pad`` in them)."""


class AvgPool2dBackward(_LinearPool2d):
    """The adjoint of AvgPool2d (its input gradient): each output's share spread over its window."""


class AdaptiveAvgPool2d(_LinearPool2d):
    """Adaptive average pooling of ``x`` to ``arg``, an output size; its adjoint spreads back to x's shape."""

    @staticmethod
    def adjoint_arg(x, out_size):
        return x.shape


class AdaptiveAvgPool2dBackward(_LinearPool2d):
    """The adjoint of AdaptiveAvgPool2d: ``gy`` spread to ``arg``, an input shape; its adjoint pools back."""

    @staticmethod
    def adjoint_arg(gy, x_shape):
        return gy.shape[2:]


def _adjoint_pair(a, b, kernel_a, kernel_b):
    """Make the maps ``a`` (applied by ``kernels.<kernel_a>``) and ``b`` (by ``kernel_b``) each other's adjoint."""
    a.kernel, a.adjoint = kernel_a, b
    b.kernel, b.adjoint = kernel_b, a


_adjoint_pair(AvgPool2d, AvgPool2dBackward, "avg_pool2d_forward", "avg_pool2d_backward")
_adjoint_pair(AdaptiveAvgPool2d, AdaptiveAvgPool2dBackward, "adaptive_avg_pool2d_forward",
              "adaptive_avg_pool2d_backward")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """torch's max_pool2d (``stride`` defaults to ``kernel_size``); with ``return_indices`` also the flat
    argmax indexes per input plane."""
    x = operand(input)
    p = pool2d_params("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2dWithIndices.apply(x, p) if return_indices else MaxPool2d.apply(x, p)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """torch's avg_pool2d, ``count_include_pad`` and ``divisor_override`` included."""
    x = operand(input)
    if divisor_override is not None and int(divisor_override) == 0:
        raise ValueError("avg_pool2d: divisor_override must be non-zero")
    include_pad = False if divisor_override is not None else count_include_pad
    p = pool2d_params("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode, include_pad)
    y = AvgPool2d.apply(x, p)
    if divisor_override is None:
        return y
    # torch: the window's sum (over its real elements) / divisor_override; the mean over the real elements
    # times their count is that sum, also for the windows that ceil_mode cuts at the border
    real = window_counts(get_array_module(x.array), x.dtype, p.in_size, p.kernel, p.stride, p.padding, p.out_size,
                         False)
    return y * (real[0][:, None] * real[1][None, :] / float(divisor_override))


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Adaptive average pooling to ``output_size`` (an int or a pair); 1 is global average pooling."""
    x = operand(input)
    check_input("adaptive_avg_pool2d", x, 4, "(N, C, H, W)")
    return AdaptiveAvgPool2d.apply(x, adaptive_size("adaptive_avg_pool2d", output_size))
