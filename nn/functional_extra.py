"""torch.nn.functional beyond the layers of ``nn.functional``: conv1d and grouped convolutions, unfold/fold, pooling
options (dilation, return_indices, count_include_pad, max_unpool2d), interpolate, the activations
celu/hardsigmoid/hardswish/selu/softmin, normalize, one_hot, bilinear, distances and
the dropout family.  Re-exported by ``nn.functional`` (its own conv2d/max_pool2d/avg_pool2d/dropout
are replaced by the torch-complete ones here, with torch's argument order).

Activations are compositions of engine ops, so they are twice differentiable; their gradients at the
kinks are torch's (``hardsigmoid``: 1/6 strictly inside (-3, 3); ``hardswish``: (2x + 3) / 6 there).
"""
from __future__ import annotations

import math

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module
from engine.ops import conv_grouped as _cg
from engine.ops.fold import fold, unfold
from engine.ops import pool_indices as _pi
from engine.ops import pool_nd as _pnd
from engine.ops.attention import scaled_dot_product_attention
from engine.ops._util import normalize_axes
from engine.ops.interp import interpolate
from engine.ops.products import vector_norm
from engine.ops.reduce import Sum
from engine.random import rng_of

from .functional import _t  # (defined before nn.functional imports this module)

__all__ = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
    "avg_pool2d", "max_unpool2d", "interpolate", "upsample", "celu", "hardsigmoid", "hardswish", "selu",
    "normalize", "one_hot", "bilinear", "pairwise_distance", "cosine_similarity",
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "glu", "softshrink", "hardshrink", "tanhshrink", "threshold", "rrelu", "conv3d", "max_pool3d", "avg_pool3d",
    "adaptive_max_pool2d", "scaled_dot_product_attention", "convolve2d", "unfold", "fold",
]

conv1d, conv2d, conv_transpose1d, conv_transpose2d = _cg.conv1d, _cg.conv2d, _cg.conv_transpose1d, _cg.conv_transpose2d
max_pool1d, max_pool2d, avg_pool1d, avg_pool2d = _pi.max_pool1d, _pi.max_pool2d, _pi.avg_pool1d, _pi.avg_pool2d
max_unpool2d = _pi.max_unpool2d
conv3d, convolve2d = _cg.conv3d, _cg.convolve2d
max_pool3d, avg_pool3d, adaptive_max_pool2d = _pnd.max_pool3d, _pnd.avg_pool3d, _pnd.adaptive_max_pool2d


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    return interpolate(input, size, scale_factor, mode, align_corners)


def _mask(x, cond):
    """A constant float mask (no graph) of ``cond`` in ``x``'s dtype."""
    return Tensor._wrap(cond.astype(x.dtype))


# ---- activations ------------------------------------------------------------------------------
def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    x = _t(input, "celu")
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    neg = engine.minimum(x, 0.0)
    return engine.relu(x) + alpha * engine.expm1(neg / alpha)


def selu(input, inplace=False):  # noqa: A002
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with torch's constants."""
    x = _t(input, "selu")
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * (engine.relu(x) + alpha * engine.expm1(engine.minimum(x, 0.0)))


def hardsigmoid(input, inplace=False):  # noqa: A002
    """``relu6(x + 3) / 6``; gradient 1/6 strictly inside (-3, 3)."""
    x = _t(input, "hardsigmoid")
    inside = _mask(x, (x.array > -3) & (x.array < 3))
    upper = _mask(x, x.array >= 3)
    return (x * (1.0 / 6.0) + 0.5) * inside + upper


def hardswish(input, inplace=False):  # noqa: A002
    """``x * relu6(x + 3) / 6``."""
    x = _t(input, "hardswish")
    inside = _mask(x, (x.array > -3) & (x.array < 3))
    upper = _mask(x, x.array >= 3)
    return x * (x + 3.0) * (1.0 / 6.0) * inside + x * upper


def glu(input, dim=-1):  # noqa: A002
    x = _t(input, "glu")
    n = x.shape[dim]
    if n % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size {n}")
    a, b = engine.split(x, n // 2, dim)  # two halves (split takes a chunk size, as torch's)
    return a * engine.sigmoid(b)


def softshrink(input, lambd=0.5):  # noqa: A002
    x = _t(input, "softshrink")
    return (x - lambd) * _mask(x, x.array > lambd) + (x + lambd) * _mask(x, x.array < -lambd)


def hardshrink(input, lambd=0.5):  # noqa: A002
    x = _t(input, "hardshrink")
    return x * _mask(x, (x.array > lambd) | (x.array < -lambd))


def tanhshrink(input):  # noqa: A002
    x = _t(input, "tanhshrink")
    return x - engine.tanh(x)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    x = _t(input, "threshold")
    keep = x.array > threshold
    return x * _mask(x, keep) + value * _mask(x, ~keep)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):  # noqa: A002
    """Randomised leaky ReLU: in eval mode the slope is ``(lower + upper) / 2``; in training a uniform
    draw per element from the default generator."""
    x = _t(input, "rrelu")
    xp = get_array_module(x.array)
    if training:
        slope = xp.asarray(rng_of(None).uniform(lower, upper, x.shape)).astype(x.dtype)
    else:
        slope = (lower + upper) / 2.0
    neg = x.array < 0
    return x * _mask(x, ~neg) + x * (_mask(x, neg) * slope)


# ---- normalisation, encodings, distances ------------------------------------------------------
def _sum(x, dim, keepdim):
    return Sum.apply(x, normalize_axes(dim, x.ndim), bool(keepdim))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """``x / max(||x||_p, eps)`` over ``dim``."""
    x = _t(input, "normalize")
    n = vector_norm(x, p, dim, True)
    return x / engine.clamp(n, min=eps)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding of an integer tensor, with a new last dim of ``num_classes``."""
    idx = tensor.array if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: expected an integer (int64) tensor, got dtype {idx.dtype}")
    if idx.size and int(idx.min()) < 0:
        raise RuntimeError("one_hot: class values must be non-negative")
    n = int(idx.max()) + 1 if num_classes == -1 and idx.size else int(num_classes)
    if num_classes == -1 and not idx.size:
        raise RuntimeError("one_hot: can not infer the total number of classes from an empty tensor")
    if idx.size and int(idx.max()) >= n:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes ({n}), got {int(idx.max())}")
    xp = get_array_module(idx)
    return Tensor._wrap((idx[..., None] == xp.arange(n)).astype(np.int64))


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = x1 W[o] x2 + b[o]`` with weight (out, in1, in2)."""
    x1, x2, w = _t(input1, "bilinear"), _t(input2, "bilinear"), _t(weight, "bilinear")
    if w.ndim != 3 or x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear: inputs {tuple(x1.shape)}, {tuple(x2.shape)} do not match weight "
                           f"{tuple(w.shape)} (out, in1, in2)")
    y = engine.einsum("...n,onm,...m->...o", x1, w, x2)
    return y + bias if bias is not None else y


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim (torch adds eps to the difference)."""
    a, b = _t(x1, "pairwise_distance"), _t(x2, "pairwise_distance")
    d = a - b + eps
    dim = -1 if max(a.ndim, b.ndim) > 0 else None
    return vector_norm(d, p, dim, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``<x1, x2> / (max(||x1||, eps) * max(||x2||, eps))`` over ``dim`` (torch's current definition)."""
    a, b = _t(x1, "cosine_similarity"), _t(x2, "cosine_similarity")
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a = a if tuple(a.shape) == shape else a.broadcast_to(shape)
    b = b if tuple(b.shape) == shape else b.broadcast_to(shape)
    na = engine.clamp(vector_norm(a, 2, dim, True), min=eps)
    nb = engine.clamp(vector_norm(b, 2, dim, True), min=eps)
    return _sum((a / na) * (b / nb), dim, False)


# ---- dropout family ---------------------------------------------------------------------------
def _check_p(name, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (training only).

    torch's argument order (``inplace`` 4th; it is accepted and ignored: a new tensor is returned).
    ``generator``: an ``engine.Generator`` (or a NumPy Generator) for reproducible masks; by default
    NumPy's (or CuPy's) global generator."""
    _check_p("dropout", p)
    x = _t(input, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    xp = get_array_module(x.array)
    if generator is None:
        u = xp.random.random_sample(x.shape).astype(np.float32, copy=False)
    else:
        rng = rng_of(generator)
        u = xp.asarray(rng.random(x.shape, dtype=np.float32) if isinstance(rng, np.random.Generator)
                       else rng.random_sample(x.shape).astype(np.float32))
    mask = (u >= p).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor._wrap(mask)


def _keep_mask(x, p, shape, generator):
    xp = get_array_module(x.array)
    u = np.asarray(rng_of(generator).random(shape))
    return xp.asarray(u >= p)


def _feature_dropout(name, input, p, training, batched_ndim, generator=None):  # noqa: A002
    _check_p(name, p)
    x = _t(input, name)
    if not training or p == 0.0:
        return x
    if x.ndim not in (batched_ndim, batched_ndim - 1):
        raise RuntimeError(f"{name}: expected a {batched_ndim - 1}-d or {batched_ndim}-d input, got shape "
                           f"{tuple(x.shape)}")
    lead = 2 if x.ndim == batched_ndim else 1
    shape = tuple(x.shape[:lead]) + (1,) * (x.ndim - lead)
    if p == 1.0:
        return x * 0.0
    keep = _keep_mask(x, p, shape, generator).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor._wrap(keep)


def dropout1d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p``; scale the rest by 1/(1-p)."""
    return _feature_dropout("dropout1d", input, p, training, 3, generator)


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    return _feature_dropout("dropout2d", input, p, training, 4, generator)


def dropout3d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    return _feature_dropout("dropout3d", input, p, training, 5, generator)


_SELU_ALPHA_PRIME = -1.7580993408473766  # -scale * alpha of selu


def _alpha_dropout(name, input, p, training, feature, generator):  # noqa: A002
    _check_p(name, p)
    x = _t(input, name)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if feature else tuple(x.shape)
    keep = _keep_mask(x, p, shape, generator)
    a = (1.0 / math.sqrt((_SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p)))
    b = -a * _SELU_ALPHA_PRIME * p
    k = Tensor._wrap(keep.astype(x.dtype))
    return (x * k + _SELU_ALPHA_PRIME * (1 - k)) * a + b


def alpha_dropout(input, p=0.5, training=False, inplace=False, generator=None):  # noqa: A002
    """Dropout that keeps SELU's self-normalising mean and variance (torch.nn.functional.alpha_dropout)."""
    return _alpha_dropout("alpha_dropout", input, p, training, False, generator)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False, generator=None):  # noqa: A002
    return _alpha_dropout("feature_alpha_dropout", input, p, training, True, generator)


# ---- pooling forms with no engine op of their own (nn/pooling_functional.py: compositions) ----------
from .pooling_functional import (  # noqa: E402,F401  (re-exported)
    adaptive_avg_pool1d, adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool3d, lp_pool1d, lp_pool2d,
    lp_pool3d, max_unpool1d, max_unpool3d,
)
from .pooling_functional import __all__ as _pooling_all  # noqa: E402

__all__ += _pooling_all


# ---- channel shuffle ---------------------------------------------------------------------------------
def channel_shuffle(input, groups):  # noqa: A002
    """ShuffleNet's channel shuffle of an (N, C, *) input: view C as (groups, C // groups), swap the two
    and flatten back, so output channel ``j * groups + i`` is input channel ``i * (C // groups) + j``."""
    x = _t(input, "channel_shuffle")
    if x.ndim <= 2:
        raise RuntimeError(f"channel_shuffle: expects input with > 2 dims, but got input with shape {tuple(x.shape)}")
    groups = int(groups)
    if groups <= 0:
        raise ValueError(f"channel_shuffle: number of groups must be positive, got {groups}")
    n, c, rest = x.shape[0], x.shape[1], tuple(x.shape[2:])
    if c % groups:
        raise RuntimeError(f"channel_shuffle: number of channels must be divisible by groups. Got {c} channels and "
                           f"{groups} groups.")
    return x.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape((n, c) + rest)


__all__ += ["channel_shuffle"]


# ---- the in-place activations, pixel_shuffle, local_response_norm, gumbel_softmax, pdist, upsample_nearest/bilinear,
# the *_with_indices pools (nn/functional_more.py) and embedding_bag (nn/functional_bag.py)
from .functional_more import *  # noqa: E402,F401,F403
from .functional_more import __all__ as _more_all  # noqa: E402
from .functional_bag import embedding_bag  # noqa: E402,F401

__all__ += list(_more_all) + ["embedding_bag"]

# ---- spatial transformers: affine_grid and grid_sample (nn/grid_sample.py: compositions) ---------------
from .grid_sample import affine_grid, grid_sample  # noqa: E402

__all__ += ["affine_grid", "grid_sample"]
