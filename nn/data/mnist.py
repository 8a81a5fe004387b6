"""MNIST: a strict reader for IDX files (plain or gzip) and the ``MNIST`` dataset.

IDX layout (big-endian): a 4-byte magic ``0x00 0x00 <type> <ndim>``, then ``ndim`` uint32 sizes, then
the data.  MNIST images carry magic 2051 (uint8, 3-d: N x 28 x 28) and labels 2049 (uint8, 1-d).
The reader checks everything it can before returning: the magic number, that the data size is exactly
what the header promises (a truncated or padded file is an error, not a silently short array), that
gzip streams are complete, and, for MNIST, that image and label counts agree.  Every failure raises
:class:`IDXError` (a ``ValueError``) naming the file and what was wrong.  Gzip is recognised by its
own magic bytes, whatever the file name says.

``MNIST(root=None, train=True)`` reads the project's copy in ``data/mnist/`` (found from the repository
root, or under the current directory, or from ``root=``) and is a ``TensorDataset`` of float32 images
scaled to [0, 1] with shape (N, 1, 28, 28) and int64 labels, so a DataLoader batches it vectorised.
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .dataset import TensorDataset

__all__ = ["IDXError", "read_idx", "read_idx_images", "read_idx_labels", "load_mnist", "MNIST", "find_mnist_root"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

# IDX type byte -> big-endian NumPy dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class IDXError(ValueError):
    """An IDX file is missing, truncated, or not what it claims to be."""


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IDXError(f"{path}: no such file") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise IDXError(f"{path}: corrupt or truncated gzip stream ({e})") from None
    return raw


def read_idx(path, expected_magic: int | None = None) -> np.ndarray:
    """The array stored in the IDX file ``path`` (plain or gzip), in native byte order.

    ``expected_magic`` (e.g. 2051 for images, 2049 for labels) is checked when given."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: truncated: {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise IDXError(f"{path}: bad magic number {magic} (0x{magic:08x}), expected {expected_magic} (0x{expected_magic:08x})")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in _IDX_TYPES:
        raise IDXError(f"{path}: bad magic number {magic} (0x{magic:08x}): not an IDX file")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: truncated: the header needs {header} bytes for {ndim} dimensions, file has {len(raw)}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    have = len(raw) - header
    if have < need:
        raise IDXError(f"{path}: truncated: header promises shape {shape} ({need} bytes of data), file holds {have}")
    if have > need:
        raise IDXError(f"{path}: {have - need} unexpected bytes after the data of shape {shape} ({need} bytes)")
    arr = np.frombuffer(raw, dtype=dtype, count=need // dtype.itemsize, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def read_idx_images(path) -> np.ndarray:
    """uint8 images (N, rows, cols) from an IDX image file (magic 2051)."""
    arr = read_idx(path, IMAGES_MAGIC)
    if arr.ndim != 3:
        raise IDXError(f"{path}: image file has {arr.ndim} dimensions {arr.shape}, expected 3 (N, rows, cols)")
    return arr


def read_idx_labels(path) -> np.ndarray:
    """uint8 labels (N,) from an IDX label file (magic 2049)."""
    arr = read_idx(path, LABELS_MAGIC)
    if arr.ndim != 1:
        raise IDXError(f"{path}: label file has {arr.ndim} dimensions {arr.shape}, expected 1")
    return arr


def find_mnist_root(root=None) -> Path:
    """The folder holding the MNIST files: ``root`` if given, else ``data/mnist`` under the
    repository root (next to the ``nn`` package) or under the current directory."""
    if root is not None:
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"MNIST: root {root} is not a directory")
        return root
    candidates = [Path(__file__).resolve().parents[2] / "data" / "mnist", Path.cwd() / "data" / "mnist"]
    for c in candidates:
        if (c / (_FILES[True][0] + ".gz")).exists() or (c / _FILES[True][0]).exists():
            return c
    raise FileNotFoundError(
        "MNIST: no data/mnist folder with the IDX files found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); pass root= the folder holding train-images-idx3-ubyte[.gz] and friends"
    )


def _locate(root: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (root / name).exists():
            return root / name
    raise IDXError(f"MNIST: neither {stem}.gz nor {stem} found in {root}")


def load_mnist(root=None, train: bool = True) -> tuple:
    """``(images, labels)`` as stored: uint8 (N, 28, 28) and uint8 (N,), counts checked to agree."""
    root = find_mnist_root(root)
    img_path, lab_path = (_locate(root, s) for s in _FILES[bool(train)])
    images, labels = read_idx_images(img_path), read_idx_labels(lab_path)
    if images.shape[0] != labels.shape[0]:
        raise IDXError(
            f"MNIST: count mismatch: {img_path.name} holds {images.shape[0]} images but "
            f"{lab_path.name} holds {labels.shape[0]} labels"
        )
    if images.shape[1:] != (28, 28):
        raise IDXError(f"MNIST: {img_path.name} holds images of size {images.shape[1:]}, expected (28, 28)")
    if labels.size and labels.max() > 9:
        raise IDXError(f"MNIST: {lab_path.name} holds label {int(labels.max())}, expected digits 0..9")
    return images, labels


class MNIST(TensorDataset):
    """The MNIST digits as ``(image, label)`` samples: float32 images in [0, 1] of shape (1, 28, 28),
    int64 labels.  ``train=True`` gives the 60,000 training images, ``False`` the 10,000 test ones.

    ``images``/``labels`` hold the whole set as NumPy arrays (N, 1, 28, 28) and (N,)."""

    classes = tuple(str(d) for d in range(10))

    def __init__(self, root=None, train: bool = True):
        self.root = find_mnist_root(root)
        images, labels = load_mnist(self.root, train)
        self.train = bool(train)
        self.images = (images.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
        self.labels = labels.astype(np.int64)
        super().__init__(self.images, self.labels)

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"MNIST({split}, {len(self)} samples, root={os.fspath(self.root)!r})"
