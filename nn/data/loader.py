"""``DataLoader``: batches from a dataset, optionally shuffled, moved to a device and transformed.

Each epoch (each ``iter(loader)``) orders the indices — ``0..n-1``, or a permutation drawn from the
loader's generator when ``shuffle=True`` — and cuts them into batches of ``batch_size`` (the last one
shorter unless ``drop_last``).  A batch is then built in one of two ways:

* with the default collate and a dataset that has ``get_batch(indices)`` (``TensorDataset``,
  ``MNIST``, their ``Subset``s): one vectorised indexing per array, no per-sample Python;
* otherwise, as PyTorch does: ``collate_fn([dataset[i] for i in batch_indices])``; the default
  :func:`default_collate` stacks Tensors/arrays/numbers field by field.

``generator`` may be a ``numpy.random.Generator`` or an int seed: the same seed gives the same
sequence of epochs; successive epochs get different permutations.  Without one, permutations come
from NumPy's global generator (``np.random.seed`` makes them reproducible).  ``device`` moves every
Tensor of the batch there; ``transform`` (a batch transform from :mod:`nn.data.transforms`) is
applied after that, on the device, to the batch's first field (the inputs).
"""
from __future__ import annotations

import numbers

import numpy as np

from engine import Tensor
from engine.backend import as_device, get_array_module, is_array, to_device

from .dataset import as_generator

__all__ = ["DataLoader", "default_collate"]


def default_collate(samples):
    """Stack a list of samples into a batch: tuples/lists field by field, dicts key by key,
    Tensors and arrays with ``stack`` (new first axis), ints to int64 and floats to float32 Tensors,
    anything else (strings, ...) into a plain list."""
    if not samples:
        raise ValueError("default_collate: empty batch")
    first = samples[0]
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, Tensor) or is_array(first):
        arrays = [s.array if isinstance(s, Tensor) else s for s in samples]
        shapes = {tuple(a.shape) for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"default_collate: cannot stack samples of different shapes {sorted(shapes)}")
        return Tensor._wrap(get_array_module(arrays[0]).stack(arrays))
    if isinstance(first, (bool, np.bool_)):
        return Tensor._wrap(np.asarray(samples, dtype=bool))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(np.asarray(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(np.asarray(samples, dtype=np.float32))
    return list(samples)


def _to_device(batch, device):
    if isinstance(batch, Tensor):
        return Tensor._wrap(to_device(batch.array, device))
    if isinstance(batch, tuple):
        return tuple(_to_device(b, device) for b in batch)
    if isinstance(batch, list):
        return [_to_device(b, device) for b in batch]
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch


class DataLoader:
    """Iterate over ``dataset`` in batches (see the module docstring for the details)."""

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn=None,
        generator=None,
        device=None,
        transform=None,
        *,
        num_workers: int = 0,
        pin_memory: bool = False,
        timeout: float = 0,
        worker_init_fn=None,
        prefetch_factor=None,
        persistent_workers: bool = False,
        sampler=None,
        batch_sampler=None,
    ):
        # torch's multi-process loading knobs are accepted so that torch programs run unchanged; Kiln loads in
        # the calling process (batches are one fancy-indexing call on array datasets), so they change nothing.
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int, got {num_workers!r}")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("DataLoader: sampler= and batch_sampler= are not supported; use shuffle= and "
                                      "generator=, or index the dataset yourself")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = None if generator is None else as_generator(generator)
        self.device = None if device is None else as_device(device)
        self.transform = transform

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self, n: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(n)
        if self.generator is not None:
            return self.generator.permutation(n)
        return np.random.permutation(n)

    def _fetch(self, idx: np.ndarray):
        get_batch = getattr(self.dataset, "get_batch", None) if self.collate_fn is None else None
        if get_batch is not None:
            return get_batch(idx)
        collate = self.collate_fn or default_collate
        return collate([self.dataset[int(i)] for i in idx])

    def __iter__(self):
        n = len(self.dataset)
        order = self._order(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            batch = self._fetch(order[start : start + self.batch_size])
            if self.device is not None:
                batch = _to_device(batch, self.device)
            if self.transform is not None:
                if isinstance(batch, (tuple, list)):
                    batch = (self.transform(batch[0]),) + tuple(batch[1:])
                else:
                    batch = self.transform(batch)
            yield batch
