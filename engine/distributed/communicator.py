"""``Communicator``: rank, size and the collectives data-parallel training needs, over MPI.COMM_WORLD.

Design (after ChainerMN): every rank runs the same program on its own shard of the data; before each
optimizer step the gradients are averaged with one all-reduce of one packed buffer.  The communicator
chooses the transport from the arrays it is given: NumPy arrays go through MPI (mpi4py); CuPy arrays go
through NCCL when ``cupy.cuda.nccl`` is there (the NCCL communicator is built on first use, so every rank
builds it at the same collective), and otherwise are staged through host memory and MPI.

Decisions, written down as DESIGN.md asks:

- ``allreduce_mean`` returns new arrays (views of a packed buffer that is not reused while they live, see
  :mod:`engine.distributed.packing`): floating inputs keep their dtype, integer and bool inputs come back float64 (like ``np.mean``).  Arrays are packed into ONE buffer in
  the widest of those dtypes, summed, then divided by ``size`` -- so sums and means of exactly
  representable numbers are exact.  With ``allreduce_dtype="float16"``, CuPy arrays are instead scaled by
  ``1/size`` while packing (so the half-precision sum cannot overflow where the mean would not) and summed
  in float16 by NCCL, halving the bytes moved; NumPy arrays ignore the setting (MPI has no portable
  half-precision sum).
- Every rank must call the same collective with the same number of arrays, of the same shapes and dtypes,
  in the same order: that is the contract of any all-reduce.  It is checked on every call by a 16-byte
  agreement header (see :mod:`engine.distributed.agreement`), and a mismatch raises
  :class:`CollectiveMismatchError` (a ValueError) on every rank, naming each rank's call, instead of
  mixing values, truncating a message or hanging.
- Collectives carry a deadline (``timeout`` seconds, default ``KILN_DIST_TIMEOUT`` or 300): past it the job
  is aborted through ``MPI.COMM_WORLD.Abort`` instead of hanging.  With ``abort_on_exception`` (default), an
  uncaught exception on any rank of a multi-rank job aborts the whole job at once (ChainerMN's
  ``global_except_hook``), so ``mpiexec`` exits non-zero without waiting for the deadline.  A rank that
  exits without an exception (``sys.exit(0)``, ``sys.exit(3)``, the end of its script) tells the others as
  it goes (see :mod:`engine.distributed.exits`); a rank left waiting in a collective for it aborts the job
  a few seconds later (``KILN_DIST_EXIT_GRACE``, default 5 s) instead of at the deadline.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from .. import backend
from .agreement import Agreement
from .mpi_backend import MPIBackend
from .packing import BufferPool, check_same_device, pack, result_dtype, unpack, unpack_into

DEFAULT_TIMEOUT = 300.0


def _default_timeout() -> float | None:
    raw = os.environ.get("KILN_DIST_TIMEOUT")
    if raw is None:
        return DEFAULT_TIMEOUT
    value = float(raw)
    return None if value <= 0 else value


class Communicator:
    """Collectives over all ranks of an MPI job (see the module docstring).

    ``Communicator(mpi_comm=None, timeout=..., backend="auto", allreduce_dtype=None, abort_on_exception=True)``:
    ``mpi_comm`` defaults to ``MPI.COMM_WORLD``; ``timeout`` in seconds (None waits forever); ``backend`` is
    "auto" (NCCL for CuPy arrays when available), "mpi" (always MPI, staging GPU arrays through the host) or
    "nccl" (CuPy arrays must go through NCCL; raises at once if it is unavailable).  A plain ``python``
    process gives a communicator of size 1 whose collectives copy and return.  In a multi-rank job with
    ``abort_on_exception`` the constructor is itself collective (it duplicates the MPI communicator for
    exit notices): every rank makes its Communicator, as with any MPI communicator.
    """

    def __init__(self, mpi_comm=None, *, timeout="default", backend: str = "auto", allreduce_dtype=None,
                 abort_on_exception: bool = True):
        from ._mpi import import_mpi
        from .nccl_backend import nccl_available

        MPI = import_mpi()
        if backend not in ("auto", "mpi", "nccl"):
            raise ValueError(f"Communicator: backend must be 'auto', 'mpi' or 'nccl', got {backend!r}")
        if backend == "nccl" and not nccl_available():
            raise RuntimeError("Communicator(backend='nccl'): NCCL is not available (needs CuPy with "
                               "cupy.cuda.nccl and a GPU); use backend='auto' or 'mpi'")
        if timeout == "default":
            timeout = _default_timeout()
        if timeout is not None and not timeout > 0:
            raise ValueError(f"Communicator: timeout must be positive seconds or None, got {timeout!r}")
        self.mpi_comm = MPI.COMM_WORLD if mpi_comm is None else mpi_comm
        self._mpi = MPIBackend(self.mpi_comm, timeout)
        self.rank, self.size, self.timeout = self._mpi.rank, self._mpi.size, timeout
        self.backend = backend
        self.allreduce_dtype = _half_or_none(allreduce_dtype)
        self._nccl = {}  # device index -> NCCLBackend, built on first use
        self._local_rank = None
        self._pool = BufferPool()
        self._agree = Agreement(self._mpi)
        if abort_on_exception and self.size > 1:
            _install_abort_hook()
            from .exits import watch_exits

            watch_exits(self._mpi)

    def __repr__(self) -> str:
        return f"Communicator(rank={self.rank}, size={self.size}, backend={self.backend!r})"

    @property
    def local_rank(self) -> int:
        """This rank's index among the ranks on the same machine (use it to pick a GPU)."""
        if self._local_rank is None:
            local = self.mpi_comm.Split_type(self._mpi.MPI.COMM_TYPE_SHARED, key=self.rank)
            self._local_rank = local.Get_rank()
            local.Free()
        return self._local_rank

    # ---- transport ----------------------------------------------------------------------------
    def _transport(self, device):
        """The backend for arrays on ``device`` and whether buffers must be staged through the host."""
        if device.type == "cpu" or self.backend == "mpi":
            return self._mpi, device.type != "cpu"
        from .nccl_backend import NCCLBackend, nccl_available

        if not nccl_available():  # backend == "auto" without NCCL
            return self._mpi, True
        if device.index not in self._nccl:
            self._nccl[device.index] = NCCLBackend(self._mpi, device.index)
        return self._nccl[device.index], False

    def _reduce(self, arrays, mean: bool, what: str):
        arrays = list(arrays)
        device = check_same_device(arrays, what) if arrays else None
        self._agree.check(what, arrays)
        if not arrays:
            return []
        transport, staged = self._transport(device)
        out_dtypes = [result_dtype(a.dtype) for a in arrays]
        half = self.allreduce_dtype is not None and device.type == "cuda" and not staged
        if half:
            scale = 1.0 / self.size if mean else None
            buf = pack(arrays, np.float16, scale=scale)
        else:
            buf = pack(arrays, np.result_type(*out_dtypes), pool=self._pool)
        if staged:
            host = backend.to_numpy(buf)
            transport.allreduce_sum_(host)
            buf[...] = backend.to_device(host, device)
        else:
            transport.allreduce_sum_(buf)
        if mean and not half:
            buf /= self.size
        return unpack(buf, arrays, out_dtypes)

    # ---- collectives --------------------------------------------------------------------------
    def allreduce_mean(self, arrays) -> list:
        """The element-wise mean over ranks of each array in ``arrays``, as new arrays (one packed message)."""
        return self._reduce(arrays, True, "allreduce_mean")

    def allreduce_sum(self, arrays) -> list:
        """The element-wise sum over ranks of each array (one packed message); for counts and totals."""
        return self._reduce(arrays, False, "allreduce_sum")

    def broadcast(self, arrays, root: int = 0) -> list:
        """Overwrite ``arrays`` in place on every rank with root's values (one packed message); returns them.

        Shapes and dtypes are checked against the root's first; a mismatch raises ValueError on every rank.
        """
        arrays = list(arrays)
        if not 0 <= root < self.size:
            raise ValueError(f"broadcast: root {root} out of range for {self.size} rank(s)")
        if self.size == 1:
            return arrays
        if not arrays:
            self._agree.check("broadcast", arrays, root)
            return arrays
        device = check_same_device(arrays, "broadcast")
        self._agree.check("broadcast", arrays, root)
        transport, staged = self._transport(device)
        buf = pack(arrays, np.result_type(*[a.dtype for a in arrays]), pool=self._pool)
        if staged:
            host = backend.to_numpy(buf)
            transport.bcast_(host, root)
            buf[...] = backend.to_device(host, device)
        else:
            transport.bcast_(buf, root)
        unpack_into(buf, arrays)
        return arrays

    def bcast_object(self, obj, root: int = 0):
        """Root's picklable ``obj`` on every rank (for small things: seeds, configs)."""
        self._agree.check("bcast_object", (), root)
        return self._mpi.bcast_object(obj, root)

    def barrier(self) -> None:
        """Wait until every rank gets here (with the same deadline as other collectives); the agreement
        header is itself the synchronisation: no rank leaves it before every rank has entered it."""
        self._agree.check("barrier")


def _half_or_none(dtype):
    if dtype is None:
        return None
    try:
        if np.dtype(dtype) == np.float16:
            return np.dtype(np.float16)
    except TypeError:
        pass
    raise ValueError(f"Communicator: allreduce_dtype must be None or 'float16', got {dtype!r}")


_hook_installed = False


def _install_abort_hook() -> None:
    """Make an uncaught exception on this rank print its traceback and abort every rank."""
    global _hook_installed
    if _hook_installed:
        return
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        if issubclass(exc_type, KeyboardInterrupt):
            return
        from .waiting import abort_job

        from ._mpi import import_mpi

        abort_job(f"uncaught {exc_type.__name__}", import_mpi().COMM_WORLD.Get_rank())

    sys.excepthook = hook
    _hook_installed = True
