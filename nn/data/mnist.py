"""MNIST: a strict reader for IDX files (plain or gzip) and the ``MNIST`` dataset.

IDX layout (big-endian): a 4-byte magic ``0x00 0x00 <type> <ndim>``, then ``ndim`` uint32 sizes, then
the data.  MNIST images carry magic 2051 (uint8, 3-d: N x 28 x 28) and labels 2049 (uint8, 1-d).
The reader checks everything it can before returning: the magic number, that the data size is exactly
what the header promises (a truncated or padded file is an error, not a silently short array), that
gzip streams are complete, and, for MNIST, that image and label counts agree.  The size the header
declares is checked against ``engine.archive.MAX_LOAD_BYTES`` (1 GiB; ``read_idx(..., max_bytes=)``)
before any data is read, and gzip is decompressed only as far as the header promises, so a small
hostile file (a gzip bomb, a header of 4194304^3 elements) is refused without allocating.  Every failure raises
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

from engine.archive import byte_limit

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


def _read(stream, n: int, path: Path, what: str) -> bytes:
    try:
        data = stream.read(n)
    except (EOFError, OSError, zlib.error) as e:
        raise IDXError(f"{path}: corrupt or truncated gzip stream while reading {what} ({e})") from None
    return data


def read_idx(path, expected_magic: int | None = None, max_bytes: int | None = None) -> np.ndarray:
    """The array stored in the IDX file ``path`` (plain or gzip), in native byte order.

    ``expected_magic`` (e.g. 2051 for images, 2049 for labels) is checked when given.  The header's
    declared size is checked against ``max_bytes`` (default ``engine.archive.MAX_LOAD_BYTES``, 1 GiB)
    before any data is read or decompressed, and a gzip stream is decompressed only as far as the
    header promises (plus one byte to detect trailing data), so a small hostile file cannot make the
    reader allocate more than the limit."""
    path = Path(path)
    limit = byte_limit(max_bytes)
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise IDXError(f"{path}: no such file") from None
    with raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        head = _read(stream, 4, path, "the header")
        if len(head) < 4:
            raise IDXError(f"{path}: truncated: {len(head)} bytes, too short for an IDX header")
        magic = int.from_bytes(head, "big")
        if expected_magic is not None and magic != expected_magic:
            raise IDXError(
                f"{path}: bad magic number {magic} (0x{magic:08x}), expected {expected_magic} (0x{expected_magic:08x})"
            )
        zero, code, ndim = head[:2], head[2], head[3]
        if zero != b"\x00\x00" or code not in _IDX_TYPES:
            raise IDXError(f"{path}: bad magic number {magic} (0x{magic:08x}): not an IDX file")
        dims = _read(stream, 4 * ndim, path, "the header")
        if len(dims) < 4 * ndim:
            raise IDXError(f"{path}: truncated: the header needs {4 + 4 * ndim} bytes for {ndim} dimensions, "
                           f"file has {4 + len(dims)}")
        shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
        dtype = np.dtype(_IDX_TYPES[code])
        need = dtype.itemsize
        for s in shape:  # Python ints: no overflow however large the header's sizes
            need *= s
        if need > limit:
            raise IDXError(
                f"{path}: header declares shape {shape} ({need} bytes of data), more than the limit of {limit} bytes; "
                "if you trust the file, pass a larger max_bytes= (or set engine.archive.MAX_LOAD_BYTES)"
            )
        data = _read(stream, need, path, "the data")
        if len(data) < need:
            raise IDXError(
                f"{path}: truncated: header promises shape {shape} ({need} bytes of data), file holds {len(data)}"
            )
        extra = 0
        while extra <= limit:  # count what follows the data without keeping it
            chunk = _read(stream, 1 << 20, path, "the end of the data")
            if not chunk:
                break
            extra += len(chunk)
        if extra:
            count = f"{extra}" if extra <= limit else f"more than {limit}"
            raise IDXError(f"{path}: {count} unexpected bytes after the data of shape {shape} ({need} bytes)")
    arr = np.frombuffer(data, dtype=dtype, count=need // dtype.itemsize).reshape(shape)
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
