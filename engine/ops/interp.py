"""``interpolate`` (torch.nn.functional.interpolate) for 3-, 4- and 5-d inputs (N, C, *spatial):
modes ``nearest``, ``nearest-exact``, ``linear``, ``bilinear``, ``trilinear``, with ``size`` or
``scale_factor`` and ``align_corners`` as torch.

Resizing is separable: each spatial dim is resampled in turn by a small (out, in) matrix — one 1 per
row for the nearest modes, the two taps ``(1 - l, l)`` for the linear ones — applied with one matmul
(BLAS), so the backward is the transposed matrix (the exact adjoint) and the op is differentiable as
often as matmul is.  Source coordinates follow torch exactly: with
``scale_factor`` given (and ``recompute_scale_factor`` not True) the scale is ``1 / scale_factor``,
otherwise ``in / out``; ``align_corners=True`` maps corner pixel centres onto each other.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand
from .linalg import matmul
from .shape import Transpose

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")


def _out_sizes(x, size, scale_factor, recompute):
    n = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * n if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != n:
            raise ValueError(f"interpolate: size {size} must have {n} entries for input of shape {tuple(x.shape)}")
        return tuple(int(s) for s in sizes), [None] * n
    scales = (scale_factor,) * n if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(scales) != n:
        raise ValueError(f"interpolate: scale_factor {scale_factor} must have {n} entries for input of shape "
                         f"{tuple(x.shape)}")
    sizes = tuple(int(math.floor(s * f)) for s, f in zip(x.shape[2:], scales))
    return sizes, ([None] * n if recompute else [float(f) for f in scales])


def _scale(in_size, out_size, factor, align_corners):
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / factor if factor is not None else in_size / out_size


def _resample(x, axis, weights):
    """``x`` resampled along ``axis`` by the (out, in) matrix ``weights``: one matmul, whose backward
    (the transposed matrix) is the exact adjoint of the interpolation."""
    xp = get_array_module(x.array)
    w = Tensor._wrap(xp.asarray(weights.T.astype(x.dtype)))  # (in, out)
    last = x.ndim - 1
    if axis == last:
        return matmul(x, w)
    order = tuple(i for i in range(x.ndim) if i != axis) + (axis,)
    y = matmul(Transpose.apply(x, order), w)
    back = list(range(x.ndim - 1))
    back.insert(axis, last)
    return Transpose.apply(y, tuple(back))


def _nearest_matrix(n, out, factor, exact):
    s = 1.0 / factor if factor is not None else n / out
    dst = np.arange(out, dtype=np.float32)  # torch computes nearest source indexes in float32
    s = np.float32(s)
    src = np.floor((dst + np.float32(0.5)) * s) if exact else np.floor(dst * s)
    m = np.zeros((out, n))
    m[np.arange(out), np.minimum(src.astype(np.int64), n - 1)] = 1.0
    return m


def _linear_matrix(n, out, factor, align_corners):
    s = _scale(n, out, factor, align_corners)
    dst = np.arange(out, dtype=np.float64)
    src = dst * s if align_corners else np.maximum((dst + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = src - i0
    m = np.zeros((out, n))
    np.add.at(m, (np.arange(out), i0), 1.0 - lam)
    np.add.at(m, (np.arange(out), i1), lam)
    return m


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,  # noqa: A002
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of ``input`` (N, C, ...) to ``size`` or by ``scale_factor``."""
    x = operand(input)
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode must be one of {_MODES}, got {mode!r}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expected a 3-, 4- or 5-d input (N, C, ...), got shape {tuple(x.shape)}")
    if mode in _LINEAR and _LINEAR[mode] != x.ndim:
        raise ValueError(f"interpolate: mode {mode!r} needs a {_LINEAR[mode]}-d input, got shape {tuple(x.shape)}")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(f"interpolate: align_corners applies to the linear modes only, not {mode!r}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    sizes, factors = _out_sizes(x, size, scale_factor, recompute_scale_factor)
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate: output size {sizes} must be positive (input {tuple(x.shape)})")
    if mode == "area":
        from .pool import adaptive_avg_pool2d

        if x.ndim != 4:
            raise ValueError(f"interpolate: mode 'area' supports 4-d input here, got shape {tuple(x.shape)}")
        return adaptive_avg_pool2d(x, sizes)
    out = x
    for k, (o, f) in enumerate(zip(sizes, factors)):
        n = x.shape[2 + k]
        if mode in _LINEAR:
            m = _linear_matrix(n, o, f, bool(align_corners))
        else:
            m = _nearest_matrix(n, o, f, mode == "nearest-exact")
        out = _resample(out, 2 + k, m)
    return out
