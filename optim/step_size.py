"""``find_step_size``: the "Bottou trick" for picking an SGD learning rate (L. Bottou, *Stochastic Gradient
Descent Tricks*, 2012): take a small random sample of the training set (~5%), try step sizes on it, and
keep the one that lowers the training loss most after a short run.

Search, in log-space (losses as a function of lr are taken to be unimodal: too small barely moves, too
large diverges):

1. Geometric bracket: starting from ``lr_init``, multiply by ``factor`` while the loss keeps improving,
   or divide while the larger neighbour is better, until the best lr has a worse neighbour on each side
   (or ``max_bracket`` tries are spent).
2. Bisection: ``bisections`` times, try the geometric midpoints between the best lr and each neighbour
   and shrink the bracket around whichever of the five points is best.

Each trial restores the parameters to their starting values, builds a fresh optimiser with that lr,
runs ``epochs`` passes over the sample in minibatches, and measures the mean loss on the sample.  A
trial that diverges (non-finite loss) scores ``inf``.  Parameters are restored when the search ends.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from engine import no_grad
from engine.tensor import Tensor

from .sgd import SGD

__all__ = ["find_step_size", "StepSizeResult"]


class StepSizeResult(NamedTuple):
    """``lr``: the best step size found; ``losses``: every ``(lr, loss)`` tried, in the order tried."""

    lr: float
    losses: list


def _params_of(model):
    params = list(model.parameters()) if hasattr(model, "parameters") else list(model)
    if not params or not all(isinstance(p, Tensor) for p in params):
        raise TypeError("find_step_size: model must be a Module or a non-empty iterable of Tensors")
    return params


def find_step_size(model, loss_fn, *data, fraction=0.05, min_samples=64, batch_size=32, epochs=1,
                   optimizer=SGD, optimizer_kwargs=None, lr_init=0.01, factor=4.0, max_bracket=12,
                   bisections=3, seed=0) -> StepSizeResult:
    """Search the learning rate that lowers ``loss_fn(*batch)`` most after a short run on a data sample.

    ``model``: a Module or an iterable of parameter Tensors; ``loss_fn(*batch)`` returns a scalar loss Tensor
    for a batch made of the rows ``idx`` of each array/Tensor in ``data`` (all with the same first
    dimension); ``optimizer(params, lr=..., **optimizer_kwargs)`` builds the optimiser (SGD by default).
    Returns ``StepSizeResult(lr, losses)``, unpackable as ``lr, losses = find_step_size(...)``.
    """
    params = _params_of(model)
    if not data:
        raise ValueError("find_step_size: pass the training data arrays after loss_fn")
    n = len(data[0])
    if any(len(d) != n for d in data):
        raise ValueError(f"find_step_size: data arrays have different lengths {[len(d) for d in data]}")
    if not 0 < fraction <= 1:
        raise ValueError(f"find_step_size: fraction must be in (0, 1], got {fraction!r}")
    if lr_init <= 0 or factor <= 1:
        raise ValueError(f"find_step_size: need lr_init > 0 and factor > 1, got lr_init={lr_init!r}, factor={factor!r}")
    rng = np.random.default_rng(seed)
    m = min(n, max(int(round(fraction * n)), min_samples))
    sample = rng.choice(n, size=m, replace=False)
    order = [rng.permutation(sample) for _ in range(epochs)]
    saved = [p.array.copy() for p in params]
    kwargs = dict(optimizer_kwargs or {})
    tried: dict = {}
    losses: list = []

    def batch(idx):
        return tuple(d[idx] for d in data)

    def trial(lr):
        key = float(lr)
        if key in tried:
            return tried[key]
        for p, s in zip(params, saved):
            p.array[...] = s
            p._bump_version()
            p.grad = None
        opt = optimizer(params, lr=key, **kwargs)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for perm in order:
                for start in range(0, m, batch_size):
                    opt.zero_grad()
                    loss = loss_fn(*batch(perm[start:start + batch_size]))
                    loss.backward()
                    opt.step()
            with no_grad():
                loss_value = float(loss_fn(*batch(sample)).item())
        if not math.isfinite(loss_value):
            loss_value = math.inf
        tried[key] = loss_value
        losses.append((key, loss_value))
        return loss_value

    try:
        lo, best, hi = _bracket(trial, lr_init, factor, max_bracket)
        for _ in range(bisections):
            cands = [lo, math.sqrt(lo * best), best, math.sqrt(best * hi), hi]
            vals = [trial(c) for c in cands]
            k = min(range(1, 4), key=lambda i: vals[i])
            lo, best, hi = cands[k - 1], cands[k], cands[k + 1]
    finally:
        for p, s in zip(params, saved):
            p.array[...] = s
            p._bump_version()
            p.grad = None
    best_lr, _ = min(losses, key=lambda t: t[1])
    return StepSizeResult(best_lr, losses)


def _bracket(trial, lr, factor, max_tries):
    """Walk geometrically from ``lr`` until the best point has a worse neighbour on each side."""
    here, up = trial(lr), trial(lr * factor)
    step = factor if up < here else 1.0 / factor
    if step < 1:
        lr, here = lr * factor, up  # walk down from the larger point, so that lr*factor is its upper neighbour
    tries = 0
    while tries < max_tries:
        nxt = lr * step
        val = trial(nxt)
        if val >= here and math.isfinite(here):
            break
        lr, here = nxt, val
        tries += 1
    return lr / factor, lr, lr * factor
