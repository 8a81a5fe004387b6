"""bench's launch-overhead figures time kernels with 5 and 8 array arguments through Kiln's launch helper, on the
caller's current stream; on a machine without a GPU the same code runs on the simulated device (a few launches
under Numba's simulator: the path is tested, the figures mean nothing)."""
import pytest

from bench import timing
from tests.conftest import GPU_AVAILABLE


@pytest.mark.skipif(GPU_AVAILABLE, reason="on a GPU bench --device cuda reports the real figures")
def test_launch_overhead_runs_5_and_8_argument_kernels_on_the_simulated_device(cuda_device, monkeypatch):
    from engine import backend
    from kernels.cuda import _launch

    xp = backend.Device(cuda_device).xp
    counts = {}
    real = _launch.launch_kernel

    def spy(kernel, blocks, threads, ref, *args):
        counts[len(args)] = counts.get(len(args), 0) + 1
        return real(kernel, blocks, threads, ref, *args)

    monkeypatch.setattr(_launch, "launch_kernel", spy)
    figures = timing.launch_overhead(xp, launches=2, n=40)
    assert set(figures) == {"numba_5_args_us", "numba_8_args_us", "cupy_us"}
    assert all(v > 0 for v in figures.values())
    assert counts == {5: 4, 8: 4}  # 2 warm-up and 2 timed launches each
