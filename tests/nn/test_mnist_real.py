"""The MNIST copy shipped in data/mnist/ loads with the published counts, shapes and ranges."""
import numpy as np
import pytest

from nn.data import MNIST, DataLoader

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def train():
    return MNIST(train=True)


def test_train_set(train):
    assert len(train) == 60000
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == np.float32
    assert train.labels.dtype == np.int64
    assert np.bincount(train.labels).tolist() == TRAIN_COUNTS
    assert train.images.min() == 0.0 and train.images.max() == 1.0
    # pins the first training sample: a 5 whose uint8 pixels sum to 27525
    assert train.labels[0] == 5
    assert train.images[0].sum() * 255 == pytest.approx(27525, abs=0.05)


def test_test_set():
    test = MNIST(train=False)
    assert len(test) == 10000 and test.images.shape == (10000, 1, 28, 28)
    assert np.bincount(test.labels).tolist() == TEST_COUNTS


def test_loader_over_mnist(train):
    loader = DataLoader(train, batch_size=128, shuffle=True, generator=0, drop_last=True)
    assert len(loader) == 468
    x, y = next(iter(loader))
    assert x.shape == (128, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    perm = np.random.default_rng(0).permutation(60000)[:128]
    np.testing.assert_array_equal(x.numpy(), train.images[perm])
    np.testing.assert_array_equal(y.numpy(), train.labels[perm])
