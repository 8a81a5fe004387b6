"""``F.embedding_bag``: the sums, means or maxima of bags of embedding rows, without building the
(bags, length, dim) tensor of their rows, as torch.nn.functional.embedding_bag.

A 2-d input (B, N) is B bags of N indices; a 1-d input is cut into bags at ``offsets`` (bag ``b`` is
``input[offsets[b]:offsets[b + 1]]``, the last one running to the end of the input, or, with
``include_last_offset=True``, ``offsets`` has B + 1 entries and its last one, which must be the input's length,
ends the last bag: torch accepts a smaller one there but its answer then depends on the embedding dim, so Kiln
raises).  Entries equal
to ``padding_idx`` are left out of their bag (and of a mean's count); an empty bag gives zeros in every mode.
``per_sample_weights`` (mode "sum" only) scales each row before the sum and gets its own gradient.

The rows are looked up with ``F.embedding`` (so ``max_norm`` re-normalises the looked-up rows of ``weight`` in
place, and ``scale_grad_by_freq`` divides each row's gradient by its count in the input, as torch), then summed
into their bags with ``scatter_add``; "max" gathers, per bag and column, the first row holding the maximum
(found on the host), so the gradient reaches exactly that row.  Every argument is checked, with torch's error
types and messages, before ``max_norm`` changes anything.
"""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module, to_numpy

from .functional import embedding

__all__ = ["embedding_bag"]


def _index_array(name, t):
    arr = to_numpy(t.array if isinstance(t, Tensor) else t)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 '{name}' to have one of the following scalar types: "
                           f"Long, Int; but got {arr.dtype} instead (while checking arguments for embedding_bag)")
    return arr.astype(np.int64)


def _bags(input, offsets, per_sample_weights, include_last_offset):  # noqa: A002
    """(flat indices, offsets, flat per-sample weights) after torch's checks of the shapes."""
    shape = tuple(input.shape)
    if len(shape) == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__name__}")
        flat = _index_array("indices", input).reshape(-1)
        starts = np.arange(0, flat.size, shape[1]) if shape[1] else np.zeros(shape[0], np.int64)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
        return flat, starts, psw
    if len(shape) != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {len(shape)}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if len(offsets.shape) != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    flat, offs = _index_array("indices", input), _index_array("offsets", offsets)
    if offs.size and offs[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {offs[0]}")
    if offs.size and offs[-1] > flat.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {flat.size} but got offsets[-1] of "
                           f"{offs[-1]}")
    if np.any(np.diff(offs) < 0):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {offs.tolist()}")
    if include_last_offset and offs.size and offs[-1] != flat.size:
        raise RuntimeError(f"embedding_bag: with include_last_offset=True the last offset ends the last bag and must "
                           f"equal the input's length {flat.size}, got {offs[-1]}")
    return flat, offs[:-1] if include_last_offset else offs, per_sample_weights


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,  # noqa: A002
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """(bags, embedding_dim): each bag's rows of ``weight`` reduced by ``mode`` ("sum", "mean" or "max")."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                         f"then it must have the same shape as the input ({tuple(input.shape)})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    flat, starts, psw = _bags(input, offsets, per_sample_weights, include_last_offset)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    num, dim = weight.shape
    bad = np.flatnonzero((flat < 0) | (flat >= num))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {flat[bad[0]]} which is not in the valid range "
                           f"[0, {num})")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} through {num - 1}, "
                               f"but got {padding_idx}")
        padding_idx %= num
    bag_of = np.searchsorted(starts, np.arange(flat.size), side="right") - 1
    keep = bag_of >= 0  # without offsets (0 bags) no index is in a bag
    if padding_idx is not None:
        keep &= flat != padding_idx
    kept, bag_of = np.flatnonzero(keep), bag_of[keep]
    xp = get_array_module(weight.array)
    rows = embedding(xp.asarray(flat[kept]), weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    nbags = len(starts)
    out = engine.zeros((nbags, dim), dtype=weight.dtype, device=weight.device)
    if mode == "max":
        if not kept.size:
            return out
        firsts = np.flatnonzero(np.r_[True, bag_of[1:] != bag_of[:-1]])  # where each non-empty bag begins
        values = to_numpy(rows.array)
        best = np.maximum.reduceat(values, firsts, axis=0)
        candidates = np.where(values == best[np.repeat(np.arange(firsts.size), np.diff(np.r_[firsts, kept.size]))],
                              np.arange(kept.size)[:, None], kept.size)
        first_max = np.minimum.reduceat(candidates, firsts, axis=0)
        picked = engine.gather(rows, 0, Tensor._wrap(xp.asarray(first_max)))
        target = xp.asarray(np.broadcast_to(bag_of[firsts][:, None], first_max.shape).copy())
        return engine.scatter_add(out, 0, Tensor._wrap(target), picked)
    if psw is not None:
        rows = rows * psw[xp.asarray(kept)].reshape((-1, 1))
    if mode == "mean":
        counts = np.bincount(bag_of, minlength=nbags)
        rows = rows * Tensor._wrap(xp.asarray((1.0 / counts[bag_of]).astype(weight.dtype)[:, None]))
    target = xp.asarray(np.broadcast_to(bag_of[:, None], (kept.size, dim)).copy())
    return engine.scatter_add(out, 0, Tensor._wrap(target), rows)
