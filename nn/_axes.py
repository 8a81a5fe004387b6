"""Axis helpers for the attention and recurrent layers: ``permute`` and ``chunk``.

They call the engine's ``Transpose`` and ``Split`` Functions directly with an explicit permutation or
cut list, so they mean the same thing whether ``Tensor.transpose``/``Tensor.split`` follow NumPy's
conventions (a permutation, a number of sections) or torch's (two dims, a chunk size).
"""
from __future__ import annotations

from engine.ops.shape import Split, Transpose


def permute(x, axes):
    """``x`` with its axes reordered as ``axes`` (torch's ``permute``); differentiable."""
    axes = tuple(int(a) % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the axes of a tensor of shape {x.shape}")
    return Transpose.apply(x, axes)


def chunk(x, n: int, axis: int):
    """``n`` equal pieces of ``x`` along ``axis`` (a tuple, even for ``n == 1``); differentiable."""
    axis %= x.ndim
    size = x.shape[axis]
    if n <= 0 or size % n:
        raise ValueError(f"chunk: axis {axis} of shape {x.shape} does not split into {n} equal pieces")
    if n == 1:
        return (x,)
    step = size // n
    return tuple(Split.apply(x, [step * i for i in range(1, n)], axis))
