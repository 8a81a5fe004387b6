"""``MultiheadAttention``: torch's ``nn.MultiheadAttention``, with its parameter names and layouts.

Parameters (so a torch state dict loads as it is): ``in_proj_weight`` (3E, E) and ``in_proj_bias``
(3E,) holding the query, key and value projections stacked in that order when ``kdim == vdim == E``;
otherwise ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim) and
``in_proj_weight`` is None; ``out_proj`` a ``Linear(E, E)``; ``bias_k``/``bias_v`` (1, 1, E) with
``add_bias_kv``.  Initialisation as torch: xavier-uniform projections, zero biases, xavier-normal
``bias_k``/``bias_v``.

``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
average_attn_weights=True, is_causal=False)`` takes (L, N, E) inputs ((N, L, E) with
``batch_first``; (L, E) unbatched) and returns ``(output, weights)``; ``weights`` is (N, L, S)
averaged over heads, (N, num_heads, L, S) with ``average_attn_weights=False``, or None when
``need_weights=False``.  Masks as torch: a bool ``attn_mask`` (L, S) or (N*num_heads, L, S) and a
bool ``key_padding_mask`` (N, S) mark with True what may NOT be attended to; float masks are added
to the scores.  ``is_causal=True`` without an ``attn_mask`` builds the causal mask (torch requires the
caller to pass it as well; here it is a convenience, with the same result).  A query whose every key
is masked gets zeros rather than NaN (torch gives NaN on its ``need_weights=True`` path).  The
attention itself is ``engine.ops.attention.attention``, the op behind ``F.scaled_dot_product_attention``.
"""
from __future__ import annotations

import math

import numpy as np

import engine
from engine.backend import get_array_module
from engine.ops.attention import attention

from . import functional as F
from . import init
from ._axes import permute
from .linear import Linear
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of ``embed_dim // num_heads`` channels each (see the module docstring)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be positive, got {embed_dim} and {num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.kdim = int(kdim) if kdim is not None else self.embed_dim
        self.vdim = int(vdim) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self.head_dim = self.embed_dim // self.num_heads
        E = self.embed_dim

        def empty(*shape):
            return Parameter(engine.zeros(*shape, dtype=dtype, device=device))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * E, E)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = empty(E, E)
            self.k_proj_weight = empty(E, self.kdim)
            self.v_proj_weight = empty(E, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * E)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, E)
            self.bias_v = empty(1, 1, E)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"

    # ---- pieces of forward --------------------------------------------------------------------
    def _projections(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[0:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one matmul, as torch's packed path
                qkv = F.linear(query, w, b)
                return qkv[..., 0:E], qkv[..., E:2 * E], qkv[..., 2 * E:]
            wq, wk, wv = w[0:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def _check_inputs(self, query, key, value):
        name = "MultiheadAttention"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                f"{name}: query, key and value must all be 3-d (batched) or 2-d (unbatched), got shapes "
                f"{query.shape}, {key.shape}, {value.shape}"
            )
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(
                f"{name}: feature sizes of query {query.shape}, key {key.shape}, value {value.shape} do not match "
                f"embed_dim={self.embed_dim}, kdim={self.kdim}, vdim={self.vdim}"
            )
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"{name}: key of shape {key.shape} and value of shape {value.shape} differ outside the feature axis")

    def _float_mask(self, mask, what, like):
        """A float additive mask from a bool one (True -> -inf) or a float one (as is)."""
        if mask is None:
            return None
        arr = mask.array if isinstance(mask, engine.Tensor) else get_array_module(like.array).asarray(mask)
        if arr.dtype == bool:
            return engine.Tensor._wrap(get_array_module(arr).where(arr, -math.inf, 0.0).astype(like.dtype))
        if arr.dtype.kind != "f":
            raise TypeError(f"MultiheadAttention: {what} must be a bool or float tensor, got dtype {arr.dtype}")
        return mask if isinstance(mask, engine.Tensor) else engine.Tensor._wrap(arr.astype(like.dtype))


    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        self._check_inputs(query, key, value)
        same = query is key and key is value  # self-attention: one packed projection below
        unbatched = query.ndim == 2
        if unbatched:
            query = query.reshape((1,) + tuple(query.shape))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.reshape(1, -1) if isinstance(key_padding_mask, engine.Tensor) \
                    else np.asarray(key_padding_mask).reshape(1, -1)
        elif not self.batch_first:
            query = query.swapaxes(0, 1)  # inside: (N, L, E)
        if same:
            key = value = query
        else:
            if unbatched:
                key, value = (t.reshape((1,) + tuple(t.shape)) for t in (key, value))
            elif not self.batch_first:
                key, value = key.swapaxes(0, 1), value.swapaxes(0, 1)
        N, L, _ = query.shape
        S, H, hd, E = key.shape[1], self.num_heads, self.head_dim, self.embed_dim
        if query.shape[0] != key.shape[0]:
            raise ValueError(f"MultiheadAttention: query batch {query.shape[0]} differs from key batch {key.shape[0]}")
        q, k, v = self._projections(query, key, value)
        if attn_mask is None and is_causal:
            xp = get_array_module(query.array)
            attn_mask = engine.Tensor._wrap(xp.triu(xp.ones((L, S), dtype=bool), 1))
        amask = self._float_mask(attn_mask, "attn_mask", q)
        kpm = self._float_mask(key_padding_mask, "key_padding_mask", q)
        if amask is not None:
            if amask.ndim == 2 and tuple(amask.shape) == (L, S):
                amask = amask.reshape(1, 1, L, S)
            elif amask.ndim == 3 and tuple(amask.shape) == (N * H, L, S):
                amask = amask.reshape(N, H, L, S)
            else:
                raise ValueError(
                    f"MultiheadAttention: attn_mask of shape {tuple(amask.shape)} is neither ({L}, {S}) nor "
                    f"({N * H}, {L}, {S})"
                )
        if kpm is not None:
            if tuple(kpm.shape) != (N, S):
                raise ValueError(f"MultiheadAttention: key_padding_mask of shape {tuple(kpm.shape)} is not ({N}, {S})")
            kpm = kpm.reshape(N, 1, 1, S)
        if self.bias_k is not None:
            k = engine.concatenate([k, self.bias_k.broadcast_to((N, 1, E))], axis=1)
            v = engine.concatenate([v, self.bias_v.broadcast_to((N, 1, E))], axis=1)
            S += 1
            amask, kpm = _extend_key_axis(amask), _extend_key_axis(kpm)
        q, k, v = (permute(t.reshape(N, t.shape[1], H, hd), (0, 2, 1, 3)) for t in (q, k, v))  # (N, H, *, hd)
        if self.add_zero_attn:
            k, v = _extend_key_axis(k, axis=2), _extend_key_axis(v, axis=2)
            S += 1
            amask, kpm = _extend_key_axis(amask), _extend_key_axis(kpm)
        mask = amask if kpm is None else (kpm if amask is None else amask + kpm)
        p = self.dropout if self.training else 0.0
        out, weights = attention(q, k, v, mask, p)  # (N, H, L, hd), (N, H, L, S)
        out = permute(out, (0, 2, 1, 3)).reshape(N, L, E)
        out = self.out_proj(out)
        if unbatched:
            out = out.reshape(L, E)
        elif not self.batch_first:
            out = out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        if unbatched:
            weights = weights.reshape(tuple(weights.shape)[1:])
        return out, weights


def _extend_key_axis(t, axis=-1):
    """``t`` with one more zero entry along the key axis (None stays None): the slot that
    ``add_bias_kv``/``add_zero_attn`` add to masks, keys and values."""
    if t is None:
        return None
    shape = list(t.shape)
    shape[axis] = 1
    zeros = engine.Tensor._wrap(get_array_module(t.array).zeros(shape, dtype=t.dtype))
    return engine.concatenate([t, zeros], axis=axis)
