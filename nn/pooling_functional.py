"""torch.nn.functional pooling forms that the engine has no op for, as compositions of its pooling ops
(so they are differentiable for free): ``adaptive_avg_pool1d``/``3d``, ``adaptive_max_pool1d``/``3d``,
``max_unpool1d``/``3d``, ``lp_pool1d``/``2d``/``3d``; and ``with_batch``, which gives the pooling layers
torch's unbatched inputs ((C, L), (C, H, W), (C, D, H, W)).

How each is built:
- 1-d forms run the 2-d op on a unit-height (N, C, 1, L) view.
- Adaptive pooling is separable: ``adaptive_avg_pool3d`` pools (H, W) of each depth slice, then D (with an
  identity window along the flattened (H, W)).  ``adaptive_max_pool3d`` does the same with max and its
  indexes, so each output's index is the first maximum in (d, h, w) order, as torch's scan.
- ``max_unpool{1,2,3}d`` check ``output_size`` as torch (each size strictly between default - stride and
  default + stride; the default is ``(in - 1) * stride - 2 * padding + kernel``) and scatter through
  ``max_unpool2d`` on a flat (N, C, 1, D*H*W) view (the indexes are flat positions per volume either way).
- ``lp_pool`` is torch's definition: ``avg_pool(x ** p) * window size``, then ``** (1 / p)`` after
  ``sign(out) * relu(|out|)``; so with ``ceil_mode`` a partial window's value is torch's too.
"""
from __future__ import annotations

import math

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module
from engine.ops._util import ntuple, operand
from engine.ops.pool import adaptive_avg_pool2d as _adaptive_avg_pool2d, avg_pool2d as _avg_pool2d
from engine.ops.pool_indices import avg_pool1d as _avg_pool1d, max_unpool2d as _max_unpool2d
from engine.ops.pool_nd import adaptive_max_pool2d as _adaptive_max_pool2d, avg_pool3d as _avg_pool3d

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool3d",
           "max_unpool1d", "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d"]

_LAYOUT = {1: "L", 2: "H, W", 3: "D, H, W"}


def _squeeze0(out):
    if isinstance(out, tuple):
        return tuple(_squeeze0(o) for o in out)
    return out.reshape(tuple(out.shape[1:]))


def with_batch(op, x, nd, fn):
    """``fn(x)`` on an (N, C, *spatial) input with ``nd`` spatial axes; an unbatched (C, *spatial) input runs
    as a batch of one, and that axis is removed from every output (indexes included)."""
    x = operand(x)
    if x.ndim == nd + 1:
        return _squeeze0(fn(x.reshape((1,) + tuple(x.shape))))
    if x.ndim != nd + 2:
        raise ValueError(f"{op}: expected a {nd + 1}-d (C, {_LAYOUT[nd]}) or {nd + 2}-d (N, C, {_LAYOUT[nd]}) "
                         f"input, got shape {tuple(x.shape)}")
    return fn(x)


def adaptive_size(op, output_size, spatial):
    """torch's adaptive output size: an int or a tuple of ``len(spatial)`` ints, None meaning the input's size."""
    nd = len(spatial)
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise ValueError(f"{op}: output_size must have {nd} element(s), got {output_size!r}")
        sizes = tuple(s if o is None else o for o, s in zip(output_size, spatial))
    else:
        sizes = tuple(spatial) if output_size is None else (output_size,) * nd
    sizes = tuple(int(s) for s in sizes)
    if min(sizes) < 1:
        raise ValueError(f"{op}: output_size must be >= 1, got {output_size!r}")
    return sizes


def _flat_plane(x):
    """(N, C, *spatial) -> (N, C, 1, prod(spatial))."""
    return x.reshape(tuple(x.shape[:2]) + (1, math.prod(x.shape[2:])))


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    def run(x):
        (o,) = adaptive_size("adaptive_avg_pool1d", output_size, x.shape[2:])
        return _adaptive_avg_pool2d(_flat_plane(x), (1, o)).reshape(tuple(x.shape[:2]) + (o,))
    return with_batch("adaptive_avg_pool1d", input, 1, run)


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    def run(x):
        n, c, d, h, w = x.shape
        od, oh, ow = adaptive_size("adaptive_avg_pool3d", output_size, (d, h, w))
        y = _adaptive_avg_pool2d(x.reshape((n, c * d, h, w)), (oh, ow))
        y = _adaptive_avg_pool2d(y.reshape((n, c, d, oh * ow)), (od, oh * ow))
        return y.reshape((n, c, od, oh, ow))
    return with_batch("adaptive_avg_pool3d", input, 3, run)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    def run(x):
        (o,) = adaptive_size("adaptive_max_pool1d", output_size, x.shape[2:])
        y, idx = _adaptive_max_pool2d(_flat_plane(x), (1, o), return_indices=True)
        shape = tuple(x.shape[:2]) + (o,)
        return y.reshape(shape), idx.reshape(shape)
    y, idx = with_batch("adaptive_max_pool1d", input, 1, run)
    return (y, idx) if return_indices else y


def adaptive_max_pool3d(input, output_size, return_indices=False):  # noqa: A002
    def run(x):
        n, c, d, h, w = x.shape
        od, oh, ow = adaptive_size("adaptive_max_pool3d", output_size, (d, h, w))
        y, hw_idx = _adaptive_max_pool2d(x.reshape((n, c * d, h, w)), (oh, ow), return_indices=True)
        y, d_idx = _adaptive_max_pool2d(y.reshape((n, c, d, oh * ow)), (od, oh * ow), return_indices=True)
        xp = get_array_module(d_idx.array)
        depth = d_idx.array // (oh * ow)  # (n, c, od, oh * ow): the depth each maximum came from
        in_plane = xp.take_along_axis(hw_idx.array.reshape(n, c, d, oh * ow), depth, axis=2)
        idx = (depth * (h * w) + in_plane).reshape(n, c, od, oh, ow)
        return y.reshape((n, c, od, oh, ow)), Tensor._wrap(idx)
    y, idx = with_batch("adaptive_max_pool3d", input, 3, run)
    return (y, idx) if return_indices else y


def unpool_output_size(op, in_spatial, kernel_size, stride, padding, output_size):
    """torch's MaxUnpool output size: the default, or ``output_size`` ((…, *spatial), checked against it)."""
    nd = len(in_spatial)
    k = ntuple(kernel_size, nd, "kernel_size", op)
    s = k if stride is None else ntuple(stride, nd, "stride", op)
    p = ntuple(padding, nd, "padding", op)
    default = tuple((i - 1) * st - 2 * pd + kk for i, st, pd, kk in zip(in_spatial, s, p, k))
    if output_size is None:
        return default
    size = tuple(int(v) for v in output_size)
    if len(size) in (nd + 1, nd + 2):
        size = size[-nd:]
    if len(size) != nd:
        raise ValueError(f"{op}: output_size should have {nd} or {nd + 2} elements, got {tuple(output_size)}")
    for dim, (want, dflt, st) in enumerate(zip(size, default, s)):
        if not dflt - st < want < dflt + st:
            raise ValueError(f"{op}: invalid output_size {size} (dim {dim} must be between {dflt - st} and "
                             f"{dflt + st}, exclusive)")
    return size


def max_unpool(op, nd, input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """The ``nd``-d max unpooling: ``input`` written at ``indices`` (flat per volume) of a zero output."""
    idx = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
    x = operand(input)
    if tuple(idx.shape) != tuple(x.shape):
        raise ValueError(f"{op}: indices {tuple(idx.shape)} must have the shape of the input {tuple(x.shape)}")

    def run(x):
        out = unpool_output_size(op, tuple(x.shape[2:]), kernel_size, stride, padding, output_size)
        i = idx.reshape(tuple(x.shape))
        if i.size and (int(i.min()) < 0 or int(i.max()) >= math.prod(out)):
            bad = int(i.min()) if int(i.min()) < 0 else int(i.max())
            raise ValueError(f"{op}: index {bad} is out of range for the output size {out}")
        flat = _max_unpool2d(_flat_plane(x), i.reshape(i.shape[:2] + (1, -1)), 1, output_size=(1, math.prod(out)))
        return flat.reshape(tuple(x.shape[:2]) + out)
    return with_batch(op, x, nd, run)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    return max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    return max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(op, nd, avg_pool, input, norm_type, kernel_size, stride, ceil_mode):  # noqa: A002
    k = ntuple(kernel_size, nd, "kernel_size", op)
    p = float(norm_type)
    if p == 0:
        raise ValueError(f"{op}: norm_type must be non-zero, got {norm_type!r}")

    def run(x):
        out = avg_pool(engine.pow(x, p), k, stride, 0, ceil_mode)
        out = engine.sign(out) * engine.relu(engine.abs(out))
        return engine.pow(out * float(math.prod(k)), 1.0 / p)
    return with_batch(op, input, nd, run)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """``(sum of x ** p over each window) ** (1 / p)``, torch's lp_pool1d."""
    return _lp_pool("lp_pool1d", 1, _avg_pool1d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """``(sum of x ** p over each window) ** (1 / p)``, torch's lp_pool2d."""
    return _lp_pool("lp_pool2d", 2, _avg_pool2d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """``(sum of x ** p over each window) ** (1 / p)``, torch's lp_pool3d (``ceil_mode`` unsupported, as
    avg_pool3d)."""
    return _lp_pool("lp_pool3d", 3, _avg_pool3d, input, norm_type, kernel_size, stride, ceil_mode)
