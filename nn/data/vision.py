"""``VisionDataset``: the base of the image datasets (MNIST family, CIFAR), torchvision's shape.

A subclass loads its whole split into ``data`` (uint8, (N, H, W) for grey images or (N, H, W, C) for
colour, torchvision's layout) and ``targets`` (int64, (N,)), and names its ``classes``.  Samples:

* with a ``transform`` (torchvision's way), ``ds[i]`` hands the transform a ``PIL.Image`` (mode "L"
  or "RGB", as torchvision does, so ``transforms.ToTensor()`` and PIL-based code work) and returns
  ``(transform(image), target)`` with ``target`` a Python int passed through ``target_transform``;
* without a ``transform``, the image comes out as ``ToTensor`` would make it: a float32 Tensor
  (C, H, W) in [0, 1].  This differs from torchvision (which returns the PIL image) so that the
  datasets batch without per-sample Python: with neither transform, samples are
  ``(image Tensor, int64 Tensor)``.

The dataset offers ``get_batch(indices)``, which :class:`~nn.data.DataLoader` uses to build a batch
with one indexing per array, wherever that gives exactly what the per-sample path gives: without
transforms, and with ``transform=ToTensor()`` or ``Compose([ToTensor(), Normalize(...)])`` (and
``CenterCrop``) and no ``target_transform`` — the usual MNIST pipelines.  Any other transform runs
per sample on PIL images.

``images`` (float32 (N, C, H, W), computed once on first use) and ``labels`` (``targets``) give the
whole split as arrays.  Files that are missing raise ``FileNotFoundError`` naming each file and
saying that ``download=True`` fetches them; corrupt files raise a ``ValueError`` subclass naming
the file.
"""
from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np

from engine import Tensor

from .dataset import Dataset, batch_indices

__all__ = ["VisionDataset", "to_chw_float"]


def to_chw_float(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W) or (N, H, W, C) as float32 (N, C, H, W) in [0, 1] (``x / 255``)."""
    a = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    return a.astype(np.float32) / np.float32(255.0)


def _batch_steps(transform):
    """The steps to apply to a whole float batch so that it equals the per-sample results: ``[]``
    without a transform; the steps after ``ToTensor`` when ``transform`` is ``ToTensor()`` or
    ``Compose([ToTensor(), ...])`` followed only by deterministic per-pixel-or-slice transforms
    (``Normalize``, ``CenterCrop``); None otherwise (the DataLoader then goes sample by sample)."""
    if transform is None:
        return []
    from .transforms import CenterCrop, Compose, Normalize, ToTensor

    steps = list(transform.transforms) if type(transform) is Compose else [transform]
    if steps and type(steps[0]) is ToTensor and all(type(s) in (Normalize, CenterCrop) for s in steps[1:]):
        return steps[1:]
    return None


class VisionDataset(Dataset):
    """Base class (see the module docstring); subclasses set ``data``, ``targets`` and ``classes``."""

    classes: list = []
    mirrors: list = []

    def __init__(self, root, transform=None, target_transform=None):
        self.root = None if root is None else Path(os.path.expanduser(os.fspath(root)))
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{type(self).__name__}: {name} must be callable, got {type(fn).__name__}")
        self.transform = transform
        self.target_transform = target_transform

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    @cached_property
    def images(self) -> np.ndarray:
        """The whole split as float32 (N, C, H, W) in [0, 1]."""
        return to_chw_float(self.data)

    @property
    def labels(self) -> np.ndarray:
        return self.targets

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def _index(self, index) -> int:
        n = len(self)
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"{type(self).__name__}: index must be an int, got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} out of range for {n} samples")
        return int(index) % n

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)) and self.transform is None and self.target_transform is None:
            return self._get_batch(index)
        i = self._index(index)
        img, target = self.data[i], int(self.targets[i])
        if self.transform is None and self.target_transform is None:
            return Tensor._wrap(to_chw_float(img[None])[0]), Tensor._wrap(np.asarray(target, dtype=np.int64))
        if self.transform is not None:
            from PIL import Image  # matplotlib's dependency; only needed on the torchvision-style path

            img = self.transform(Image.fromarray(np.ascontiguousarray(img)))
        else:
            img = Tensor._wrap(to_chw_float(img[None])[0])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _get_batch(self, indices) -> tuple:
        indices = batch_indices(indices, len(self), type(self).__name__)
        if "images" in self.__dict__:  # already converted once: index the float copy
            x = self.images[indices]
        else:
            x = to_chw_float(self.data[indices])
        return Tensor._wrap(x), Tensor._wrap(self.targets[indices])

    def __getattr__(self, name):
        # ``get_batch`` exists only where it gives what per-sample calls would (see _batch_steps)
        if name == "get_batch" and "targets" in self.__dict__ and self.__dict__.get("target_transform") is None:
            steps = _batch_steps(self.__dict__.get("transform"))
            if steps == []:
                return self._get_batch
            if steps is not None:
                return lambda indices: self._get_batch_through(indices, steps)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def _get_batch_through(self, indices, steps) -> tuple:
        x, y = self._get_batch(indices)
        for step in steps:
            x = step(x)
        return x, y

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}"]
        if self.extra_repr():
            lines.append("    " + self.extra_repr())
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)

    @staticmethod
    def missing_files_error(dataset: str, names, folders) -> FileNotFoundError:
        """The error for a dataset folder without its files: names each file and ``download=True``."""
        where = " or ".join(str(f) for f in folders)
        return FileNotFoundError(
            f"{dataset}: {', '.join(names)} not found in {where}; pass download=True to fetch "
            f"the files (or place them there by hand)"
        )
