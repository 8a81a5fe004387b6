"""L1 and L2 penalties on a model's *weights* (for adding to a loss).

"Weights" are the parameters with two or more dimensions — Linear/Conv/Embedding/RNN matrices —
so biases and normalisation scales/shifts are not penalised (the usual practice).  Pass
``include=lambda name, p: ...`` to choose differently.

- ``l1_penalty(model, strength)`` = ``strength * sum |w|``
- ``l2_penalty(model, strength)`` = ``strength * sum w**2`` (no factor 1/2: SGD's
  ``weight_decay=lambda`` matches ``l2_penalty(model, lambda / 2)``).

``model`` may be a Module or an iterable of ``(name, parameter)`` pairs.  Frozen parameters
(``requires_grad=False``) are skipped.  The result is a 0-d Tensor with a graph.
"""
from __future__ import annotations

import engine

__all__ = ["weights", "l1_penalty", "l2_penalty"]


def _is_weight(name, p) -> bool:
    return p.ndim >= 2


def weights(model, include=None):
    """The ``(name, parameter)`` pairs the penalties act on."""
    pairs = model.named_parameters() if hasattr(model, "named_parameters") else model
    keep = include or _is_weight
    return [(n, p) for n, p in pairs if p.requires_grad and keep(n, p)]


def _penalty(model, strength, include, term, name):
    if strength < 0:
        raise ValueError(f"{name}: strength must be non-negative, got {strength}")
    ws = weights(model, include)
    if not ws:
        return engine.tensor(0.0)
    total = None
    for _, p in ws:
        t = term(p).sum()
        total = t if total is None else total + t
    return total * strength


def l1_penalty(model, strength: float = 1.0, include=None):
    """``strength * sum |w|`` over the model's weights."""
    return _penalty(model, strength, include, lambda p: p.abs(), "l1_penalty")


def l2_penalty(model, strength: float = 1.0, include=None):
    """``strength * sum w**2`` over the model's weights."""
    return _penalty(model, strength, include, lambda p: p * p, "l2_penalty")
