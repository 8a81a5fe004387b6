"""Shape layers with torch's names: ``Flatten(start_dim=1, end_dim=-1)`` merges dims (keeping the batch dim
by default) and ``Unflatten(dim, unflattened_size)`` splits one dim; NumPy's ``start_axis``/``end_axis``/``axis``
are accepted as keyword aliases.  Both run ``engine.flatten`` / ``engine.unflatten`` (torch's errors)."""
from __future__ import annotations

import engine

from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1, *, start_axis=None, end_axis=None):
        super().__init__()
        self.start_dim = start_dim if start_axis is None else start_axis
        self.end_dim = end_dim if end_axis is None else end_axis

    def forward(self, x):
        return engine.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    def __init__(self, dim: int = None, unflattened_size=None, *, axis=None):
        super().__init__()
        if dim is None:
            dim = axis
        if dim is None or unflattened_size is None:
            raise TypeError("Unflatten: give dim and unflattened_size, e.g. Unflatten(1, (2, 5))")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        return engine.unflatten(x, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
