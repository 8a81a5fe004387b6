"""Shape layers: ``Flatten`` (merge axes, keeping the batch axis by default) and ``Unflatten``
(split one axis into a given shape).  NumPy-style names: ``start_axis``/``end_axis``/``axis``."""
from __future__ import annotations

from . import functional as F
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    def __init__(self, start_axis: int = 1, end_axis: int = -1):
        super().__init__()
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x):
        return F.flatten(x, self.start_axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class Unflatten(Module):
    def __init__(self, axis: int, unflattened_size):
        super().__init__()
        self.axis, self.unflattened_size = axis, tuple(unflattened_size)

    def forward(self, x):
        a = self.axis % x.ndim
        n = 1
        for s in self.unflattened_size:
            n *= s if s != -1 else 1
        if -1 not in self.unflattened_size and n != x.shape[a]:
            raise ValueError(
                f"Unflatten: axis {self.axis} of input {x.shape} has size {x.shape[a]}, "
                f"which is not the product of {self.unflattened_size}"
            )
        return x.reshape(x.shape[:a] + self.unflattened_size + x.shape[a + 1 :])

    def extra_repr(self) -> str:
        return f"axis={self.axis}, unflattened_size={self.unflattened_size}"
