"""``EmbeddingBag``: an embedding table whose forward reduces bags of looked-up rows ("sum", "mean" or "max")
without materialising them, as torch.nn.EmbeddingBag: a thin module over ``F.embedding_bag``
(nn/functional_bag.py), with torch's constructor (parameters, order, defaults), ``forward(input, offsets=None,
per_sample_weights=None)``, ``from_pretrained`` and ``extra_repr``.

The weight starts from N(0, 1) with the ``padding_idx`` row zeroed, as torch.  ``sparse=True`` raises
NotImplementedError (Kiln has no sparse gradients, see ``F.embedding``), and an unknown ``mode`` raises
ValueError at construction (torch waits for the first forward).
"""
from __future__ import annotations

import engine

from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Module):
    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, _weight=None,
                 include_last_offset: bool = False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        if sparse:
            raise NotImplementedError("EmbeddingBag: sparse=True asks for sparse gradients, which Kiln does not have "
                                      "(its gradients are dense); pass sparse=False")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError(f"EmbeddingBag: padding_idx must be within num_embeddings (got {padding_idx} "
                                     f"for {num_embeddings} embeddings)")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        if _weight is not None:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(f"EmbeddingBag: Shape of weight does not match num_embeddings and embedding_dim "
                                     f"({tuple(_weight.shape)} vs ({num_embeddings}, {embedding_dim}))")
            self.weight = Parameter(_weight)
        else:
            self.weight = Parameter(engine.zeros(num_embeddings, embedding_dim, dtype=dtype, device=device))
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):  # noqa: A002  (torch's names)
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag over the 2-d ``embeddings`` (shared, not copied, as torch); ``freeze`` keeps it fixed."""
        if len(embeddings.shape) != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-d, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings, include_last_offset,
                  padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag
