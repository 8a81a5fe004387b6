"""torch's device namespace in Kiln: ``engine.device``, ``engine.cuda`` and ``engine.accelerator``.

The first tests assert what is true on the machine they run on (CPU-only CI: no CUDA; a GPU machine or the
simulated CUDA device: CUDA).  The GPU code path is also driven on the CPU through a recording stand-in for
CuPy's module, put where the backend looks for CuPy, so that device indexes and seeds are checked everywhere.
"""
import types

import numpy as np
import pytest

import engine
import nn.functional as F
from engine import backend

HAS_CUDA = engine.cuda_available()
needs_no_cuda = pytest.mark.skipif(HAS_CUDA, reason="asserts the CPU-only answers")
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU or KILN_SIMULATE_CUDA=1")


# ---- engine.device ---------------------------------------------------------------------------------
def test_device_is_the_backend_device_class():
    assert engine.device is engine.Device is backend.Device
    d = engine.device("cpu")
    assert (d.type, d.index) == ("cpu", None)
    assert d == "cpu" and d == engine.device("cpu") and d != "cuda:0"
    assert str(d) == "cpu" and repr(d) == "Device('cpu')"
    assert hash(d) == hash(engine.device(d))
    x = engine.zeros(2, device=d)
    assert isinstance(x.device, engine.device) and x.device == d
    assert engine.ones(1, device=engine.device("cpu")).to(engine.device("cpu")).device == "cpu"


def test_device_rejects_bad_names():
    with pytest.raises(ValueError, match=r"unknown device 'tpu'"):
        engine.device("tpu")
    with pytest.raises(TypeError, match=r"expected a string such as 'cpu' or 'cuda:0', got int"):
        engine.device(3)


@needs_no_cuda
def test_cuda_device_without_cuda_says_why():
    with pytest.raises(engine.CUDAUnavailableError, match=r"Device\('cuda:0'\): CUDA is not available"):
        engine.device("cuda:0")


@needs_cuda
def test_cuda_device_fields():
    d = engine.device("cuda:0")
    assert (d.type, d.index) == ("cuda", 0) and d == "cuda" and d == "cuda:0" and d != "cpu"


# ---- engine.cuda / engine.accelerator on the machine at hand ---------------------------------------------
@needs_no_cuda
def test_cpu_only_answers():
    assert engine.cuda.is_available() is False
    assert engine.cuda.device_count() == 0
    assert engine.accelerator.is_available() is False
    assert engine.accelerator.device_count() == 0
    assert engine.accelerator.current_accelerator() is None
    assert engine.accelerator.current_accelerator(check_available=True) is None
    for call in (engine.cuda.current_device, engine.cuda.synchronize, engine.accelerator.synchronize,
                 engine.accelerator.current_device_index):
        with pytest.raises(engine.CUDAUnavailableError, match=r"engine\.cuda\.\w+: CUDA is not available"):
            call()
    assert isinstance(engine.CUDAUnavailableError("x"), RuntimeError)   # the type torch raises there


@needs_no_cuda
def test_cuda_seeding_without_cuda_is_a_no_op_that_leaves_the_host_generator_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    assert engine.cuda.manual_seed(7) is None
    assert engine.cuda.manual_seed_all(2**64 - 1) is None
    assert engine.cuda.manual_seed(-1) is None
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_cuda_seed_must_be_an_integer():
    with pytest.raises(TypeError, match=r"engine\.cuda\.manual_seed: seed must be an integer, got 1\.5"):
        engine.cuda.manual_seed(1.5)
    with pytest.raises(TypeError, match=r"engine\.cuda\.manual_seed_all: seed must be an integer, got 'a'"):
        engine.cuda.manual_seed_all("a")
    with pytest.raises(ValueError, match=r"engine\.cuda\.manual_seed: seed 18446744073709551616 is outside"):
        engine.cuda.manual_seed(2**64)


@needs_cuda
def test_cuda_answers_where_a_gpu_answers():
    assert engine.cuda.is_available() and engine.accelerator.is_available()
    n = engine.cuda.device_count()
    assert n >= 1 and engine.accelerator.device_count() == n
    assert 0 <= engine.cuda.current_device() < n
    assert engine.accelerator.current_accelerator() == "cuda"
    assert engine.cuda.synchronize() is None and engine.cuda.synchronize("cuda:0") is None
    x = engine.ones(1000, device="cuda")
    engine.cuda.manual_seed(5)
    a = F.dropout(x, 0.5).numpy()
    engine.cuda.manual_seed(5)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert 0 < (a == 0).sum() < 1000


# ---- the GPU code path, driven through a recording stand-in for CuPy ------------------------------------
class _FakeCuPy:
    """The few names of CuPy's module that engine.cuda uses, recording what is asked of them."""

    def __init__(self, count):
        self.log, self.current = [], 0
        fake = self

        class _Dev:
            def __init__(self, index=None):
                self.id = fake.current if index is None else index

            def __enter__(self):
                fake.saved, fake.current = fake.current, self.id
                return self

            def __exit__(self, *exc):
                fake.current = fake.saved

            def synchronize(self):
                fake.log.append(("sync", self.id))

            def use(self):
                fake.current = self.id

        self.cuda = types.SimpleNamespace(Device=_Dev,
                                          runtime=types.SimpleNamespace(getDeviceCount=lambda: count))
        self.random = types.SimpleNamespace(seed=lambda s: fake.log.append(("seed", fake.current, s)))


@pytest.fixture
def fake_gpus(monkeypatch):
    fake = _FakeCuPy(count=2)
    monkeypatch.setattr(backend, "_cupy", lambda: fake)
    monkeypatch.setattr(backend, "cuda_available", lambda: True)
    return fake


def test_gpu_path_counts_devices_and_synchronises_the_one_asked_for(fake_gpus):
    assert engine.cuda.is_available() and engine.cuda.device_count() == 2
    assert engine.accelerator.current_accelerator() == engine.device("cuda:0")
    engine.cuda.synchronize()
    engine.cuda.synchronize(1)
    engine.cuda.synchronize("cuda:1")
    engine.accelerator.synchronize(engine.device("cuda:0"))
    assert fake_gpus.log == [("sync", 0), ("sync", 1), ("sync", 1), ("sync", 0)]
    assert fake_gpus.current == 0   # the device context is restored
    with pytest.raises(ValueError, match=r"engine\.cuda\.synchronize: device index 2 out of range, this machine has 2"):
        engine.cuda.synchronize(2)
    with pytest.raises(ValueError, match=r"engine\.cuda\.synchronize: expected a CUDA device, got cpu"):
        engine.cuda.synchronize("cpu")


def test_gpu_path_seeds_the_current_device_or_every_device(fake_gpus):
    engine.cuda.manual_seed(7)
    assert fake_gpus.log == [("seed", 0, 7)]
    fake_gpus.log.clear()
    engine.cuda.manual_seed_all(-1)   # torch reads a negative seed as its unsigned 64-bit twin
    assert fake_gpus.log == [("seed", 0, 2**32 - 1), ("seed", 1, 2**32 - 1)]


def test_gpu_path_set_device_makes_it_current(fake_gpus):
    engine.cuda.set_device("cuda:1")
    assert engine.cuda.current_device() == 1
    engine.cuda.set_device(0)
    assert engine.cuda.current_device() == 0
    with pytest.raises(ValueError, match=r"engine\.cuda\.set_device: device index 2 out of range"):
        engine.cuda.set_device(2)
