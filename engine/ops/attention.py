"""``scaled_dot_product_attention`` (torch.nn.functional's), as a composition of matmul and softmax:
``softmax(q k^T * scale + mask) v`` with ``attn_mask`` (bool: True takes part; float: added),
``is_causal`` (a lower-triangular bool mask), ``dropout_p`` (from the default generator) and
``scale`` (default ``1 / sqrt(E)``).  Twice differentiable, like its parts.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand
from .linalg import matmul
from .softmax import softmax


def _swap_last(t):
    axes = tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)
    from .shape import Transpose

    return Transpose.apply(t, axes)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """Attention of ``query`` (..., L, E) over ``key`` (..., S, E) and ``value`` (..., S, Ev)."""
    q, k, v = operand(query), operand(key), operand(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query {tuple(q.shape)}, key {tuple(k.shape)} and value "
                           f"{tuple(v.shape)} do not fit (..., L, E), (..., S, E), (..., S, Ev)")
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
    xp = get_array_module(q.data)
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = matmul(q, _swap_last(k)) * s
    L, S = q.shape[-2], k.shape[-2]
    if is_causal:
        attn_mask = Tensor._wrap(xp.tril(xp.ones((L, S), dtype=bool)))
    if attn_mask is not None:
        m = operand(attn_mask)
        if m.dtype == np.bool_:
            scores = scores + Tensor._wrap(xp.where(m.data, 0.0, -np.inf).astype(scores.dtype))
        else:
            scores = scores + m
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        from ..random import rng_of

        keep = xp.asarray(np.asarray(rng_of(None).random(weights.shape)) >= dropout_p)
        weights = weights * Tensor._wrap((keep / (1.0 - dropout_p)).astype(weights.dtype))
    return matmul(weights, v)
