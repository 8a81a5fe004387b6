"""A deadline on every collective: past it, the whole job is aborted instead of hanging.

A blocking MPI or NCCL collective waits forever when another rank has died or taken a different path, so a
failed rank would leave the job hanging.  Each collective of :mod:`engine.distributed` runs inside
:func:`deadline`, which arms a watchdog: one daemon thread per process that wakes a few times per timeout
period and, once an armed deadline has passed, prints which rank gave up on which collective and calls
``MPI.COMM_WORLD.Abort(1)`` -- ``mpiexec`` then kills every rank and exits non-zero.

Why a watchdog thread and not a non-blocking ``Iallreduce`` polled with ``Test``: with MPICH on shared memory,
polling was 2-3x slower than the blocking call (``Test`` drives the progress engine one poke at a time, and
under CPU contention a spinning rank steals the core its peer needs), while arming the watchdog is two
attribute writes.  It relies on mpi4py releasing the GIL inside blocking calls (it does) and on MPI being
initialised with ``MPI_THREAD_MULTIPLE`` (mpi4py's default), so that another thread may call ``Abort``.
Raising instead of aborting would leave an outstanding collective and a communicator in an unusable state.
"""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

MIN_INTERVAL, MAX_INTERVAL = 0.05, 1.0


class _Watchdog:
    """The per-process thread that aborts the job when the armed deadline passes."""

    def __init__(self):
        self.armed = None  # (deadline, what, timeout, rank, before_abort); one tuple, so reads are consistent
        self.interval = MAX_INTERVAL
        self._thread = None
        self.exit_probe, self.exit_grace = None, None  # see engine.distributed.exits

    def set_exit_probe(self, probe, grace: float) -> None:
        """Also abort when ``probe()`` reports a rank that exited ``grace`` seconds ago while a collective waits."""
        self.exit_probe, self.exit_grace = probe, grace
        self.interval = min(self.interval, max(MIN_INTERVAL, grace / 4))

    def arm(self, what: str, timeout: float, rank: int, before_abort) -> None:
        self.interval = min(self.interval, max(MIN_INTERVAL, timeout / 4))
        self.armed = (time.monotonic() + timeout, what, timeout, rank, before_abort)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kiln-collective-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            armed = self.armed
            if armed is None:
                continue
            _, what, timeout, rank, before_abort = armed
            gone = self.exit_probe() if self.exit_probe is not None else None
            if gone is not None and gone[1] >= self.exit_grace and self.armed is armed:
                if before_abort is not None:
                    before_abort()
                abort_job(f"{what} cannot complete: rank {gone[0]} has exited (sys.exit or the end of its "
                          "program) while this rank waits for it", rank)
            elif time.monotonic() > armed[0]:
                if before_abort is not None:
                    before_abort()
                abort_job(f"{what} did not complete within {timeout:g} s (another rank probably failed, exited "
                          "or took a different code path)", rank)


_WATCHDOG = _Watchdog()


@contextmanager
def deadline(what: str, timeout: float | None, rank: int, before_abort=None):
    """Abort the job (after ``before_abort()``, if given) unless the block finishes within ``timeout`` seconds.

    ``timeout=None`` sets no deadline.  Deadlines do not nest: one collective at a time per process.
    """
    if timeout is None:
        yield
        return
    _WATCHDOG.arm(what, timeout, rank, before_abort)
    try:
        yield
    finally:
        _WATCHDOG.armed = None


def abort_job(message: str, rank: int, code: int = 1) -> None:
    """Print ``message`` for ``rank`` to stderr and abort every rank of MPI.COMM_WORLD (does not return)."""
    from ._mpi import import_mpi

    sys.stderr.write(f"kiln.distributed: rank {rank}: {message}; aborting the job\n")
    sys.stderr.flush()
    import_mpi().COMM_WORLD.Abort(code)
