"""nn.data.distributed: shards partition the data, agree across ranks, reshuffle per epoch, and load."""
import numpy as np
import pytest

from nn.data import DataLoader, TensorDataset
from nn.data.distributed import DistributedShard, shard_indices


@pytest.mark.parametrize("n,replicas", [(12, 3), (10, 4), (5, 1), (3, 4)])
def test_shards_cover_the_dataset_equally(n, replicas):
    shards = [shard_indices(n, replicas, r, epoch=2, seed=5) for r in range(replicas)]
    assert len({len(s) for s in shards}) == 1 and len(shards[0]) == -(-n // replicas)
    together = np.concatenate(shards)
    assert set(together.tolist()) == set(range(n))
    assert len(together) - n == (-n) % replicas  # only padding repeats


def test_drop_last_partitions_without_repeats():
    shards = [shard_indices(10, 4, r, seed=1, drop_last=True) for r in range(4)]
    together = np.concatenate(shards)
    assert len(together) == 8 and len(set(together.tolist())) == 8


def test_epochs_reshuffle_and_seeds_agree():
    a0, a1 = shard_indices(100, 2, 0, epoch=0), shard_indices(100, 2, 0, epoch=1)
    assert not np.array_equal(a0, a1)
    np.testing.assert_array_equal(a0, shard_indices(100, 2, 0, epoch=0))
    np.testing.assert_array_equal(shard_indices(6, 2, 1, shuffle=False), [1, 3, 5])


def test_shard_loads_its_rows_through_get_batch():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    ds = TensorDataset(x, np.arange(10))
    shard = DistributedShard(ds, num_replicas=2, rank=1, seed=3)
    shard.set_epoch(4)
    want = shard_indices(10, 2, 1, epoch=4, seed=3)
    ys = np.concatenate([y.numpy() for _, y in DataLoader(shard, batch_size=2)])
    np.testing.assert_array_equal(ys, want)
    assert len(shard) == 5 and int(shard[0][1].item()) == want[0]


def test_bad_arguments_are_named():
    ds = TensorDataset(np.zeros((3, 1), np.float32))
    with pytest.raises(ValueError, match="num_replicas and rank are both required"):
        DistributedShard(ds)
    with pytest.raises(ValueError, match=r"rank must be in \[0, 2\)"):
        DistributedShard(ds, num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="leaves every rank empty"):
        DistributedShard(ds, num_replicas=4, rank=0, drop_last=True)
    with pytest.raises(ValueError, match="seed=None needs comm"):
        DistributedShard(ds, num_replicas=1, rank=0, seed=None)
