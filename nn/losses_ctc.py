"""``ctc_loss``, torch's connectionist temporal classification loss, as a composition of engine ops: the
log-space forward (alpha) recursion over time, whose gradient autograd gives as the backward recursion.
Re-exported by ``nn.functional`` (through ``nn.losses_extra``)."""
from __future__ import annotations

import math

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module

from ._losses_functional import _check_reduction, _reduce, _t

__all__ = ["ctc_loss"]


_NEG = -1e30  # "log 0" of the CTC recursion: finite, so that logsumexp of impossible states stays NaN-free


def _lengths(name, what, value, n):
    """An integer (N,) host array of ``value`` (a Tensor, array, sequence or int)."""
    a = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name}: {what} must hold integers, got dtype {a.dtype}")
    if a.size != n:
        raise ValueError(f"{name}: {what} must have one entry per sample ({n}), got shape {a.shape}")
    return a.reshape(n).astype(np.int64)


def _ctc_targets(name, targets, target_lengths, n, c, blank):
    """The (N, S) padded label array from padded (N, S) or concatenated 1-d ``targets``, checked."""
    t = np.asarray(targets.numpy() if isinstance(targets, Tensor) else targets)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: targets must hold integer labels, got dtype {t.dtype}")
    if t.ndim == 1:
        if t.shape[0] != target_lengths.sum():
            raise ValueError(f"{name}: concatenated targets of length {t.shape[0]} do not add up to the target "
                             f"lengths' sum {int(target_lengths.sum())}")
        padded = np.full((n, int(target_lengths.max(initial=0))), blank, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
        for i, (start, length) in enumerate(zip(starts, target_lengths)):
            padded[i, :length] = t[start:start + length]
        t = padded
    elif t.ndim != 2 or t.shape[0] != n:
        raise ValueError(f"{name}: targets must be (N, S) padded or 1-d concatenated with N={n}, got shape {t.shape}")
    if (target_lengths < 0).any() or (target_lengths > t.shape[1]).any():
        raise ValueError(f"{name}: target_lengths {target_lengths.tolist()} must be in [0, {t.shape[1]}] "
                         "(the targets' length)")
    used = np.arange(t.shape[1]) < target_lengths[:, None]
    bad = used & ((t < 0) | (t >= c) | (t == blank))
    if bad.any():
        raise ValueError(f"{name}: target labels must be in [0, {c}) and differ from blank={blank}, got "
                         f"{int(t[bad][0])}")
    return t.astype(np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist temporal classification: ``-log p(target | log_probs)`` summed over every alignment, by
    the forward (alpha) recursion in log space, composed of engine ops (its gradient is the backward
    recursion, by autograd).  ``log_probs`` (T, N, C) or unbatched (T, C); ``targets`` (N, S) padded or the
    concatenation of the N targets; lengths per sample.  ``"mean"`` divides each loss by its target length
    (at least 1) then averages, as torch's; an alignment-free sample (input too short) has loss ``inf``, or
    0 with no gradient under ``zero_infinity``.  The gradient with respect to ``log_probs`` is the exact one;
    torch's adds ``exp(log_probs)``, which cancels once it flows through the ``log_softmax`` that makes
    ``log_probs``, so gradients of the logits agree."""
    name = "ctc_loss"
    _check_reduction(name, reduction)
    lp = _t(log_probs, name, "log_probs")
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.reshape(lp.shape[0], 1, lp.shape[1])
        targets = np.asarray(targets.numpy() if isinstance(targets, Tensor) else targets).reshape(1, -1)
    if lp.ndim != 3:
        raise ValueError(f"{name}: log_probs must be (T, N, C) or (T, C), got shape {tuple(lp.shape)}")
    steps, n, c = lp.shape
    if not 0 <= blank < c:
        raise ValueError(f"{name}: blank={blank} must be in [0, {c})")
    in_len = _lengths(name, "input_lengths", input_lengths, n)
    tgt_len = _lengths(name, "target_lengths", target_lengths, n)
    if (in_len < 0).any() or (in_len > steps).any():
        raise ValueError(f"{name}: input_lengths {in_len.tolist()} must be in [0, {steps}] (log_probs' T)")
    labels = _ctc_targets(name, targets, tgt_len, n, c, blank)
    xp = get_array_module(lp.array)
    states = 2 * labels.shape[1] + 1
    ext = np.full((n, states), blank, dtype=np.int64)  # blank, l1, blank, l2, ..., blank
    ext[:, 1::2] = labels
    skip = np.zeros((n, states), dtype=bool)  # s may come from s - 2: a label unlike the one before
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    repeats = ((labels[:, 1:] == labels[:, :-1]) & (np.arange(1, labels.shape[1]) < tgt_len[:, None])).sum(1)
    feasible = in_len >= tgt_len + repeats
    emit = engine.maximum(lp[:, xp.asarray(np.arange(n)[:, None]), xp.asarray(ext)], _NEG)  # (T, N, states)
    neg = xp.full((n, 1), _NEG, dtype=lp.dtype)
    neg2 = xp.full((n, states), _NEG, dtype=lp.dtype)
    start = np.zeros((n, states), dtype=bool)
    start[:, 0] = True
    start[:, 1] = tgt_len > 0
    alpha = engine.where(xp.asarray(start), emit[0], neg2)
    for t in range(1, steps):
        from_prev = engine.cat([Tensor._wrap(neg), alpha[:, :-1]], 1)
        from_skip = engine.where(xp.asarray(skip), engine.cat([Tensor._wrap(neg), from_prev[:, :-1]], 1), neg2)
        step = engine.logsumexp(engine.stack([alpha, from_prev, from_skip]), 0) + emit[t]
        alpha = engine.where(xp.asarray(np.broadcast_to((t < in_len)[:, None], (n, states))), step, alpha)
    last, before = xp.asarray(2 * tgt_len), xp.asarray(np.maximum(2 * tgt_len - 1, 0))
    rows = xp.arange(n)
    ends = engine.stack([alpha[rows, last], engine.where(xp.asarray(tgt_len > 0), alpha[rows, before],
                                                         xp.full(n, _NEG, dtype=lp.dtype))])
    loss = -engine.logsumexp(ends, 0)
    if not feasible.all():
        loss = engine.where(xp.asarray(feasible), loss, 0.0 if zero_infinity else math.inf)
    if reduction == "mean":
        return (loss / Tensor._wrap(xp.asarray(np.maximum(tgt_len, 1).astype(loss.dtype)))).mean()
    return loss.reshape(()) if unbatched and reduction == "none" else _reduce(loss, reduction)
