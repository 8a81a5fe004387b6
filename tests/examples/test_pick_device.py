"""examples/_training.pick_device: one GPU per rank in distributed runs (issue 19: NCCL refuses two ranks on
one GPU), driven through a stand-in for engine.cuda's device count and current-device setter."""
import pytest

import engine
from ._load import load

T = load("_training")


def test_bare_cuda_means_the_ranks_own_gpu(monkeypatch):
    made_current, built = [], []

    class FakeDevice:
        def __init__(self, name):
            built.append(name)
            self.type = "cuda" if name.startswith("cuda") else "cpu"

    monkeypatch.setattr(engine, "cuda_available", lambda: True)
    monkeypatch.setattr(engine.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(engine.cuda, "set_device", made_current.append)
    monkeypatch.setattr(engine, "Device", FakeDevice)
    for rank in range(4):
        T.pick_device("cuda", local_rank=rank)
    assert built == ["cuda:0", "cuda:1", "cuda:0", "cuda:1"] and len(made_current) == 4
    T.pick_device("cuda:1", local_rank=0)   # an explicit index is kept
    T.pick_device("cuda")                   # not distributed: the current device
    assert built[-2:] == ["cuda:1", "cuda"]


def test_cpu_is_untouched_and_missing_cuda_is_a_clear_exit():
    assert T.pick_device("cpu", local_rank=1) == engine.Device("cpu")
    if not engine.cuda_available():
        with pytest.raises(SystemExit, match="--device cuda: no CUDA GPU answers here"):
            T.pick_device("cuda", local_rank=0)
