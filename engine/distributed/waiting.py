"""Waiting for a collective with a deadline, and aborting the whole job when it passes.

A blocking MPI or NCCL collective waits forever when another rank has died or taken a different path, so a
failed rank would leave the job hanging.  Every collective in :mod:`engine.distributed` is started
non-blocking and completed here: :func:`wait_until` polls it (spinning briefly, then sleeping with a growing
back-off, so an idle rank does not burn a core) and, past the deadline, prints which rank gave up on which
collective and calls ``MPI.COMM_WORLD.Abort(1)``, which makes ``mpiexec`` kill every rank and exit non-zero.
Raising instead would leave the outstanding request and the communicator in an unusable state.
"""
from __future__ import annotations

import sys
import time

SPIN_SECONDS = 0.005  # poll without sleeping this long first: small collectives finish in microseconds
MAX_SLEEP = 0.001


def wait_until(done, what: str, timeout: float | None, rank: int, before_abort=None) -> None:
    """Poll ``done()`` until it returns True; abort the job if ``timeout`` seconds pass first.

    ``timeout=None`` waits forever (still through ``done``).  ``before_abort()``, when given, runs just
    before the abort (the NCCL backend aborts its own communicator there).
    """
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    sleep = 1e-5
    while not done():
        now = time.monotonic()
        if deadline is not None and now > deadline:
            if before_abort is not None:
                before_abort()
            abort_job(f"{what} did not complete within {timeout:g} s (another rank probably failed, exited or "
                      "took a different code path)", rank)
        if now - start > SPIN_SECONDS:
            time.sleep(sleep)
            sleep = min(sleep * 2, MAX_SLEEP)


def abort_job(message: str, rank: int, code: int = 1) -> None:
    """Print ``message`` for ``rank`` to stderr and abort every rank of MPI.COMM_WORLD (does not return)."""
    from ._mpi import import_mpi

    sys.stderr.write(f"kiln.distributed: rank {rank}: {message}; aborting the job\n")
    sys.stderr.flush()
    import_mpi().COMM_WORLD.Abort(code)
