"""DistributedOptimizer + broadcast_parameters under ``mpiexec -n 2``: after k steps every rank holds the
same parameters, equal (to float32 tolerance) to one process trained on the concatenated batch."""
import numpy as np
import pytest

from tests.distributed.helpers import NPROCS, load_ranks, run_job
from tests.distributed.training import full_batch, train


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("train")
    proc, _ = run_job("tests.distributed.mpi_jobs", "train", outdir)
    assert proc.returncode == 0, proc.stderr
    return load_ranks(outdir)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_ranks_identical_and_equal_to_single_process(ranks, kind):
    x, y = full_batch(NPROCS)
    want = train(kind, 1000, x, y)  # rank 0's initial weights, the whole batch
    for key, value in want.items():
        got0, got1 = ranks[0][f"{kind}/{key}"], ranks[1][f"{kind}/{key}"]
        np.testing.assert_array_equal(got0, got1, err_msg=f"{kind}/{key}: ranks differ")
        np.testing.assert_allclose(got0, value, rtol=1e-5, atol=1e-6, err_msg=f"{kind}/{key} vs single process")
    assert bool(ranks[0][f"{kind}/unused_grad_is_none"])
    assert not np.array_equal(want["w1"], train(kind, 1001, x, y)["w1"])  # the broadcast mattered


def test_partial_gradients_average_with_zeros(ranks):
    for got in ranks:
        np.testing.assert_array_equal(got["partial_a"], np.array([1.0, 2.0, 3.0], np.float32))
        assert bool(got["partial_b_none"])
