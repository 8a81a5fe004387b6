"""Communicator collectives under ``mpiexec -n 2``: exact means and sums, broadcast, shape checks, and a
failing rank ending the job non-zero instead of hanging (with the abort hook, and by the collective timeout)."""
import numpy as np

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
        assert "shapes or dtypes differ from rank 0" in str(got["bcast_mismatch"]), got["bcast_mismatch"]
        assert int(got["obj"]) == 1234
    assert "(3, 2)" in str(ranks[1]["bcast_mismatch"])


def test_failing_rank_aborts_job(tmp_path):
    proc, _ = run_job(JOBS, "fail", tmp_path, "timeout=60", timeout=50)
    assert proc.returncode != 0
    assert "deliberate failure on rank 1" in proc.stderr
    assert "uncaught RuntimeError" in proc.stderr
    assert not (tmp_path / "rank0.npz").exists()


def test_collective_timeout_aborts_job_without_hook(tmp_path):
    proc, _ = run_job(JOBS, "fail", tmp_path, "timeout=2", "hook=0", timeout=50)
    assert proc.returncode != 0
    assert "rank 0: allreduce of 16 bytes did not complete within 2 s" in proc.stderr, proc.stderr
    assert not (tmp_path / "rank0.npz").exists()
