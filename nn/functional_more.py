"""The last torch.nn.functional names: the in-place activations (``relu_``, ``elu_``, ``leaky_relu_``,
``hardtanh_``, ``threshold_``, ``selu_``, ``celu_``, ``rrelu_``), ``pixel_shuffle``/``pixel_unshuffle``,
``local_response_norm``, ``gumbel_softmax``, ``pdist``, the deprecated ``upsample_nearest``/``upsample_bilinear``
and the ``*_with_indices`` pools.  Re-exported by ``nn.functional``; ``F.embedding_bag`` lives in
nn/functional_bag.py.

Every form is a composition of engine ops (differentiable for free), with torch's signature, values and
error messages.  The in-place activations write through ``engine.inplace.write``, as ``Tensor.add_`` does:
the input is returned with its version bumped, a leaf that requires grad raises torch's RuntimeError, a
non-leaf becomes the output of the new node (gradients stay exact), and a view that is part of a graph
raises (Kiln does not re-base a view's graph onto its base; write to the base or ``clone()``).
"""
from __future__ import annotations

import warnings

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module
from engine.inplace import write
from engine.ops.interp import interpolate
from engine.ops.products import vector_norm
from engine.random import rng_of

from ._activations import elu, hardtanh, leaky_relu, relu
from .functional import _t
from .functional_extra import _sum, adaptive_max_pool2d, celu, max_pool1d, max_pool2d, max_pool3d, rrelu, selu
from .functional_extra import threshold as _threshold
from .pooling_functional import adaptive_max_pool1d, adaptive_max_pool3d

__all__ = [
    "relu_", "elu_", "leaky_relu_", "hardtanh_", "threshold_", "selu_", "celu_", "rrelu_",
    "pixel_shuffle", "pixel_unshuffle", "local_response_norm", "gumbel_softmax", "pdist",
    "upsample_nearest", "upsample_bilinear",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
]


# ---- in-place activations -----------------------------------------------------------------------------
def _in_place(name, input, fn):  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return write(input, name, fn)


def relu_(input):  # noqa: A002
    return _in_place("relu_", input, relu)


def elu_(input, alpha=1.0):  # noqa: A002
    return _in_place("elu_", input, lambda s: elu(s, alpha))


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    return _in_place("leaky_relu_", input, lambda s: leaky_relu(s, negative_slope))


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    return _in_place("hardtanh_", input, lambda s: hardtanh(s, min_val, max_val))


def threshold_(input, threshold, value):  # noqa: A002  (torch's names)
    return _in_place("threshold_", input, lambda s: _threshold(s, threshold, value))


def selu_(input):  # noqa: A002
    return _in_place("selu_", input, selu)


def celu_(input, alpha=1.0):  # noqa: A002
    return _in_place("celu_", input, lambda s: celu(s, alpha))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    """In training the slopes are drawn once, from the default generator, as in ``F.rrelu``."""
    return _in_place("rrelu_", input, lambda s: rrelu(s, lower, upper, training))


# ---- pixel shuffle and local response normalisation -----------------------------------------------------
def _shuffle_input(name, input, factor, what):  # noqa: A002
    x = _t(input, name)
    if x.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {x.ndim} "
                           "dimension(s)")
    if int(factor) <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")
    return x, int(factor), tuple(x.shape[:-3]), tuple(x.shape[-3:])


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): output[c, h*r + i, w*r + j] = input[c*r*r + i*r + j, h, w]."""
    x, r, lead, (c, h, w) = _shuffle_input("pixel_shuffle", input, upscale_factor, "upscale_factor")
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    y = x.reshape(lead + (c // (r * r), r, r, h, w)).permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of :func:`pixel_shuffle`."""
    x, r, lead, (c, h, w) = _shuffle_input("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    for axis, size in (("height", h), ("width", w)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {axis} to be divisible by downscale_factor, but "
                               f"input.size({-2 if axis == 'height' else -1})={size} is not divisible by {r}")
    k = len(lead)
    y = x.reshape(lead + (c, h // r, r, w // r, r)).permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(lead + (c * r * r, h // r, w // r))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """``x_c / (k + alpha / size * sum of x_c'^2 over the size channels c - size//2 .. c + (size-1)//2) ** beta``
    over (N, C, *) inputs, the window zero-padded at both ends (torch's)."""
    x = _t(input, "local_response_norm")
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if int(size) <= 0:
        raise RuntimeError(f"local_response_norm: size should be greater than zero, but got {size}")
    if x.array.size == 0:
        return x
    c, size = x.shape[1], int(size)
    sq = x * x
    pad = [0, 0] * (x.ndim - 2) + [size // 2, (size - 1) // 2]  # F.pad's last-dim-first pairs: dim 1 only
    padded = engine.pad(sq, tuple(pad))
    window = padded[:, 0:c]
    for i in range(1, size):
        window = window + padded[:, i:i + c]
    return x / (window * (alpha / size) + k) ** beta


# ---- gumbel softmax, pdist ------------------------------------------------------------------------------
def _gumbel_noise(x):
    """Standard Gumbel samples shaped like ``x``: ``-log(E)`` with ``E ~ Exponential(1)`` from the default
    generator (torch's construction)."""
    xp = get_array_module(x.array)
    e = rng_of(None).standard_exponential(tuple(x.shape))
    return Tensor._wrap(xp.asarray(-np.log(e)).astype(x.dtype))


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax distribution, ``softmax((logits + g) / tau)`` with ``g`` standard Gumbel
    noise.  ``hard=True`` returns the one-hot of its argmax (first index on ties) with the soft sample's
    gradient (straight-through: ``y_hard - y_soft.detach() + y_soft``).  ``eps`` is deprecated and unused, as
    in torch (a warning when it is set)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    x = _t(logits, "gumbel_softmax")
    y_soft = engine.softmax((x + _gumbel_noise(x)) / tau, dim)
    if not hard:
        return y_soft
    xp = get_array_module(x.array)
    axis = dim % x.ndim if x.ndim else 0
    soft = y_soft.array.reshape(x.shape or (1,))
    index = xp.expand_dims(xp.argmax(soft, axis=axis), axis)
    positions = xp.arange(soft.shape[axis]).reshape((-1,) + (1,) * (soft.ndim - axis - 1))
    y_hard = Tensor._wrap((positions == index).astype(x.dtype).reshape(x.shape))
    return y_hard - y_soft.detach() + y_soft


def pdist(input, p=2):  # noqa: A002
    """The p-norm distances between the rows of an (N, M) input: the N*(N-1)/2 entries above the diagonal of
    the distance matrix, row by row.  Gradients as torch's: 0 where two rows coincide, and (0 < p < 1) 0 from a
    coordinate where they agree; ``p=0`` counts differing coordinates (gradient 0)."""
    x = _t(input, "pdist")
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    xp = get_array_module(x.array)
    i, j = np.triu_indices(x.shape[0], 1)
    d = x[xp.asarray(i)] - x[xp.asarray(j)]
    if p == 0:
        return _sum(d * 0.0, -1, False) + Tensor._wrap((d.array != 0).sum(-1).astype(x.dtype))
    if 0 < p < 1:  # |d|^p has an infinite derivative at 0, where torch's gradient is 0
        nonzero = d.array != 0
        a = engine.where(nonzero, d, 1.0).abs()
        s = _sum(engine.where(nonzero, a ** p, 0.0), -1, False)
        pos = s.array > 0
        return engine.where(pos, engine.where(pos, s, 1.0) ** (1.0 / p), 0.0)
    return vector_norm(d, p, -1, False)


# ---- deprecated aliases of interpolate ---------------------------------------------------------------
def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated (torch's): ``interpolate(input, size, scale_factor, mode="nearest")`` with a warning."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated (torch's): ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- pools that always return (values, indices) (``return_indices`` is accepted and ignored, as torch) ------
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):  # noqa: A002
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):  # noqa: A002
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):  # noqa: A002
    return adaptive_max_pool3d(input, output_size, True)
