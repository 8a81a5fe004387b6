"""torch's stacking spellings: ``hstack``/``vstack``/``row_stack``/``dstack``/``column_stack``.

Each is a composition of reshape and ``cat`` (engine/ops/shape.py), so differentiable; ``view``,
``expand``, ``flatten`` and ``cat`` themselves live in engine/ops/shape.py.
"""
from __future__ import annotations

from ._util import operand
from .shape import Reshape, cat


def _atleast(x, n):
    x = operand(x)
    if x.ndim >= n:
        return x
    if n == 2:
        return Reshape.apply(x, (1, -1) if x.ndim <= 1 else tuple(x.shape))
    shape = (1,) + tuple(x.shape) + (1,) if x.ndim == 1 else (1, 1, 1) if x.ndim == 0 else tuple(x.shape) + (1,)
    return Reshape.apply(x, shape)


def hstack(tensors):
    xs = [operand(t) for t in tensors]
    xs = [Reshape.apply(x, (1,)) if x.ndim == 0 else x for x in xs]
    return cat(xs, 0 if all(x.ndim == 1 for x in xs) else 1)


def vstack(tensors):
    return cat([_atleast(t, 2) for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    return cat([_atleast(t, 3) for t in tensors], 2)


def column_stack(tensors):
    xs = [operand(t) for t in tensors]
    return cat([Reshape.apply(x, (-1, 1)) if x.ndim <= 1 else x for x in xs], 1)

