"""``Embedding``: a lookup table ``weight`` (num_embeddings, embedding_dim) initialised from N(0, 1)
as PyTorch; the row ``padding_idx`` (if given) starts at zero and receives no gradient.  The
backward sums repeated rows with a sort-and-reduce (fast on the CPU)."""
from __future__ import annotations

import engine

from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None, _weight=None, device=None,
                 dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for {num_embeddings} rows")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is not None:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight of shape {tuple(_weight.shape)} is not ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight)
        else:
            self.weight = Parameter(engine.zeros(num_embeddings, embedding_dim, dtype=dtype, device=device))
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, idx):
        return F.embedding(idx, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
