"""engine.distributed without mpiexec: import guards, packing, and a size-1 communicator in this process."""
import subprocess
import sys

import numpy as np
import pytest

from engine.distributed.packing import BufferPool, pack, result_dtype, unpack, unpack_into
from tests.distributed.helpers import ROOT, require_mpi


def test_import_engine_does_not_import_mpi4py():
    code = ("import sys, engine, engine.distributed, engine.distributed.nccl_backend; "
            "assert 'mpi4py' not in sys.modules, 'mpi4py imported'; assert 'cupy.cuda.nccl' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_nccl_is_guarded_without_gpu():
    from engine import cuda_available
    from engine.distributed import nccl_available

    if cuda_available():
        pytest.skip("a GPU is present; the guard is for CPU machines")
    assert nccl_available() is False
    require_mpi()
    from engine.distributed import Communicator

    with pytest.raises(RuntimeError, match="NCCL is not available"):
        Communicator(backend="nccl")


def test_pack_unpack_roundtrip():
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.array(7.0, np.float32), np.ones((0, 4), np.float32),
              np.arange(4, dtype=np.float32)[::2]]
    buf = pack(arrays, np.float32)
    assert buf.shape == (9,) and buf.flags.c_contiguous
    out = unpack(buf, arrays)
    for a, b in zip(arrays, out):
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b)
    assert pack(arrays, np.float32) is not buf  # each call its own buffer: earlier results stay valid
    halves = pack(arrays, np.float16, scale=0.5)
    np.testing.assert_array_equal(halves[:6], np.arange(6) * 0.5)
    as64 = unpack(halves, arrays, [np.float64] * 4)
    assert as64[0].dtype == np.float64
    target = [np.zeros_like(a) for a in arrays]
    unpack_into(halves, target)
    np.testing.assert_array_equal(target[0], arrays[0] * 0.5)
    assert result_dtype(np.int32) == np.float64 and result_dtype(np.float16) == np.float16


def test_pool_reuses_a_buffer_only_when_nothing_refers_to_it():
    pool, arrays = BufferPool(keep=2), [np.ones((2, 3), np.float32), np.ones(4, np.float32)]
    results = unpack(pack(arrays, np.float32, pool=pool), arrays)
    id1 = id(results[0].base)
    second = pack(arrays, np.float32, pool=pool)
    id2 = id(second)
    assert id2 != id1  # the first buffer is still referred to by the results
    derived = results[0].reshape(-1)[1:]  # a view of a view pins the buffer too
    del results, second
    assert id(pack(arrays, np.float32, pool=pool)) == id2
    del derived
    assert id(pack(arrays, np.float32, pool=pool)) == id1


def test_size_one_communicator():
    require_mpi()
    from engine.distributed import Communicator

    comm = Communicator()
    assert (comm.rank, comm.size, comm.local_rank) == (0, 1, 0)
    a = np.arange(5, dtype=np.float32)
    (m,) = comm.allreduce_mean([a])
    np.testing.assert_array_equal(m, a)
    assert m is not a and m.dtype == np.float32
    assert comm.broadcast([a])[0] is a
    assert comm.bcast_object("x") == "x"
    comm.barrier()


def test_bad_arguments_are_named():
    require_mpi()
    from engine.distributed import Communicator

    with pytest.raises(ValueError, match="backend must be"):
        Communicator(backend="gloo")
    with pytest.raises(ValueError, match="timeout must be positive"):
        Communicator(timeout=0)
    with pytest.raises(ValueError, match="allreduce_dtype"):
        Communicator(allreduce_dtype="bfloat16")
    comm = Communicator()
    with pytest.raises(TypeError, match="item 1 is a list"):
        comm.allreduce_mean([np.ones(2), [1.0]])
    with pytest.raises(ValueError, match="root 3 out of range"):
        comm.broadcast([np.ones(2)], root=3)
