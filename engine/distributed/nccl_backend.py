"""The NCCL backend: GPU-to-GPU collectives on CuPy buffers through ``cupy.cuda.nccl``.

One NCCL communicator spans all ranks; rank 0 creates the NCCL unique id and MPI broadcasts it (the usual
bootstrap, as in ChainerMN's ``pure_nccl`` communicator).  Collectives run on CuPy's current stream (the one
Kiln's kernels use); completion is then polled through a CUDA event under the same deadline as the MPI
backend (:func:`engine.distributed.waiting.deadline`), and on timeout the NCCL communicator is aborted before
the MPI job is.  Waiting here costs the
overlap of the reduction with later GPU work; the optimizer needs the averaged gradients next anyway.

NCCL wants one GPU per rank: two ranks on one GPU fail at ``ncclCommInitRank``.  Pick the device from
``Communicator.local_rank`` before the first collective.  This module imports without CuPy;
:func:`nccl_available` says whether the backend can be built.
"""
from __future__ import annotations

import functools
import time

import numpy as np

from .waiting import deadline


@functools.lru_cache(maxsize=1)
def _nccl():
    try:
        from cupy.cuda import nccl

        nccl.get_version()
        return nccl
    except Exception:  # no CuPy, CuPy built without NCCL, or no libnccl
        return None


def nccl_available() -> bool:
    """True when CuPy imports with NCCL support (a GPU is still needed to use it)."""
    from .. import backend

    return backend.cuda_available() and _nccl() is not None


_NCCL_TYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64"}


class NCCLBackend:
    """Timed NCCL collectives on CuPy buffers; ``mpi`` (an MPIBackend) bootstraps it and provides barrier."""

    name = "nccl"

    def __init__(self, mpi, device_index: int):
        nccl = _nccl()
        if nccl is None:
            raise RuntimeError("engine.distributed: the NCCL backend needs CuPy with NCCL (cupy.cuda.nccl) and a GPU")
        import cupy

        self.nccl, self.cupy, self.mpi = nccl, cupy, mpi
        self.rank, self.size, self.timeout = mpi.rank, mpi.size, mpi.timeout
        self.device_index = device_index
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = mpi.bcast_object(uid, root=0)
        mpi.barrier()  # every rank is here: ncclCommInitRank itself has no timeout
        with cupy.cuda.Device(device_index):
            self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)

    def _dtype(self, buf) -> int:
        name = np.dtype(buf.dtype).name
        if name not in _NCCL_TYPES:
            raise TypeError(f"engine.distributed (nccl): cannot reduce dtype {name}; use float16, float32 or float64")
        return getattr(self.nccl, _NCCL_TYPES[name])

    def _wait(self, stream, what: str) -> None:
        event = stream.record()
        with deadline(f"NCCL {what}", self.timeout, self.rank, before_abort=self.comm.abort):
            while not event.done:  # polled (GIL released by sleep) so that the watchdog thread can run
                time.sleep(20e-6)

    def allreduce_sum_(self, buf) -> None:
        with self.cupy.cuda.Device(self.device_index):
            stream = self.cupy.cuda.get_current_stream()
            self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, self._dtype(buf), self.nccl.NCCL_SUM, stream.ptr)
            self._wait(stream, f"allreduce of {buf.nbytes} bytes")

    def bcast_(self, buf, root: int) -> None:
        with self.cupy.cuda.Device(self.device_index):
            stream = self.cupy.cuda.get_current_stream()
            self.comm.bcast(buf.data.ptr, buf.size, self._dtype(buf), root, stream.ptr)
            self._wait(stream, f"broadcast of {buf.nbytes} bytes from rank {root}")
