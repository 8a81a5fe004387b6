"""``Dropout``: in training mode zero each element with probability ``p`` and scale the rest by
``1/(1-p)``; in evaluation mode the identity.  ``generator`` (a ``numpy.random.Generator``) makes the
masks reproducible; by default NumPy's global generator draws them."""
from __future__ import annotations

from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    def __init__(self, p: float = 0.5, generator=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p = float(p)
        self.generator = generator

    def forward(self, x):
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
