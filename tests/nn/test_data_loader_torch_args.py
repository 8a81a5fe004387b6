"""DataLoader takes torch's multi-process knobs (documented no-ops: Kiln loads in-process) and an
engine.Generator, so torch programs that pass them run unchanged."""
import numpy as np
import pytest

import engine
from nn.data import DataLoader, TensorDataset


def _labels(loader):
    return [b[1].tolist() for b in loader]


def test_torch_loader_knobs_are_accepted_and_change_nothing():
    ds = TensorDataset(engine.randn(10, 3), engine.arange(10))
    plain = _labels(DataLoader(ds, batch_size=4, shuffle=True, generator=engine.Generator().manual_seed(3)))
    knobs = _labels(DataLoader(ds, batch_size=4, shuffle=True, generator=engine.Generator().manual_seed(3),
                               num_workers=2, pin_memory=True, persistent_workers=True, prefetch_factor=2,
                               timeout=5, worker_init_fn=lambda i: None))
    assert plain == knobs
    assert sorted(sum(plain, [])) == list(range(10)) and plain != [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_engine_generator_orders_like_its_numpy_generator_and_advances():
    ds = TensorDataset(engine.arange(8))
    g = engine.Generator().manual_seed(11)
    first = [b[0].tolist() for b in DataLoader(ds, batch_size=8, shuffle=True, generator=g)]
    second = [b[0].tolist() for b in DataLoader(ds, batch_size=8, shuffle=True, generator=g)]
    ref = engine.Generator().manual_seed(11).numpy_generator
    expected = [ref.permutation(8).tolist(), ref.permutation(8).tolist()]
    assert [first[0], second[0]] == expected


def test_bad_knobs_are_refused_naming_the_argument():
    ds = TensorDataset(engine.arange(4))
    with pytest.raises(ValueError, match="DataLoader: num_workers must be a non-negative int, got -1"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(NotImplementedError, match="DataLoader: sampler= and batch_sampler= are not supported"):
        DataLoader(ds, sampler=[0, 1])
