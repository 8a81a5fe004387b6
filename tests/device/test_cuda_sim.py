"""The simulated CUDA device's rules (engine/_cuda_sim.py through engine.backend): results stay on the
device, host arrays mixed into device operations raise as in CuPy, transfers are counted, one GPU exists."""
import numpy as np
import pytest

import engine
from engine import backend


def test_results_stay_on_the_device_and_reads_are_counted(sim):
    a = backend.to_device(np.arange(6.0).reshape(2, 3), "cuda")
    xp = backend.get_array_module(a)
    assert xp is sim and backend.device_of(a) == "cuda:0" and backend.is_array(a)
    sim.reset_transfer_counts()
    for r in (a.sum(), a[0, 1], a.max(axis=1), xp.exp(a), np.concatenate([a, a]), a.T @ a, (a > 2).any()):
        assert backend.device_of(r) == "cuda", type(r)
    assert sim.transfer_counts() == {"h2d": 0, "d2h": 0}
    assert float(a.sum()) == 15.0 and a[1, 2].item() == 5.0 and bool((a > 4).any())
    assert sim.transfer_counts() == {"h2d": 0, "d2h": 3}
    host = backend.to_numpy(a)
    host[0, 0] = 99.0  # a copy, not a view of device memory
    assert type(host) is np.ndarray and float(a[0, 0]) == 0.0


def test_a_host_array_mixed_into_a_device_operation_raises(sim):
    a = backend.to_device(np.ones(3), "cuda")
    with pytest.raises(TypeError, match="add: a host numpy.ndarray of shape \\(3,\\) was mixed"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="concatenate: a host numpy.ndarray"):
        np.concatenate([a, np.ones(2)])
    with pytest.raises(TypeError, match="where: a host numpy.ndarray"):
        sim.where(a > 0, a, np.zeros(3))
    assert float((a + 1.0).sum()) == 6.0  # Python and NumPy scalars are fine, as in CuPy


def test_scatter_add_accumulates_repeated_indexes_on_the_device(sim):
    t = backend.to_device(np.zeros(4), "cuda")
    backend.scatter_add(t, backend.to_device(np.array([0, 2, 0]), "cuda"), backend.to_device(np.ones(3), "cuda"))
    np.testing.assert_array_equal(backend.to_numpy(t), [2.0, 0.0, 1.0, 0.0])


def test_one_simulated_gpu(sim):
    assert engine.cuda_available() and engine.Device("cuda") == "cuda:0"
    with pytest.raises(ValueError, match="index 1 out of range, this machine has 1 GPU"):
        engine.Device("cuda:1")
    x = engine.tensor([1.0, 2.0]).to("cuda")
    assert x.device == "cuda:0" and x.to("cuda").array is x.array and x.to("cpu").device == "cpu"


def test_the_switch_is_off_again_after_a_device_test():
    from tests.conftest import GPU_AVAILABLE

    if GPU_AVAILABLE:
        pytest.skip("a real GPU answers here")
    assert not engine.cuda_available()
    with pytest.raises(engine.CUDAUnavailableError, match="CUDA is not available"):
        engine.Device("cuda")
