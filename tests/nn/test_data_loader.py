"""Datasets, splits and the DataLoader: batching, vectorised fetching, shuffle reproducibility,
drop_last, collate functions and device placement."""
import numpy as np
import pytest

from engine import Tensor, tensor
from nn.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split, train_val_test_split


def make_ds(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(tensor(x), y), x, y


class ListDataset(Dataset):
    """A dataset without get_batch (the per-sample path)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32), i


def test_tensor_dataset_items_and_errors():
    ds, x, y = make_ds()
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi.numpy(), x[3])
    assert yi.item() == 3 and yi.dtype == np.int64
    with pytest.raises(ValueError, match=r"same first dimension, got shapes \[\(10, 3\), \(9,\)\]"):
        TensorDataset(x, y[:9])
    with pytest.raises(IndexError, match=r"index 10 out of range for 10 samples"):
        ds[10]
    with pytest.raises(IndexError, match=r"indices range over \[0, 12\], but the dataset has 10 samples"):
        ds.get_batch([0, 12])


def test_batches_in_order_with_last_short_batch():
    ds, x, y = make_ds()
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)
    assert all(isinstance(b[0], Tensor) and not b[0].requires_grad for b in batches)


def test_drop_last():
    ds, x, _ = make_ds()
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2
    batches = list(loader)
    assert len(batches) == 2 and all(b[0].shape == (4, 3) for b in batches)


def test_tensor_dataset_is_fetched_vectorised_not_per_sample():
    ds, x, _ = make_ds()
    calls = []
    orig = TensorDataset.__getitem__
    TensorDataset.__getitem__ = lambda self, i: calls.append(i) or orig(self, i)
    try:
        list(DataLoader(ds, batch_size=3, shuffle=True, generator=1))
    finally:
        TensorDataset.__getitem__ = orig
    assert calls == []


def test_shuffle_reproducible_per_seed_and_new_each_epoch():
    ds, x, _ = make_ds(50)

    def epochs(loader, k=2):
        return [np.concatenate([b[1].numpy() for b in loader]) for _ in range(k)]

    a = epochs(DataLoader(ds, batch_size=8, shuffle=True, generator=7))
    b = epochs(DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(7)))
    rng = np.random.default_rng(7)
    expect = [rng.permutation(50), rng.permutation(50)]
    for e, ea, eb in zip(expect, a, b):
        np.testing.assert_array_equal(ea, e)
        np.testing.assert_array_equal(eb, e)
    assert not np.array_equal(a[0], a[1])
    assert sorted(a[0].tolist()) == list(range(50))
    # without a generator, NumPy's global seed decides
    np.random.seed(3)
    c = epochs(DataLoader(ds, batch_size=8, shuffle=True), 1)[0]
    np.random.seed(3)
    np.testing.assert_array_equal(c, np.random.permutation(50))


def test_per_sample_path_and_default_collate():
    loader = DataLoader(ListDataset(5), batch_size=2)
    xb, yb = next(iter(loader))
    np.testing.assert_array_equal(xb.numpy(), [[0, 0], [1, 1]])
    assert yb.dtype == np.int64 and yb.tolist() == [0, 1]
    out = default_collate([{"a": 1.5, "s": "x"}, {"a": 2.5, "s": "y"}])
    assert out["a"].dtype == np.float32 and out["a"].tolist() == [1.5, 2.5] and out["s"] == ["x", "y"]
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.zeros(2), np.zeros(3)])


def test_custom_collate_fn_gets_the_list_of_samples():
    ds, x, y = make_ds()
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return sum(int(s[1].item()) for s in samples)

    assert list(DataLoader(ds, batch_size=4, collate_fn=collate)) == [6, 22, 17]
    assert seen == [4, 4, 2]


def test_transform_and_device_placement():
    ds, x, y = make_ds()
    loader = DataLoader(ds, batch_size=5, device="cpu", transform=lambda t: t * 2)
    xb, yb = next(iter(loader))
    np.testing.assert_array_equal(xb.numpy(), x[:5] * 2)
    assert str(xb.device) == "cpu" and yb.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader(ds, batch_size=0)


def test_random_split_lengths_fractions_and_seed():
    ds, x, y = make_ds(10)
    a, b = random_split(ds, [7, 3], generator=0)
    perm = np.random.default_rng(0).permutation(10)
    np.testing.assert_array_equal(a.indices, perm[:7])
    np.testing.assert_array_equal(b.indices, perm[7:])
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    assert [len(s) for s in random_split(ds, [0.5, 0.3, 0.2], generator=0)] == [5, 3, 2]
    assert [len(s) for s in random_split(ds, [0.33, 0.33, 0.34], generator=0)] == [4, 3, 3]
    with pytest.raises(ValueError, match=r"lengths \[5, 4\] sum to 9, but the dataset has 10 samples"):
        random_split(ds, [5, 4])
    # a Subset of a TensorDataset still batches vectorised, through its indices
    xb, yb = next(iter(DataLoader(a, batch_size=3)))
    np.testing.assert_array_equal(yb.numpy(), perm[:3])
    np.testing.assert_array_equal(xb.numpy(), x[perm[:3]])
    assert a[1][1].item() == perm[1]


def test_train_val_test_split():
    ds, _, _ = make_ds(100)
    tr, va, te = train_val_test_split(ds, 0.2, 0.1, generator=0)
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    allidx = np.concatenate([tr.indices, va.indices, te.indices])
    assert sorted(allidx.tolist()) == list(range(100))
    tr, va, te = train_val_test_split(ds, 0.25, shuffle=False)
    assert tr.indices.tolist() == list(range(75)) and va.indices.tolist() == list(range(75, 100)) and len(te) == 0
    with pytest.raises(ValueError, match="leaves no training data"):
        train_val_test_split(ds, 0.5, 0.5)


def test_subset_without_get_batch_uses_per_sample_path():
    s = Subset(ListDataset(6), [5, 0, 2])
    assert not hasattr(s, "get_batch")
    xb, yb = next(iter(DataLoader(s, batch_size=3)))
    assert yb.tolist() == [5, 0, 2]
