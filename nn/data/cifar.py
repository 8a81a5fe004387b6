"""CIFAR-10 and CIFAR-100 from their BINARY distribution (never the pickled Python one).

``CIFAR10(root, train=True, transform=None, target_transform=None, download=False)`` reads
``root/cifar-10-batches-bin/data_batch_{1..5}.bin`` (train) or ``test_batch.bin`` (test); each record
is 1 label byte then 3072 pixel bytes (the 32x32 red plane, then green, then blue, rows in order).
``CIFAR100`` reads ``root/cifar-100-binary/train.bin`` or ``test.bin``; records have 2 label bytes
(coarse superclass, then fine class) before the pixels.  As in torchvision, ``targets`` are the
(fine) class indices and ``data`` holds uint8 images (N, 32, 32, 3); CIFAR-100's superclasses are
in ``coarse_targets`` as well.  Samples are described in :mod:`nn.data.vision`.

Every file is checked before use: a size that is not a whole number of records, or a label outside
the classes, raises :class:`CIFARError` naming the file.  ``download=True`` fetches the binary
archive (``mirrors`` + ``archive``, MD5 as published on the CIFAR page) into ``root`` when the
split's files are not there (torchvision's rule: files present are used as they are), and takes
out of it only the files named above, by name.
"""
from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np

from engine.archive import atomic_write, byte_limit

from .download import download_resource
from .vision import VisionDataset

__all__ = ["CIFARError", "CIFAR10", "CIFAR100"]

_PIXELS = 3 * 32 * 32


class CIFARError(ValueError):
    """A CIFAR binary file is truncated, padded or holds labels outside the classes."""


class CIFAR10(VisionDataset):
    """CIFAR-10 (binary version): 50,000 training and 10,000 test 32x32 colour images, 10 classes."""

    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    archive = ("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")
    base_folder = "cifar-10-batches-bin"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    meta_files = ["batches.meta.txt"]
    label_bytes = 1
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        if root is None:
            raise TypeError(f"{type(self).__name__}: root is required (the folder holding {self.base_folder}/)")
        super().__init__(root, transform, target_transform)
        self.train = bool(train)
        folder = self.root / self.base_folder
        names = self.train_list if self.train else self.test_list
        if download and not all((folder / n).is_file() for n in names):
            self.download()
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise self.missing_files_error(type(self).__name__, missing, [folder])
        parts = [self._read(folder / n) for n in names]
        self.data = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts]).astype(np.int64)
        self.targets = labels[:, -1]
        if self.label_bytes == 2:
            self.coarse_targets = labels[:, 0]

    def _read(self, path: Path) -> tuple:
        """``(images (n, 32, 32, 3) uint8, labels (n, label_bytes) uint8)`` from one binary file."""
        record = self.label_bytes + _PIXELS
        size = path.stat().st_size
        hint = "(delete it and pass download=True to fetch a fresh copy)"
        if size > byte_limit(None):
            raise CIFARError(f"{type(self).__name__}: {path}: {size} bytes, more than the limit of {byte_limit(None)}")
        if size == 0 or size % record:
            raise CIFARError(f"{type(self).__name__}: {path}: {size} bytes is not a whole number of "
                             f"{record}-byte records: truncated or not a CIFAR binary file {hint}")
        raw = np.fromfile(path, dtype=np.uint8).reshape(-1, record)
        labels = raw[:, : self.label_bytes]
        limits = [20, 100] if self.label_bytes == 2 else [len(self.classes)]
        for k, (lim, kind) in enumerate(zip(limits, ["coarse label", "label"][-len(limits):])):
            if labels[:, k].max() >= lim:
                bad = int(np.argmax(labels[:, k] >= lim))
                raise CIFARError(f"{type(self).__name__}: {path}: record {bad} holds {kind} {int(labels[bad, k])}, "
                                 f"expected 0..{lim - 1}: corrupt file {hint}")
        images = raw[:, self.label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return np.ascontiguousarray(images), labels

    def download(self) -> None:
        """Fetch and unpack the binary archive unless every data file is already in place."""
        folder = self.root / self.base_folder
        names = self.train_list + self.test_list
        if all((folder / n).is_file() for n in names):
            return
        filename, md5 = self.archive
        path = download_resource(self.mirrors, filename, md5, self.root, type(self).__name__)
        limit = byte_limit(None)
        with tarfile.open(path, "r:gz") as tf:
            for name in names + self.meta_files:
                try:
                    member = tf.getmember(f"{self.base_folder}/{name}")
                except KeyError:
                    if name in self.meta_files:
                        continue
                    raise CIFARError(f"{type(self).__name__}: {path} holds no {self.base_folder}/{name}") from None
                if not member.isfile() or member.size > limit:
                    raise CIFARError(f"{type(self).__name__}: {path}: {member.name} is not a regular file "
                                     f"of at most {limit} bytes")
                data = tf.extractfile(member).read()
                folder.mkdir(parents=True, exist_ok=True)
                atomic_write(folder / name, lambda f, d=data: f.write(d))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (binary version): 50,000 training and 10,000 test 32x32 colour images, 100 fine
    classes (``targets``) in 20 superclasses (``coarse_targets``)."""

    archive = ("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")
    base_folder = "cifar-100-binary"
    train_list = ["train.bin"]
    test_list = ["test.bin"]
    meta_files = ["fine_label_names.txt", "coarse_label_names.txt"]
    label_bytes = 2
    classes = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger",
        "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]
