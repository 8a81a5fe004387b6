"""The MPI backend: collectives on NumPy buffers through mpi4py, each under a deadline.

Every call is a blocking MPI collective run under :func:`engine.distributed.waiting.deadline`, so a rank
that never arrives makes the job abort instead of hang.  Buffers are contiguous 1-D NumPy arrays (see
:mod:`engine.distributed.packing`); reductions run in place.  CuPy arrays reach this backend only staged through host memory (the ``mpich`` wheel is not
CUDA-aware); on GPUs the NCCL backend is the fast path.
"""
from __future__ import annotations

import pickle

import numpy as np

from .waiting import deadline


class MPIBackend:
    """Timed collectives on one mpi4py communicator."""

    name = "mpi"

    def __init__(self, comm, timeout: float | None):
        from ._mpi import import_mpi

        self.MPI = import_mpi()
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.timeout = timeout

    def _guard(self, what: str):
        return deadline(what, self.timeout, self.rank)

    def allreduce_sum_(self, buf: np.ndarray) -> None:
        """Sum ``buf`` over all ranks, in place."""
        if self.size == 1:
            return
        with self._guard(f"allreduce of {buf.nbytes} bytes"):
            self.comm.Allreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM)

    def allreduce_max_(self, buf: np.ndarray, what: str) -> None:
        """Element-wise maximum of ``buf`` over all ranks, in place (the agreement header)."""
        if self.size == 1:
            return
        with self._guard(what):
            self.comm.Allreduce(self.MPI.IN_PLACE, buf, op=self.MPI.MAX)

    def allgather_object(self, obj) -> list:
        """Every rank's picklable ``obj``, in rank order (small things only: error reports)."""
        if self.size == 1:
            return [obj]
        with self._guard("allgather of error reports"):
            return self.comm.allgather(obj)

    def bcast_(self, buf: np.ndarray, root: int) -> None:
        """Overwrite ``buf`` on every rank with root's ``buf``."""
        if self.size == 1:
            return
        with self._guard(f"broadcast of {buf.nbytes} bytes from rank {root}"):
            self.comm.Bcast(buf, root=root)

    def barrier(self) -> None:
        if self.size == 1:
            return
        with self._guard("barrier"):
            self.comm.Barrier()

    def bcast_object(self, obj, root: int):
        """Root's picklable ``obj`` on every rank (length first, then the bytes; both timed)."""
        if self.size == 1:
            return obj
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) if self.rank == root else b""
        length = np.array([len(data)], dtype=np.int64)
        self.bcast_(length, root)
        if self.rank == root:
            payload = np.frombuffer(data, dtype=np.uint8).copy()
        else:
            payload = np.empty(int(length[0]), np.uint8)
        self.bcast_(payload, root)
        return pickle.loads(payload.tobytes())
