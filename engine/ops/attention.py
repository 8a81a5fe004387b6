"""Scaled dot-product attention, as torch's ``F.scaled_dot_product_attention``.

``softmax(q @ k^T * scale + mask) @ v`` over the last two axes, for any number of leading (batch,
head) axes that broadcast.  It is a composition of existing differentiable ops (matmul, where, add,
softmax, mul), so it defines no Function of its own, gets its gradient and second derivative from
them, and runs on whatever device its inputs live on.

Decisions (torch's, written down):

- ``scale`` defaults to ``1 / sqrt(E)``, E the last axis of ``query``.
- ``attn_mask`` is a bool mask (True = this query may attend to this key) or a float mask added to
  the scores (``-inf`` blocks); it broadcasts against (..., L, S).  ``is_causal=True`` is the
  top-left-aligned lower-triangular bool mask; giving both raises ValueError, as torch.
- A query row whose every key is masked out yields zeros (and zero gradients), not NaN: torch's
  ``_safe_softmax`` behaviour since 2.5.
- ``dropout_p`` drops attention weights (scaling the kept ones by ``1 / (1 - p)``) with NumPy's (or
  CuPy's) global generator; pass ``dropout_p=0.0`` in evaluation, as torch expects its callers to.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand
from .elementwise import add, mul, where
from .linalg import matmul
from .shape import swapaxes
from .softmax import softmax

__all__ = ["scaled_dot_product_attention", "attention"]


def _check(q, k, v):
    for name, t in (("query", q), ("key", k), ("value", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must be at least 2-d (..., L, E), got shape {t.shape}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"scaled_dot_product_attention: query of shape {q.shape} and key of shape {k.shape} differ in the "
            "embedding (last) axis"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: key of shape {k.shape} and value of shape {v.shape} differ in the "
            "sequence axis (-2)"
        )
    if q.dtype != k.dtype or q.dtype != v.dtype:
        raise TypeError(
            f"scaled_dot_product_attention: query, key and value must share a dtype, got {q.dtype}, {k.dtype}, {v.dtype}"
        )


def _mask_array(mask, xp, L, S):
    arr = mask.array if isinstance(mask, Tensor) else xp.asarray(mask)
    tail = arr.shape[-2:]
    if arr.ndim == 0 or (arr.ndim >= 1 and tail[-1] not in (1, S)) or (arr.ndim >= 2 and tail[0] not in (1, L)):
        raise ValueError(
            f"scaled_dot_product_attention: attn_mask of shape {arr.shape} does not broadcast to (..., {L}, {S})"
        )
    return arr


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(query @ key^T * scale + mask) @ value``; see the module docstring for the mask rules.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev).  With
    ``enable_gqa=True`` (grouped-query attention, as torch) key and value may carry fewer heads (axis
    -3) than query, a divisor of its count; each of their heads then serves consecutive query heads.
    """
    if enable_gqa:
        query, key, value = operand(query), operand(key), operand(value)
        key, value = _repeat_heads(query, key), _repeat_heads(query, value)
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


def _repeat_heads(q, t):
    """``t`` with its heads (axis -3) repeated to match ``q``'s (torch's ``repeat_interleave``)."""
    if q.ndim < 3 or t.ndim < 3 or q.shape[-3] == t.shape[-3]:
        return t
    hq, ht = q.shape[-3], t.shape[-3]
    if hq % ht:
        raise ValueError(
            f"scaled_dot_product_attention: with enable_gqa the query heads ({hq}, shape {q.shape}) must be a "
            f"multiple of the key/value heads ({ht}, shape {t.shape})"
        )
    index = (Ellipsis, np.repeat(np.arange(ht), hq // ht), slice(None), slice(None))
    return t[index]


def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """``(output, weights)``: scaled_dot_product_attention and the attention weights it used (after
    dropout), (..., L, S) — what ``nn.MultiheadAttention`` returns with ``need_weights=True``."""
    q, k, v = operand(query), operand(key), operand(value)
    _check(q, k, v)
    if not 0.0 <= float(dropout_p) < 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must lie in [0, 1), got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both")
    L, S = q.shape[-2], k.shape[-2]
    xp = get_array_module(q.array)
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = mul(matmul(q, swapaxes(k, -1, -2)), s)
    if is_causal:
        attn_mask = xp.tril(xp.ones((L, S), dtype=bool))
    if attn_mask is not None:
        m = _mask_array(attn_mask, xp, L, S)
        if m.dtype == bool:
            scores = where(m, scores, -math.inf)
        else:
            scores = add(scores, attn_mask if isinstance(attn_mask, Tensor) else Tensor._wrap(m.astype(scores.dtype)))
    blocked = xp.isneginf(scores.array).all(axis=-1, keepdims=True)
    if bool(blocked.any()):  # rows with no key left: zeros, as torch's safe softmax
        weights = mul(softmax(where(blocked, 0.0, scores), -1), Tensor._wrap((~blocked).astype(scores.dtype)))
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0.0:
        keep = 1.0 - float(dropout_p)
        u = xp.random.random_sample(weights.shape)
        weights = mul(weights, Tensor._wrap(((u < keep) / keep).astype(weights.dtype)))
    return matmul(weights, v), weights
