"""Gaussian weight noise as a regulariser (Graves 2011; the course's "noise on the weights").

``with weight_noise(model, std): loss = ...; loss.backward()`` adds fresh ``N(0, std^2)`` noise to
every weight (parameters with two or more dims, as ``nn.regularization``; ``include=`` chooses
differently) on entry, and puts the exact original values back on exit.  The forward *and* the
backward must run inside the block: the gradient is that of the loss at the perturbed weights, which
the optimiser step (after the block) then applies to the clean weights.  Noise comes from ``generator`` (an ``engine.Generator``) or the default
generator.
"""
from __future__ import annotations

import contextlib

import numpy as np

from engine.backend import get_array_module
from engine.random import rng_of

from .regularization import weights

__all__ = ["weight_noise"]


@contextlib.contextmanager
def weight_noise(model, std: float, include=None, generator=None):
    """Perturb the weights of ``model`` by Gaussian noise for the duration of the block."""
    if std < 0:
        raise ValueError(f"weight_noise: std must be non-negative, got {std}")
    params = [p for _, p in weights(model, include)]
    saved = [p.array.copy() for p in params]
    rng = rng_of(generator)
    try:
        for p in params:
            noise = np.asarray(rng.standard_normal(p.shape)) * std
            p.array += get_array_module(p.array).asarray(noise, dtype=p.dtype)
        yield params
    finally:
        for p, orig in zip(params, saved):
            p.array[...] = orig
