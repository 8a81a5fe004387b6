"""The launch helper refuses what hardware refuses (empty grids, grids and blocks over the limits), and the
tiled matmul splits tall products into row bands whose grids stay within the y limit."""
import numpy as np
import pytest

import kernels
from kernels.cuda import _launch, matmul


@pytest.mark.parametrize("blocks,threads", [(0, 32), ((4, 0), (16, 16)), (1, 0), ((1, 1, 1, 1), 32)])
def test_empty_or_malformed_grids_are_refused(blocks, threads):
    with pytest.raises(ValueError, match="CUDA launch of k: grid .* is empty or malformed"):
        _launch.check_launch("k", blocks, threads)


@pytest.mark.parametrize("blocks", [(1, 65536), (1, 1, 65536), 2**31])
def test_grids_over_the_hardware_limits_are_refused(blocks):
    with pytest.raises(ValueError, match="exceeds the hardware limits"):
        _launch.check_launch("k", blocks, 32)


def test_blocks_over_1024_threads_are_refused():
    with pytest.raises(ValueError, match="1056 threads per block, the limit is 1024"):
        _launch.check_launch("k", 1, (33, 32))
    _launch.check_launch("k", (2**31 - 1, 65535, 65535), (32, 32))  # the largest legal launch passes


def test_a_zero_block_launch_is_refused_before_it_runs():
    ran = []

    class Kernel:
        def __getitem__(self, config):
            return lambda *a: ran.append(a)

    with pytest.raises(ValueError, match="empty or malformed"):
        _launch.launch_kernel(Kernel(), 0, 32, np.zeros(1), np.zeros(1))
    assert ran == []
    _launch.launch(Kernel(), 0, np.zeros(1))  # launch() of no elements is a no-op, not an error
    assert ran == []


@pytest.mark.parametrize("m", [1, 16, 1_048_560, 1_048_561, 3_000_000])
def test_row_bands_cover_every_row_within_the_y_limit(m):
    bands = matmul.row_bands(m)
    assert all(1 <= blocks <= 65535 for _, blocks in bands)
    covered = [(r0, min(m, r0 + blocks * matmul.TILE)) for r0, blocks in bands]
    assert covered[0][0] == 0 and covered[-1][1] == m
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:]))
    assert len(bands) == (1 if m <= 1_048_560 else -(-m // 1_048_560))


def test_tiled_matmul_in_several_row_bands_equals_numpy(monkeypatch):
    monkeypatch.setattr(matmul, "MAX_GRID_YZ", 2)  # bands of 32 rows: 70 rows take three launches
    rng = np.random.default_rng(0)
    a = rng.standard_normal((70, 5)).astype(np.float32)
    b = rng.standard_normal((5, 3)).astype(np.float32)
    out = np.empty((70, 3), np.float32)
    matmul.matmul_tiled(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)


def test_no_kernel_source_accumulates_float32_in_float64():
    """A ``0.0`` literal or ``x[0] * 0`` starting a sum makes a float32 kernel sum in float64 under Numba
    (the simulator cannot show it: NumPy scalars keep float32); the kernels start sums from typed zeros."""
    import inspect
    import re

    from kernels.cuda import conv, pool, softmax

    for module in (conv, pool, matmul, softmax):
        src = inspect.getsource(module)
        assert not re.search(r"^\s+(acc|s|d|m) = (0\.0|-math\.inf|.*\* 0)$", src, re.M), module.__name__
        assert "cuda.shared.array(_RT, float64)" not in src, module.__name__


def test_tiled_matmul_wrapper_returns_early_on_empty_products():
    for shape_a, shape_b in [((0, 4), (4, 3)), ((3, 4), (4, 0)), ((3, 0), (0, 2))]:
        a, b = np.ones(shape_a, np.float32), np.ones(shape_b, np.float32)
        np.testing.assert_array_equal(kernels.matmul_tiled(a, b), a @ b)


def test_kernels_run_on_the_current_stream_of_their_arrays():
    """``stream_of``: host arrays and the null stream give the default stream (0); inside ``with stream:`` a
    device array maps to one Numba stream per stream pointer, and leaving the block restores the outer one."""
    from tests.kernels._twins import device_module

    xp = device_module()
    a = xp.asarray(np.zeros(3))
    assert _launch.stream_of(np.zeros(3)) == 0
    outer, inner = xp.cuda.Stream(non_blocking=True), xp.cuda.Stream(non_blocking=True)
    assert 0 != outer.ptr != inner.ptr != 0
    with outer:
        on_outer = _launch.stream_of(a)
        assert on_outer != 0 and xp.cuda.get_current_stream().ptr == outer.ptr
        with inner:
            assert _launch.stream_of(a) not in (0, on_outer)
        assert _launch.stream_of(a) is on_outer and xp.cuda.get_current_stream().ptr == outer.ptr
    assert xp.cuda.get_current_stream().ptr == 0 and _launch.stream_of(a) == 0
