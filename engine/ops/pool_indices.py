"""Pooling options beyond engine/ops/pool.py's defaults: max pooling with ``dilation`` and
``return_indices``, ``max_unpool2d``, average pooling with ``count_include_pad`` and
``divisor_override``, and the 1-d forms.

``MaxPool2dWithIndices`` returns the pooled values and torch's indexes (int64, flat positions in each
input plane); its backward is the same deterministic gather as ``MaxPool2d``'s, so it stays twice
differentiable.  ``max_unpool2d`` writes values at those indexes (a ``scatter``; its gradient is a
gather).
"""
from __future__ import annotations

import numpy as np

import kernels

from ..function import Function
from ..tensor import Tensor
from ._util import ntuple, operand
from .index import Scatter
from .pool import AvgPool2d, MaxPool2d, MaxPool2dBackward
from .shape import Reshape


class MaxPool2dWithIndices(Function):
    @staticmethod
    def forward(ctx, x, conf):
        y, idx = kernels.max_pool2d_forward(x, *conf)
        ctx.idx, ctx.conf, ctx.x_shape = idx, conf, x.shape
        out_idx = idx.astype(np.int64)
        ctx.mark_non_differentiable(out_idx)
        return y, out_idx

    @staticmethod
    def backward(ctx, gy, gidx):
        return MaxPool2dBackward.apply(gy, ctx.idx, ctx.x_shape, ctx.conf), None


def _check4d(name, x):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-d input (N, C, H, W), got shape {tuple(x.shape)}")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """torch's max_pool2d; with ``return_indices`` also the flat argmax indexes per input plane."""
    x = operand(input)
    _check4d("max_pool2d", x)
    k = ntuple(kernel_size, 2, "kernel_size", "pool2d")
    s = ntuple(stride, 2, "stride", "pool2d") if stride is not None and stride != [] else k
    p = ntuple(padding, 2, "padding", "pool2d")
    if any(2 * pi > ki for pi, ki in zip(p, k)):
        raise ValueError(f"max_pool2d: padding {p} should be at most half of kernel size {k}")
    conf = (k, s, p, ntuple(dilation, 2, "dilation", "pool2d"), bool(ceil_mode))
    if not return_indices:
        return MaxPool2d.apply(x, conf)
    return MaxPool2dWithIndices.apply(x, conf)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Place ``input`` at ``indices`` (from max_pool2d(return_indices=True)) in a zero image."""
    x = operand(input)
    _check4d("max_unpool2d", x)
    idx = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
    if tuple(idx.shape) != tuple(x.shape):
        raise ValueError(f"max_unpool2d: indices {tuple(idx.shape)} must have the shape of the input "
                         f"{tuple(x.shape)}")
    k = ntuple(kernel_size, 2, "kernel_size", "pool2d")
    s = ntuple(stride, 2, "stride", "pool2d") if stride is not None else k
    p = ntuple(padding, 2, "padding", "pool2d")
    if output_size is None:
        hw = tuple((i - 1) * st - 2 * pd + kk for i, st, pd, kk in zip(x.shape[2:], s, p, k))
    else:
        hw = tuple(int(v) for v in tuple(output_size)[-2:])
    n, c = x.shape[:2]
    plane = hw[0] * hw[1]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        raise ValueError(f"max_unpool2d: index {int(idx.max())} is out of range for output size {hw}")
    from ..backend import get_array_module

    zeros = Tensor._wrap(get_array_module(x.array).zeros((n, c, plane), dtype=x.dtype))
    flat = Scatter.apply(zeros, 2, idx.reshape(n, c, -1).astype(np.int64), Reshape.apply(x, (n, c, -1)))
    return Reshape.apply(flat, (n, c) + hw)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """torch's avg_pool2d, ``count_include_pad`` and ``divisor_override`` included."""
    x = operand(input)
    _check4d("avg_pool2d", x)
    k = ntuple(kernel_size, 2, "kernel_size", "pool2d")
    s = ntuple(stride, 2, "stride", "pool2d") if stride is not None and stride != [] else k
    p = ntuple(padding, 2, "padding", "pool2d")
    if any(2 * pi > ki for pi, ki in zip(p, k)):
        raise ValueError(f"avg_pool2d: padding {p} should be at most half of kernel size {k}")
    if divisor_override is not None:
        if int(divisor_override) == 0:
            raise ValueError("avg_pool2d: divisor_override must be non-zero")
        y = AvgPool2d.apply(x, (k, s, p, bool(ceil_mode), True))
        return y * (k[0] * k[1] / float(divisor_override))
    return AvgPool2d.apply(x, (k, s, p, bool(ceil_mode), bool(count_include_pad)))


def _one(v):
    return (1, int(np.ravel([v])[0]))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """max_pool2d on a unit-height (N, C, 1, L) view of (N, C, L)."""
    x = operand(input)
    if x.ndim != 3:
        raise ValueError(f"max_pool1d: expected a 3-d input (N, C, L), got shape {tuple(x.shape)}")
    x4 = Reshape.apply(x, tuple(x.shape[:2]) + (1, x.shape[2]))
    out = max_pool2d(x4, _one(kernel_size), _one(stride) if stride is not None else None,
                     (0, _one(padding)[1]), _one(dilation), ceil_mode, True)
    y, idx = (Reshape.apply(o, tuple(o.shape[:2]) + (o.shape[3],)) for o in out)
    return (y, idx) if return_indices else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    x = operand(input)
    if x.ndim != 3:
        raise ValueError(f"avg_pool1d: expected a 3-d input (N, C, L), got shape {tuple(x.shape)}")
    x4 = Reshape.apply(x, tuple(x.shape[:2]) + (1, x.shape[2]))
    y = avg_pool2d(x4, _one(kernel_size), _one(stride) if stride is not None else None, (0, _one(padding)[1]),
                   ceil_mode, count_include_pad)
    return Reshape.apply(y, tuple(y.shape[:2]) + (y.shape[3],))
