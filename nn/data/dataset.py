"""Datasets: the ``Dataset`` protocol, ``TensorDataset``, ``Subset``, ``random_split`` and a
train/validation/test splitter.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` returning one sample, as in PyTorch.
A dataset may also offer ``get_batch(indices)``, returning the whole batch at once (a tuple of
Tensors whose first axis runs over ``indices``); :class:`~nn.data.DataLoader` uses it instead of
fetching and stacking samples one by one.  ``TensorDataset`` (and therefore ``MNIST``) and
``Subset`` of such datasets provide it, so a loader over arrays indexes them once per batch with an
index array — no per-sample Python.

Splits draw their permutation from a ``numpy.random.Generator`` (or an int seed), so a given seed
always gives the same split.  Fractions are allowed wherever lengths are (PyTorch's rule: floor each
fraction's share, then hand the leftover items out one by one from the first split on).
"""
from __future__ import annotations

import numpy as np

from engine import Tensor
from engine.backend import get_array_module

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "train_val_test_split", "as_generator"]


def batch_indices(indices, n: int, owner: str):
    """``indices`` of a ``get_batch`` call checked against a dataset of ``n`` samples: a slice as it is, else
    an integer NumPy array within [-n, n) (``TypeError`` / ``IndexError`` naming ``owner`` otherwise)."""
    if isinstance(indices, slice):
        return indices
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{owner}.get_batch: indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < -n or indices.max() >= n):
        raise IndexError(f"{owner}: indices range over [{indices.min()}, {indices.max()}], "
                         f"but the dataset has {n} samples")
    return indices


def as_generator(generator) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a NumPy Generator (returned as is), an ``engine.Generator`` (its
    NumPy generator, so drawing here advances it), an int seed, or None.

    None draws a seed from NumPy's global generator, so ``np.random.seed(...)`` makes it reproducible."""
    if isinstance(generator, np.random.Generator):
        return generator
    if hasattr(generator, "numpy_generator"):  # an engine.Generator (torch.Generator's role)
        return generator.numpy_generator
    if generator is None:
        return np.random.default_rng(np.random.randint(0, 2**31 - 1))
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(int(generator))
    raise TypeError(f"expected an engine.Generator, a numpy.random.Generator, an int seed or None, got {type(generator).__name__}")


class Dataset:
    """Base class: subclasses define ``__len__`` and ``__getitem__``; ``get_batch`` is optional."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors/arrays: ``ds[i] == (t0[i], t1[i], ...)``.

    Every tensor needs the same first dimension.  Arrays are kept as they are (no copy, dtype kept:
    float images stay float, int64 labels stay int64); samples and batches come out as Tensors
    without a graph.  ``get_batch(idx)`` indexes every array once with the index array ``idx``.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = []
        for i, t in enumerate(tensors):
            a = t.array if isinstance(t, Tensor) else t
            if not hasattr(a, "shape"):
                a = np.asarray(a)
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a first (sample) axis")
            arrays.append(a)
        n = arrays[0].shape[0]
        if any(a.shape[0] != n for a in arrays):
            raise ValueError(
                "TensorDataset: all tensors need the same first dimension, got shapes "
                f"{[tuple(a.shape) for a in arrays]}"
            )
        self.arrays = tuple(arrays)

    @property
    def tensors(self) -> tuple:
        """The stored data as Tensors (sharing memory)."""
        return tuple(Tensor._wrap(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        n = len(self)
        if isinstance(index, (int, np.integer)):
            if not -n <= index < n:
                raise IndexError(f"TensorDataset: index {index} out of range for {n} samples")
            return tuple(Tensor._wrap(a[int(index)]) for a in self.arrays)
        return self.get_batch(index)

    def get_batch(self, indices) -> tuple:
        """One batch: every array indexed with ``indices`` (an integer array or a slice)."""
        indices = batch_indices(indices, len(self), "TensorDataset")
        out = []
        for a in self.arrays:
            idx = indices if isinstance(indices, slice) else get_array_module(a).asarray(indices)
            out.append(Tensor._wrap(a[idx]))
        return tuple(out)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.dataset[int(self.indices[index])]
        return self.get_batch(index)

    def __getattr__(self, name):
        # ``get_batch`` exists only when the wrapped dataset has one, so that the loader can tell
        ds = self.__dict__.get("dataset")
        if name == "get_batch" and hasattr(ds, "get_batch"):
            indices = self.__dict__["indices"]
            return lambda idx: ds.get_batch(indices[np.asarray(idx)])
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


def _split_lengths(lengths, n: int, where: str) -> list:
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1.0) < 1e-6:
        if any(not 0 <= f <= 1 for f in lengths):
            raise ValueError(f"{where}: fractions must lie in [0, 1], got {lengths}")
        out = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(out)):
            out[i % len(out)] += 1
        return out
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths):
        raise ValueError(f"{where}: lengths must be non-negative ints or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"{where}: lengths {lengths} sum to {sum(lengths)}, but the dataset has {n} samples")
    return [int(x) for x in lengths]


def random_split(dataset, lengths, generator=None) -> list:
    """Split ``dataset`` into non-overlapping random :class:`Subset`s of the given lengths (or
    fractions summing to 1); ``generator`` is a ``numpy.random.Generator``, an int seed or None."""
    n = len(dataset)
    sizes = _split_lengths(lengths, n, "random_split")
    perm = as_generator(generator).permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def train_val_test_split(dataset, val_fraction=0.1, test_fraction=0.0, shuffle=True, generator=None) -> tuple:
    """``(train, val, test)`` Subsets holding about these fractions of ``dataset`` (test may be empty).

    Sizes are rounded to the nearest item, the remainder goes to train.  With ``shuffle=False`` the
    split keeps the dataset's order (train first), which suits time series."""
    n = len(dataset)
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= f < 1:
            raise ValueError(f"train_val_test_split: {name} must lie in [0, 1), got {f}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"train_val_test_split: val_fraction + test_fraction = {val_fraction + test_fraction} leaves no training data"
        )
    n_val, n_test = int(round(n * val_fraction)), int(round(n * test_fraction))
    n_train = n - n_val - n_test
    order = as_generator(generator).permutation(n) if shuffle else np.arange(n)
    return (
        Subset(dataset, order[:n_train]),
        Subset(dataset, order[n_train : n_train + n_val]),
        Subset(dataset, order[n_train + n_val :]),
    )
