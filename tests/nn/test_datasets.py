"""The image datasets (MNIST family, CIFAR binary) on small files generated here: torchvision's
signature and samples, the vectorised path without transforms, and clear errors for missing or
corrupt files."""
import gzip
import io
import struct
import tarfile
import zipfile

import numpy as np
import pytest

from engine import Tensor
from nn.data import DataLoader, datasets
from nn.data.cifar import CIFARError
from nn.data.mnist import IDXError


def idx_bytes(arr):
    header = struct.pack(">I", (0x08 << 8) | arr.ndim) + b"".join(struct.pack(">I", s) for s in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def mnist_files(n=6, seed=0, num_classes=10, prefix=None):
    """{filename: gzip bytes} for a tiny MNIST-style train and test split, and the arrays."""
    rng = np.random.default_rng(seed)
    out, arrays = {}, {}
    for part, stem in (("train", "train"), ("test", "t10k")):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, num_classes, n).astype(np.uint8)
        img, lab = (f"{stem}-images-idx3-ubyte", f"{stem}-labels-idx1-ubyte") if prefix is None else \
            (f"{prefix}-{part}-images-idx3-ubyte", f"{prefix}-{part}-labels-idx1-ubyte")
        out[img + ".gz"] = gzip.compress(idx_bytes(images), mtime=0)
        out[lab + ".gz"] = gzip.compress(idx_bytes(labels), mtime=0)
        arrays[part] = (images, labels)
    return out, arrays


def cifar_records(n, label_bytes, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    labels = np.stack([rng.integers(0, 20, n), rng.integers(0, 100, n)], 1) if label_bytes == 2 else \
        rng.integers(0, 10, (n, 1))
    raw = np.concatenate([labels.astype(np.uint8), images.reshape(n, -1)], 1)
    return raw.tobytes(), images, labels


def cifar10_files(n=3):
    """{member name: bytes} of a tiny cifar-10-batches-bin folder and the arrays per file."""
    files, arrays = {}, {}
    for k, name in enumerate([f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]):
        files[name], images, labels = cifar_records(n, 1, seed=k)
        arrays[name] = (images, labels)
    files["batches.meta.txt"] = b"\n".join(c.encode() for c in datasets.CIFAR10.classes) + b"\n"
    return files, arrays


def write_files(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def tar_gz(folder_name, files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder_name}/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def emnist_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(f"gzip/{name}", data)
    return buf.getvalue()


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_family_torchvision_layout(tmp_path, cls):
    files, arrays = mnist_files()
    write_files(tmp_path / cls.__name__ / "raw", files)
    ds = cls(tmp_path, train=False)
    images, labels = arrays["test"]
    assert len(ds) == 6 and len(ds.classes) == 10
    np.testing.assert_array_equal(ds.data, images)
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.targets, labels)
    x, y = ds[4]
    assert isinstance(x, Tensor) and x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x.numpy()[0], images[4].astype(np.float32) / 255)
    assert y.item() == labels[4]
    assert "Split: Test" in repr(ds) and f"Dataset {cls.__name__}" in repr(ds)


def test_mnist_finds_the_project_copy_under_data():
    from pathlib import Path

    import nn

    data = Path(nn.__file__).resolve().parents[1] / "data"
    ds = datasets.MNIST(data, train=False, download=True)  # found in data/mnist/: nothing downloaded
    assert len(ds) == 10000 and ds.targets[:3].tolist() == [7, 2, 1]


def test_transform_gets_a_pil_image_and_target_an_int(tmp_path):
    from PIL import Image

    files, arrays = mnist_files()
    write_files(tmp_path, files)
    seen = []

    def transform(img):
        seen.append((type(img), img.mode, img.size))
        return np.asarray(img)

    ds = datasets.MNIST(tmp_path, train=True, transform=transform, target_transform=lambda t: t * 10)
    img, target = ds[-1]
    assert seen == [(Image.Image, "L", (28, 28))]
    np.testing.assert_array_equal(img, arrays["train"][0][-1])
    assert type(target) is int and target == int(arrays["train"][1][-1]) * 10
    assert not hasattr(ds, "get_batch")
    ds2 = datasets.MNIST(tmp_path, train=True, target_transform=int)
    x, t = ds2[0]
    assert isinstance(x, Tensor) and x.shape == (1, 28, 28) and type(t) is int


def test_loader_batches_with_and_without_transforms_agree(tmp_path):
    from nn.data import transforms as T

    files, _ = mnist_files(n=10)
    write_files(tmp_path, files)
    plain = datasets.MNIST(tmp_path)
    assert hasattr(plain, "get_batch")
    tf = datasets.MNIST(tmp_path, transform=T.ToTensor())
    (xa, ya), (xb, yb) = next(iter(DataLoader(plain, 4))), next(iter(DataLoader(tf, 4)))
    assert xa.shape == xb.shape == (4, 1, 28, 28) and ya.dtype == yb.dtype == np.int64
    np.testing.assert_array_equal(xa.numpy(), xb.numpy())
    np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    # the usual pipeline batches vectorised, with exactly the per-sample results
    norm = datasets.MNIST(tmp_path, transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,)),
                                                         T.CenterCrop(20)]))
    idx = np.array([7, 0, 3])
    xs, ys = norm.get_batch(idx)
    np.testing.assert_array_equal(xs.numpy(), np.stack([norm[int(i)][0].numpy() for i in idx]))
    assert xs.shape == (3, 1, 20, 20) and ys.numpy().tolist() == [norm[int(i)][1] for i in idx]
    for ds in (datasets.MNIST(tmp_path, transform=T.Compose([T.RandomCrop(28, padding=2), T.ToTensor()])),
               datasets.MNIST(tmp_path, transform=T.ToTensor(), target_transform=int)):
        assert not hasattr(ds, "get_batch")


def test_emnist_splits_and_classes(tmp_path):
    files, arrays = mnist_files(num_classes=27, prefix="emnist-letters")
    write_files(tmp_path / "EMNIST" / "raw", files)
    ds = datasets.EMNIST(tmp_path, split="letters", train=True)
    assert ds.classes[0] == "N/A" and ds.classes[1:3] == ["a", "b"] and len(ds.classes) == 27
    np.testing.assert_array_equal(ds.targets, arrays["train"][1])
    assert len(datasets.EMNIST.classes_split_dict["byclass"]) == 62
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(ValueError, match=r"EMNIST: unknown split 'letter'; choose one of byclass"):
        datasets.EMNIST(tmp_path, split="letter")
    with pytest.raises(FileNotFoundError, match=r"emnist-digits-test-images-idx3-ubyte\[.gz\]"):
        datasets.EMNIST(tmp_path, split="digits", train=False)


def test_missing_and_corrupt_idx_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"FashionMNIST: train-images-idx3-ubyte\[.gz\], "
                       r"train-labels-idx1-ubyte\[.gz\] not found in .*FashionMNIST/raw or .*; pass download=True"):
        datasets.FashionMNIST(tmp_path)
    with pytest.raises(TypeError, match="KMNIST: root is required"):
        datasets.KMNIST(None)
    files, _ = mnist_files()
    files["t10k-images-idx3-ubyte.gz"] = files["t10k-images-idx3-ubyte.gz"][:-30]
    write_files(tmp_path, files)
    with pytest.raises(IDXError, match=r"t10k-images-idx3-ubyte.gz: corrupt or truncated gzip stream.*"
                       r"pass download=True to fetch a fresh copy"):
        datasets.MNIST(tmp_path, train=False)
    bad, _ = mnist_files(num_classes=27)
    write_files(tmp_path / "KMNIST" / "raw", bad)
    with pytest.raises(IDXError, match=r"KMNIST: train-labels-idx1-ubyte.gz holds label 2\d, expected class indices 0..9"):
        datasets.KMNIST(tmp_path)


def test_cifar10_binary(tmp_path):
    files, arrays = cifar10_files()
    write_files(tmp_path / "cifar-10-batches-bin", files)
    train, test = datasets.CIFAR10(tmp_path), datasets.CIFAR10(tmp_path, train=False)
    assert len(train) == 15 and len(test) == 3 and train.classes[0] == "airplane"
    images, labels = arrays["data_batch_2.bin"]
    np.testing.assert_array_equal(train.data[3:6], images.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(train.targets[3:6], labels[:, 0])
    x, y = train[4]
    assert x.shape == (3, 32, 32)
    np.testing.assert_array_equal(x.numpy(), images[1] / np.float32(255))
    xb, yb = next(iter(DataLoader(test, 3)))
    np.testing.assert_array_equal(xb.numpy() * 255, arrays["test_batch.bin"][0].astype(np.float32))
    seen = []
    test_pil = datasets.CIFAR10(tmp_path, train=False, transform=lambda im: seen.append(im.mode) or np.asarray(im))
    np.testing.assert_array_equal(test_pil[0][0], arrays["test_batch.bin"][0][0].transpose(1, 2, 0))
    assert seen == ["RGB"]


def test_cifar100_binary_fine_and_coarse(tmp_path):
    raw, images, labels = cifar_records(4, 2)
    write_files(tmp_path / "cifar-100-binary", {"test.bin": raw})
    ds = datasets.CIFAR100(tmp_path, train=False)
    assert len(ds.classes) == 100 and ds.classes == sorted(ds.classes)
    np.testing.assert_array_equal(ds.targets, labels[:, 1])
    np.testing.assert_array_equal(ds.coarse_targets, labels[:, 0])
    np.testing.assert_array_equal(ds.data, images.transpose(0, 2, 3, 1))


def test_cifar_missing_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"CIFAR10: data_batch_1.bin, .*data_batch_5.bin not found in "
                       r".*cifar-10-batches-bin; pass download=True"):
        datasets.CIFAR10(tmp_path)
    folder = tmp_path / "cifar-100-binary"
    raw, _, _ = cifar_records(2, 2)
    write_files(folder, {"test.bin": raw[:-1]})
    with pytest.raises(CIFARError, match=r"test.bin: 6147 bytes is not a whole number of 3074-byte records"):
        datasets.CIFAR100(tmp_path, train=False)
    bad = bytearray(raw)
    bad[3074 + 1] = 100  # fine label of record 1
    write_files(folder, {"test.bin": bytes(bad)})
    with pytest.raises(CIFARError, match=r"test.bin: record 1 holds label 100, expected 0..99: corrupt"):
        datasets.CIFAR100(tmp_path, train=False)
