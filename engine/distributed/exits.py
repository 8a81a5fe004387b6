"""A rank that exits tells the others, so that a rank left waiting for it aborts the job instead of hanging.

``sys.exit(0)``, ``sys.exit(3)`` or simply reaching the end of the script skip ``sys.excepthook`` (the abort
hook of :mod:`engine.distributed.communicator` sees exceptions only), and MPI cannot tell a peer that is
slow from one that is gone: the others would wait in their collective until its deadline (300 s by
default).  So, at interpreter exit (an ``atexit`` handler that runs before mpi4py finalises MPI), each rank
sends a one-int notice to every other rank on a private duplicate of the communicator.  The collective
watchdog (:mod:`engine.distributed.waiting`) polls for notices while this rank is inside a collective; once
it has held a notice for ``KILN_DIST_EXIT_GRACE`` seconds (default 5) and the collective has still not
returned, the collective can never complete, and the watchdog aborts the job naming the rank that left.

The grace period is what keeps a normal end of the job quiet: a rank that exits right after the last
collective may send its notice while a peer is still returning from that same collective, which takes
microseconds, not seconds.  Polling needs ``MPI_THREAD_MULTIPLE`` (mpi4py's default); with a lower thread
level the notices are not watched and the deadline stays the only guard.
"""
from __future__ import annotations

import atexit
import os
import time

import numpy as np

from .waiting import _WATCHDOG

EXIT_TAG = 7031
DEFAULT_GRACE = 5.0

_watched: list = []  # (duplicate communicator, rank) for every multi-rank Communicator of this process
_seen: dict = {}  # rank that has exited -> time.monotonic() when its notice was first seen here
_registered = False


def exit_grace() -> float:
    raw = os.environ.get("KILN_DIST_EXIT_GRACE")
    return DEFAULT_GRACE if raw is None else max(0.0, float(raw))


def watch_exits(mpi_backend) -> None:
    """Send an exit notice from this rank at exit, and let the watchdog look for the others' notices.

    Duplicates the backend's communicator (a collective: every rank makes its Communicator)."""
    global _registered
    MPI = mpi_backend.MPI
    if MPI.Query_thread() < MPI.THREAD_MULTIPLE:
        return
    with mpi_backend._guard("creating the communicator (MPI Comm.Dup)"):
        comm = mpi_backend.comm.Dup()
    _watched.append((comm, mpi_backend.rank))
    _WATCHDOG.set_exit_probe(_poll, exit_grace())
    if not _registered:
        atexit.register(_announce_exit)
        _registered = True


def _poll():
    """``(rank, seconds since its notice was first seen)`` of one rank that has exited, or None."""
    from ._mpi import import_mpi

    MPI = import_mpi()
    for comm, _ in _watched:
        status = MPI.Status()
        while comm.Iprobe(source=MPI.ANY_SOURCE, tag=EXIT_TAG, status=status):
            notice = np.empty(1, np.int64)
            comm.Recv(notice, source=status.Get_source(), tag=EXIT_TAG)
            _seen.setdefault(int(notice[0]), time.monotonic())
    if not _seen:
        return None
    rank, since = min(_seen.items(), key=lambda item: item[1])
    return rank, time.monotonic() - since


def _announce_exit() -> None:
    """atexit: tell every other rank that this one is leaving (waits at most a second for the sends)."""
    requests = []
    for comm, rank in _watched:
        notice = np.array([rank], np.int64)
        for dest in range(comm.Get_size()):
            if dest != rank:
                requests.append((comm.Isend(notice, dest=dest, tag=EXIT_TAG), notice))
    until = time.monotonic() + 1.0
    pending = [r for r, _ in requests]
    while pending and time.monotonic() < until:
        pending = [r for r in pending if not r.Test()]
        if pending:
            time.sleep(0.005)


