"""The device axis: ``cuda_device`` is a fixture giving "cuda", real or simulated.

On a machine where a GPU answers (tests/conftest.py's ``GPU_AVAILABLE``), the fixture gives the real "cuda"
device and the tests below run on CuPy and the compiled kernels.  Elsewhere it switches the simulated CUDA
device on for the one test (``KILN_SIMULATE_CUDA=1``, engine/_cuda_sim.py) and off again afterwards.

Why a fixture and not a subprocess per test: ``engine.backend`` reads the switch when it first looks for
CuPy and caches the answer (``_cupy`` / ``cuda_available``); the fixture sets the variable and clears those
two caches before the test and again after it, so the switch takes effect exactly as it does in a fresh
process, and every other test of the session still sees a machine without CUDA.  Numba's simulator is
already on for the whole session (tests/conftest.py turns it on when no GPU answers, before numba.cuda is
first imported), which is the one thing that cannot be switched inside a process.  A subprocess per test
would pay the imports and every Numba CPU compile again (seconds each) for no extra isolation: no module
keeps a reference to the stand-in module beyond the arrays a test creates itself.
"""
import pytest

from engine import backend
from tests.conftest import GPU_AVAILABLE


def _forget_cupy():
    backend._cupy.cache_clear()
    backend.cuda_available.cache_clear()


@pytest.fixture
def cuda_device(monkeypatch):
    """"cuda": the real device where a GPU answers, the simulated one elsewhere (switched off afterwards)."""
    if GPU_AVAILABLE:
        yield "cuda"
        return
    monkeypatch.setenv("KILN_SIMULATE_CUDA", "1")
    _forget_cupy()
    try:
        assert backend.cuda_available()
        yield "cuda"
    finally:
        monkeypatch.undo()
        _forget_cupy()


@pytest.fixture
def sim(cuda_device):
    """The simulated device's module (transfer counters); skips on a real GPU, where nothing counts."""
    if GPU_AVAILABLE:
        pytest.skip("counts transfers on the simulated device only")
    return backend._cupy()
