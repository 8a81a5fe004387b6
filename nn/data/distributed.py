"""Sharding a dataset by rank for data-parallel training, with a per-epoch shuffle every rank agrees on.

``DistributedShard(dataset, comm)`` is this rank's share of ``dataset`` (PyTorch's DistributedSampler
semantics, as a dataset view because :class:`~nn.data.DataLoader` takes datasets, not samplers)::

    shard = DistributedShard(train_set, comm, shuffle=True, seed=0)
    loader = DataLoader(shard, batch_size=B)          # leave the loader's own shuffle off
    for epoch in range(epochs):
        shard.set_epoch(epoch)                         # same permutation on every rank, new each epoch
        for x, y in loader: ...

Every rank draws the same permutation of ``range(len(dataset))`` from ``numpy.random.default_rng((seed,
epoch))`` -- no communication needed -- and takes every ``num_replicas``-th index starting at its rank.  So
that all ranks see the same number of samples (and therefore run the same number of all-reduces), the
permuted list is padded by repeating its head up to a multiple of ``num_replicas``, or, with
``drop_last=True``, cut down to one.  ``seed=None`` draws a seed on rank 0 and broadcasts it.  Without a
communicator, pass ``num_replicas`` and ``rank`` yourself.
"""
from __future__ import annotations

import numpy as np

from .dataset import Dataset

__all__ = ["DistributedShard", "shard_indices"]


def shard_indices(n: int, num_replicas: int, rank: int, epoch: int = 0, seed: int = 0, shuffle: bool = True,
                  drop_last: bool = False) -> np.ndarray:
    """The dataset indices rank ``rank`` of ``num_replicas`` gets in ``epoch`` (int64, see the module docstring)."""
    order = np.random.default_rng((seed, epoch)).permutation(n) if shuffle else np.arange(n)
    if drop_last:
        order = order[: n - n % num_replicas]
    elif n % num_replicas:
        pad = num_replicas - n % num_replicas
        order = np.concatenate([order, np.resize(order, pad)]) if n else order
    return order[rank::num_replicas].astype(np.int64)


class DistributedShard(Dataset):
    """This rank's share of ``dataset``; ``set_epoch(e)`` reshuffles the same way on every rank."""

    def __init__(self, dataset, comm=None, *, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int | None = 0, drop_last: bool = False):
        if comm is not None:
            if num_replicas is not None or rank is not None:
                raise ValueError("DistributedShard: pass either comm or num_replicas and rank, not both")
            num_replicas, rank = comm.size, comm.rank
        elif num_replicas is None or rank is None:
            raise ValueError("DistributedShard: without comm, num_replicas and rank are both required")
        if not isinstance(num_replicas, (int, np.integer)) or num_replicas < 1:
            raise ValueError(f"DistributedShard: num_replicas must be a positive int, got {num_replicas!r}")
        if not isinstance(rank, (int, np.integer)) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedShard: rank must be in [0, {num_replicas}), got {rank!r}")
        if seed is None:
            if comm is None:
                raise ValueError("DistributedShard: seed=None needs comm, to agree on a random seed across ranks")
            seed = comm.bcast_object(int(np.random.SeedSequence().entropy % 2**63), root=0)
        if drop_last and len(dataset) < num_replicas:
            raise ValueError(f"DistributedShard: drop_last with {len(dataset)} samples and {num_replicas} ranks "
                             "leaves every rank empty")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s permutation (call it with the same epoch on every rank)."""
        self.epoch = int(epoch)
        self.indices = shard_indices(len(self.dataset), self.num_replicas, self.rank, self.epoch, self.seed,
                                     self.shuffle, self.drop_last)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.dataset[int(self.indices[index])]
        return self.get_batch(index)

    def __getattr__(self, name):
        # ``get_batch`` exists only when the wrapped dataset has one (the loader checks with getattr)
        if name == "get_batch" and hasattr(self.__dict__.get("dataset"), "get_batch"):
            return lambda idx: self.dataset.get_batch(self.indices[np.asarray(idx)])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
