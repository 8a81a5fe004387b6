"""The NCCL backend on a real GPU (skipped cleanly elsewhere): a 1-rank NCCL communicator runs the same code
path as N ranks -- unique-id bootstrap, packed buffer, NCCL call on CuPy's stream, deadline -- so a GPU
session checks it; two ranks on one GPU are not allowed by NCCL, so multi-rank NCCL needs a multi-GPU box."""
import numpy as np
import pytest

from tests.distributed.helpers import require_mpi

pytestmark = pytest.mark.gpu


@pytest.fixture
def cupy():
    from engine import cuda_available
    from engine.distributed import nccl_available

    if not cuda_available():
        pytest.skip("needs a CUDA GPU with CuPy")
    if not nccl_available():
        pytest.skip("CuPy has no NCCL (cupy.cuda.nccl)")
    require_mpi()
    import cupy

    return cupy


@pytest.mark.parametrize("allreduce_dtype", [None, "float16"])
def test_nccl_allreduce_and_broadcast_on_one_rank(cupy, allreduce_dtype):
    from engine.distributed import Communicator

    comm = Communicator(backend="nccl", allreduce_dtype=allreduce_dtype)
    a = cupy.arange(12, dtype=cupy.float32).reshape(3, 4)
    b = cupy.full((5,), 0.25, dtype=cupy.float32)
    ma, mb = comm.allreduce_mean([a, b])
    assert isinstance(ma, cupy.ndarray) and ma.dtype == cupy.float32
    np.testing.assert_array_equal(cupy.asnumpy(ma), cupy.asnumpy(a))  # small integers and 0.25 are exact in fp16
    np.testing.assert_array_equal(cupy.asnumpy(mb), cupy.asnumpy(b))
    assert comm.broadcast([a])[0] is a
