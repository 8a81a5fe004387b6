"""``max_unpool2d`` and the 1-d pools, on the 2-d pooling ops of engine/ops/pool.py (whose torch forms
``max_pool2d`` and ``avg_pool2d`` are re-exported here for the callers that import them from this module).

``max_unpool2d`` writes values at the indexes ``max_pool2d(..., return_indices=True)`` gives (a
``scatter``; its gradient is a gather); the 1-d pools run the 2-d ones on a unit-height view.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import ntuple, operand
from .index import Scatter
from .pool import avg_pool2d, max_pool2d
from .pool_params import check_input
from .shape import Reshape

__all__ = ["max_pool2d", "avg_pool2d", "max_unpool2d", "max_pool1d", "avg_pool1d"]


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Place ``input`` at ``indices`` (from max_pool2d(return_indices=True)) in a zero image."""
    x = operand(input)
    check_input("max_unpool2d", x, 4, "(N, C, H, W)")
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
    zeros = Tensor._wrap(get_array_module(x.array).zeros((n, c, plane), dtype=x.dtype))
    flat = Scatter.apply(zeros, 2, idx.reshape(n, c, -1).astype(np.int64), Reshape.apply(x, (n, c, -1)))
    return Reshape.apply(flat, (n, c) + hw)


def _one(v):
    return (1, int(np.ravel([v])[0]))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """max_pool2d on a unit-height (N, C, 1, L) view of (N, C, L)."""
    x = operand(input)
    check_input("max_pool1d", x, 3, "(N, C, L)")
    x4 = Reshape.apply(x, tuple(x.shape[:2]) + (1, x.shape[2]))
    out = max_pool2d(x4, _one(kernel_size), _one(stride) if stride is not None else None,
                     (0, _one(padding)[1]), _one(dilation), ceil_mode, True)
    y, idx = (Reshape.apply(o, tuple(o.shape[:2]) + (o.shape[3],)) for o in out)
    return (y, idx) if return_indices else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    x = operand(input)
    check_input("avg_pool1d", x, 3, "(N, C, L)")
    x4 = Reshape.apply(x, tuple(x.shape[:2]) + (1, x.shape[2]))
    y = avg_pool2d(x4, _one(kernel_size), _one(stride) if stride is not None else None, (0, _one(padding)[1]),
                   ceil_mode, count_include_pad)
    return Reshape.apply(y, tuple(y.shape[:2]) + (y.shape[3],))
