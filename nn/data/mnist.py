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

The datasets, torchvision's signature ``(root, train=True, transform=None, target_transform=None,
download=False)``: ``MNIST`` (``root=None`` reads the project's copy in ``data/mnist/``, found from
the repository root or under the current directory), ``FashionMNIST``, ``KMNIST`` and
``EMNIST(root, split)``, all on the same IDX reader; samples as :mod:`nn.data.vision` describes
(without transforms: float32 (1, 28, 28) images in [0, 1] and int64 labels, batched vectorised).
"""
from __future__ import annotations

import gzip
import string
import zipfile
import zlib
from pathlib import Path

import numpy as np

from engine.archive import atomic_write, byte_limit

from .download import download_resource
from .vision import VisionDataset

__all__ = ["IDXError", "read_idx", "read_idx_images", "read_idx_labels", "load_idx_pair", "load_mnist", "MNIST",
           "FashionMNIST", "KMNIST", "EMNIST", "find_mnist_root"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

# IDX type byte -> big-endian NumPy dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _gz_resources(*md5s) -> list:
    """``resources`` of a data set in MNIST's layout: its four ``.gz`` files (training images and labels,
    then test images and labels), each with the given MD5."""
    return [(f"{name}.gz", md5) for name, md5 in zip(_FILES[True] + _FILES[False], md5s, strict=True)]


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


def load_idx_pair(img_path: Path, lab_path: Path, dataset: str, num_classes: int, size=(28, 28)) -> tuple:
    """``(images, labels)`` from an IDX image file and its label file: uint8 (N, *size) and uint8 (N,),
    counts checked to agree, image size checked, labels checked to lie in ``0..num_classes-1``."""
    images, labels = read_idx_images(img_path), read_idx_labels(lab_path)
    if images.shape[0] != labels.shape[0]:
        raise IDXError(
            f"{dataset}: count mismatch: {img_path.name} holds {images.shape[0]} images but "
            f"{lab_path.name} holds {labels.shape[0]} labels"
        )
    if images.shape[1:] != tuple(size):
        raise IDXError(f"{dataset}: {img_path.name} holds images of size {images.shape[1:]}, expected {tuple(size)}")
    if labels.size and labels.max() >= num_classes:
        expected = "digits 0..9" if num_classes == 10 and dataset == "MNIST" else f"class indices 0..{num_classes - 1}"
        raise IDXError(f"{dataset}: {lab_path.name} holds label {int(labels.max())}, expected {expected}")
    return images, labels


def load_mnist(root=None, train: bool = True) -> tuple:
    """``(images, labels)`` as stored: uint8 (N, 28, 28) and uint8 (N,), counts checked to agree."""
    root = find_mnist_root(root)
    img_path, lab_path = (_locate(root, s) for s in _FILES[bool(train)])
    return load_idx_pair(img_path, lab_path, "MNIST", 10)


class MNIST(VisionDataset):
    """The MNIST digits, torchvision's signature: ``MNIST(root=None, train=True, transform=None,
    target_transform=None, download=False)``; ``train=True`` gives the 60,000 training images,
    ``False`` the 10,000 test ones.  Samples are described in :mod:`nn.data.vision`.

    Files are looked for in ``root/<ClassName>/raw/`` (torchvision's layout), then in ``root`` itself
    (and, for MNIST, in ``root/mnist/``, the project's layout), as ``<name>`` or ``<name>.gz``.
    ``root=None`` (MNIST only) reads the copy the project ships in ``data/mnist/``.  As in
    torchvision, ``download=True`` downloads only when this split's files are not found: then it
    fetches the four ``.gz`` files into ``root/<ClassName>/raw/`` from ``mirrors`` (tried in order),
    checks each against the MD5 in ``resources`` (a file already there with the right MD5 is kept,
    one with another is fetched again) and reads them from there."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = _gz_resources("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                              "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform, target_transform)
        self.train = bool(train)
        folder = self._folder(bool(download))
        img_path, lab_path = (self._locate(folder, stem) for stem in self._stems())
        try:
            images, labels = load_idx_pair(img_path, lab_path, type(self).__name__, len(self.classes))
        except IDXError as e:
            raise IDXError(f"{e} (delete the damaged file and pass download=True to fetch a fresh copy)") from None
        self.data = images
        self.targets = labels.astype(np.int64)

    @property
    def raw_folder(self) -> Path:
        return self.root / type(self).__name__ / "raw"

    def _stems(self) -> tuple:
        return _FILES[self.train]

    @staticmethod
    def _locate(folder: Path, stem: str):
        for name in (stem + ".gz", stem):
            if (folder / name).exists():
                return folder / name
        return None

    def _folders(self) -> list:
        folders = [self.raw_folder, self.root]
        if type(self).__name__ == "MNIST":
            folders.append(self.root / "mnist")  # the project's own layout: data/mnist/
        return folders

    def _folder(self, download: bool) -> Path:
        name = type(self).__name__
        if self.root is None:
            if name != "MNIST":
                raise TypeError(f"{name}: root is required (the folder to read the files from, or to download to)")
            self.root = find_mnist_root(None)
            return self.root
        folders = self._folders()
        for folder in folders:
            if all(self._locate(folder, stem) is not None for stem in self._stems()):
                return folder
        if download:
            self.download()
            return self.raw_folder
        missing = [s + "[.gz]" for s in self._stems() if all(self._locate(f, s) is None for f in folders)]
        raise self.missing_files_error(name, missing or [s + "[.gz]" for s in self._stems()], folders)

    def download(self) -> None:
        """Fetch every file of ``resources`` into ``raw_folder``: each one checked against its MD5 (one
        already there with the right MD5 is kept, one with another is fetched again)."""
        for filename, md5 in self.resources:
            download_resource(self.mirrors, filename, md5, self.raw_folder, type(self).__name__)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, MNIST's files and layout."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = _gz_resources("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                              "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 grey images of 10 cursive Japanese characters, MNIST's files and layout."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = _gz_resources("bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
                              "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134")
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


_EMNIST_MERGED = set("cijklmopsuvwxyz")
_EMNIST_ALL = sorted(string.digits + string.ascii_letters)


class EMNIST(MNIST):
    """Extended MNIST: ``EMNIST(root, split, train=True, ...)`` with ``split`` one of ``byclass``,
    ``bymerge``, ``balanced``, ``letters``, ``digits``, ``mnist``.  Files
    ``emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte[.gz]`` in ``root/EMNIST/raw/``
    (or ``root``).  ``download=True`` fetches NIST's ``gzip.zip`` (MD5-checked) and takes the
    ``.gz`` members out of it.  As in torchvision, images are kept as stored (NIST stores them
    transposed) and ``letters`` labels run 1..26 (class 0 is "N/A")."""

    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    mirrors = ["https://biometrics.nist.gov/cs_links/EMNIST/"]
    archive = "gzip.zip"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    classes_split_dict = {
        "byclass": _EMNIST_ALL,
        "bymerge": sorted(set(_EMNIST_ALL) - _EMNIST_MERGED),
        "balanced": sorted(set(_EMNIST_ALL) - _EMNIST_MERGED),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split: str, train: bool = True, transform=None, target_transform=None,
                 download: bool = False):
        if split not in self.splits:
            raise ValueError(f"EMNIST: unknown split {split!r}; choose one of {', '.join(self.splits)}")
        self.split = split
        self.classes = self.classes_split_dict[split]
        super().__init__(root, train, transform, target_transform, download)

    def _stems(self) -> tuple:
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def download(self) -> None:
        """Fetch ``gzip.zip`` into ``raw_folder`` unless this split's files are there, and take out its
        ``emnist-*.gz`` members (by their known names only; each checked against the size limit)."""
        raw = self.raw_folder
        if all(self._locate(raw, s) is not None for s in self._stems()):
            return
        zpath = download_resource(self.mirrors, self.archive, self.md5, raw, "EMNIST")
        limit = byte_limit(None)
        wanted = {f"emnist-{sp}-{part}-{kind}-ubyte.gz" for sp in self.splits for part in ("train", "test")
                  for kind in ("images-idx3", "labels-idx1")}
        with zipfile.ZipFile(zpath) as zf:
            for info in zf.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if name not in wanted:
                    continue
                if info.file_size > limit:
                    raise IDXError(f"EMNIST: {zpath}: member {info.filename} declares {info.file_size} bytes, "
                                   f"more than the limit of {limit}")
                with zf.open(info) as member:
                    data = member.read(limit + 1)
                atomic_write(raw / name, lambda f, d=data: f.write(d))
        missing = [s + ".gz" for s in self._stems() if self._locate(raw, s) is None]
        if missing:
            raise IDXError(f"EMNIST: {zpath} holds no {', '.join(missing)}")

    def extra_repr(self) -> str:
        return f"Split: {self.split} {'train' if self.train else 'test'}"
