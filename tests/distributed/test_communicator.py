"""Communicator collectives under ``mpiexec -n 2``: exact means and sums, broadcast, shape checks, and a
failing rank ending the job non-zero instead of hanging (with the abort hook, and by the collective timeout)."""
import numpy as np
import pytest

from tests.distributed.helpers import load_ranks, run_job
from tests.distributed.mpi_jobs import rank_inputs

JOBS = "tests.distributed.mpi_jobs"


def test_collectives_are_exact(tmp_path):
    proc, _ = run_job(JOBS, "collectives", tmp_path)
    assert proc.returncode == 0, proc.stderr
    ranks = load_ranks(tmp_path)
    x0, x1 = rank_inputs(0), rank_inputs(1)
    want = {
        "mean_f32": (x0["f32"] + x1["f32"]) / np.float32(2),
        "mean_f64": (x0["f64"] + x1["f64"]) / 2,
        "mean_i64": np.array([0.5, 6.0]),
        "mean_scalar": np.array(1.5, np.float32),
        "sum_i64": np.array([1.0, 12.0]),
        "bcast_a": np.full((2, 3), 1, np.float32),
        "bcast_b": np.arange(4) * 2,
    }
    for r, got in enumerate(ranks):
        assert int(got["size"]) == 2
        for key, value in want.items():
            assert got[key].dtype == value.dtype, (r, key, got[key].dtype)
            np.testing.assert_array_equal(got[key], value, err_msg=f"rank {r}: {key}")
        assert int(got["empty"]) == 0
        msg = str(got["bcast_mismatch"])
        assert "shapes or dtypes differ" in msg, msg
        assert "rank 0: broadcast from rank 0 of 1 array [(2, 3) float32]" in msg, msg
        assert "rank 1: broadcast from rank 0 of 1 array [(3, 2) float32]" in msg, msg
        assert int(got["obj"]) == 1234


def test_failing_rank_aborts_job(tmp_path):
    proc, _ = run_job(JOBS, "fail", tmp_path, "timeout=60", timeout=50)
    assert proc.returncode != 0
    assert "deliberate failure on rank 1" in proc.stderr
    assert "uncaught RuntimeError" in proc.stderr
    assert not (tmp_path / "rank0.npz").exists()


def test_collective_timeout_aborts_job_without_hook(tmp_path):
    proc, _ = run_job(JOBS, "fail", tmp_path, "timeout=2", "hook=0", timeout=50)
    assert proc.returncode != 0
    assert "rank 0: allreduce_mean (agreement header) did not complete within 2 s" in proc.stderr, proc.stderr
    assert not (tmp_path / "rank0.npz").exists()


def test_mismatched_collectives_raise_on_every_rank_naming_both_calls(tmp_path):
    proc, _ = run_job(JOBS, "mismatches", tmp_path, "timeout=30", timeout=60)
    assert proc.returncode == 0, proc.stderr
    want = {
        "shape": ("rank 0: allreduce_mean of 1 array [(2, 3) float32], 6 elements",
                  "rank 1: allreduce_mean of 1 array [(3, 2) float32], 6 elements"),
        "order": ("rank 0: allreduce_sum of 2 arrays [(3,) float32, (4,) float32]",
                  "rank 1: allreduce_sum of 2 arrays [(4,) float32, (3,) float32]"),
        "size": ("rank 0: allreduce_mean of 1 array [(3,) float32], 3 elements",
                 "rank 1: allreduce_mean of 1 array [(4,) float32], 4 elements"),
        "dtype": ("[(3,) float32]", "[(3,) float64]"),
        "collective": ("rank 0: allreduce_mean of 1 array", "rank 1: broadcast from rank 0 of 1 array"),
        "barrier_vs_bcast_object": ("rank 0: barrier;", "rank 1: bcast_object from rank 0"),
    }
    for r, got in enumerate(load_ranks(tmp_path)):
        for key, parts in want.items():
            msg = str(got[key])
            assert "the ranks called different collectives, or their arrays' shapes or dtypes differ" in msg, (r, msg)
            for part in parts:
                assert part in msg, (r, key, msg)
        np.testing.assert_array_equal(got["after"], [3.0, 3.0])


@pytest.mark.parametrize("code", [0, 3])
def test_rank_leaving_with_sys_exit_aborts_the_job_soon(tmp_path, code):
    proc, seconds = run_job(JOBS, "leave", tmp_path, "timeout=120", timeout=60,
                            env={"KILN_TEST_EXIT_CODE": str(code), "KILN_DIST_EXIT_GRACE": "1"})
    assert proc.returncode != 0
    if "rank 0:" in proc.stderr:  # mpiexec may also end the job first (seen under load, any exit code), silently
        assert "rank 0: allreduce_mean (agreement header) cannot complete: rank 1 has exited" in proc.stderr, proc.stderr
    assert not (tmp_path / "rank0.npz").exists()
    assert seconds < 40  # the collective deadline is 120 s: the exit notice ended it
