"""The IDX reader on small files written here: plain and gzip, and every kind of corruption
(bad magic, truncated header, truncated data, trailing bytes, broken gzip, count mismatch)."""
import gzip
import struct

import numpy as np
import pytest

from nn.data.mnist import MNIST, IDXError, load_mnist, read_idx, read_idx_images, read_idx_labels


def idx_bytes(arr, magic=None):
    code = {np.uint8: 0x08, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D}[arr.dtype.type]
    if magic is None:
        magic = (code << 8) | arr.ndim
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", s) for s in arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write(path, data, gz=False):
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)


@pytest.fixture
def labels():
    return np.array([3, 1, 4, 1, 5], dtype=np.uint8)


@pytest.mark.parametrize("gz", [False, True])
def test_roundtrip_plain_and_gzip(tmp_path, images, labels, gz):
    ip = write(tmp_path / "img", idx_bytes(images), gz)
    lp = write(tmp_path / "lab", idx_bytes(labels), gz)
    assert idx_bytes(images)[:4] == struct.pack(">I", 2051)
    assert idx_bytes(labels)[:4] == struct.pack(">I", 2049)
    np.testing.assert_array_equal(read_idx_images(ip), images)
    np.testing.assert_array_equal(read_idx_labels(lp), labels)


def test_multibyte_types_are_big_endian(tmp_path):
    a = np.arange(-6, 6, dtype=np.int32).reshape(3, 4) * 1000
    f = np.linspace(-1, 1, 7).astype(np.float32)
    np.testing.assert_array_equal(read_idx(write(tmp_path / "a", idx_bytes(a))), a)
    np.testing.assert_array_equal(read_idx(write(tmp_path / "f", idx_bytes(f))), f)


def test_bad_magic(tmp_path, images, labels):
    lp = write(tmp_path / "lab", idx_bytes(labels))
    with pytest.raises(IDXError, match=r"bad magic number 2049 \(0x00000801\), expected 2051 \(0x00000803\)"):
        read_idx_images(lp)
    junk = write(tmp_path / "junk", b"\x12\x34\x08\x01" + b"\x00" * 16)
    with pytest.raises(IDXError, match=r"junk: bad magic number 305399809 \(0x12340801\): not an IDX file"):
        read_idx(junk)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, images, gz):
    p = write(tmp_path / "img", idx_bytes(images)[:-10], gz)
    with pytest.raises(IDXError, match=r"truncated: header promises shape \(5, 28, 28\) \(3920 bytes of data\), file holds 3910"):
        read_idx_images(p)


def test_truncated_header_and_trailing_bytes(tmp_path, images):
    with pytest.raises(IDXError, match=r"truncated: 3 bytes, too short for an IDX header"):
        read_idx(write(tmp_path / "a", b"\x00\x00\x08"))
    with pytest.raises(IDXError, match=r"truncated: the header needs 16 bytes for 3 dimensions, file has 12"):
        read_idx(write(tmp_path / "b", idx_bytes(images)[:12]))
    with pytest.raises(IDXError, match=r"2 unexpected bytes after the data of shape \(5, 28, 28\)"):
        read_idx(write(tmp_path / "c", idx_bytes(images) + b"\x00\x00"))


def test_broken_gzip_stream(tmp_path, images):
    data = gzip.compress(idx_bytes(images))
    p = write(tmp_path / "img.gz", data[: len(data) // 2])
    with pytest.raises(IDXError, match=r"img.gz: corrupt or truncated gzip stream"):
        read_idx(p)
    with pytest.raises(IDXError, match=r"no such file"):
        read_idx(tmp_path / "missing")


def _mnist_dir(tmp_path, images, labels, gz=True):
    ext = ".gz" if gz else ""
    write(tmp_path / f"t10k-images-idx3-ubyte{ext}", idx_bytes(images), gz)
    write(tmp_path / f"t10k-labels-idx1-ubyte{ext}", idx_bytes(labels), gz)
    return tmp_path


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_dataset_from_root(tmp_path, images, labels, gz):
    ds = MNIST(root=_mnist_dir(tmp_path, images, labels, gz), train=False)
    assert len(ds) == 5 and ds.images.shape == (5, 1, 28, 28)
    assert ds.images.dtype == np.float32 and ds.labels.dtype == np.int64
    np.testing.assert_array_equal(ds.images[:, 0], images.astype(np.float32) / 255)
    x, y = ds[2]
    assert x.shape == (1, 28, 28) and y.item() == 4


def test_mnist_count_mismatch(tmp_path, images, labels):
    root = _mnist_dir(tmp_path, images, labels[:4])
    with pytest.raises(IDXError, match=r"count mismatch: t10k-images-idx3-ubyte.gz holds 5 images but "
                       r"t10k-labels-idx1-ubyte.gz holds 4 labels"):
        load_mnist(root, train=False)


def test_mnist_wrong_image_size_and_label_range(tmp_path, images, labels):
    with pytest.raises(IDXError, match=r"images of size \(28, 27\), expected \(28, 28\)"):
        load_mnist(_mnist_dir(tmp_path, np.ascontiguousarray(images[:, :, :27]), labels), train=False)
    bad = labels.copy()
    bad[0] = 10
    with pytest.raises(IDXError, match=r"holds label 10, expected digits 0..9"):
        load_mnist(_mnist_dir(tmp_path, images, bad), train=False)


def test_missing_files(tmp_path):
    with pytest.raises(IDXError, match=r"neither t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte found"):
        load_mnist(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match=r"is not a directory"):
        load_mnist(tmp_path / "nope")
