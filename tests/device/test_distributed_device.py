"""``mpiexec -n 2`` data-parallel steps with simulated "cuda" tensors go through the MPI path with host
staging and equal one process trained on the whole batch (on the CPU); skipped without mpi4py/mpiexec."""
import numpy as np
import pytest

from tests.conftest import GPU_AVAILABLE
from tests.distributed.helpers import NPROCS, load_ranks, run_job
from tests.distributed.training import full_batch, train


@pytest.mark.skipif(GPU_AVAILABLE, reason="simulated device only (a GPU machine runs the NCCL tests)")
def test_data_parallel_on_simulated_cuda_equals_one_process(tmp_path):
    proc, _ = run_job("tests.device.mpi_device_job", "train", tmp_path, timeout=120,
                      env={"KILN_SIMULATE_CUDA": "1", "NUMBA_ENABLE_CUDASIM": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    ranks = load_ranks(tmp_path)
    x, y = full_batch(NPROCS)
    for kind in ("sgd", "adam"):
        want = train(kind, 1000, x, y)  # rank 0's initial weights, the whole batch, on the CPU
        for key in ("w1", "b1", "w2", "unused", "scale"):
            got0, got1 = ranks[0][f"{kind}/{key}"], ranks[1][f"{kind}/{key}"]
            np.testing.assert_array_equal(got0, got1, err_msg=f"{kind}/{key}: ranks differ")
            np.testing.assert_allclose(got0, want[key], rtol=1e-5, atol=1e-6, err_msg=f"{kind}/{key}")
        # staging: every gradient allreduce is one device->host and one host->device copy of the packed buffer
        h2d, d2h = ranks[0][f"{kind}/transfers"]
        assert d2h >= 4 and h2d >= 4, (h2d, d2h)
