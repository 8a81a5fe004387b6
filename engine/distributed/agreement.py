"""Every collective first checks that all ranks called the same collective with the same arrays.

An MPI all-reduce trusts its callers: buffers of the same size but different shapes or order are summed
element by element (a silent wrong answer), different sizes end in MPICH's "Message truncated", and a
rank that calls a different collective (a broadcast against an all-reduce) hangs the job.  So each
collective of :class:`engine.distributed.Communicator` starts with a *header*: a 16-byte all-reduce
(MAX) of ``[code, -code]``, where ``code`` is a CRC-32 of the operation's description -- its name, its
root and the shape and dtype of every array, in order.  The description and its code are computed once
per layout and cached, so the steady-state cost is building the layout key and one tiny all-reduce.
When the maximum and the minimum differ, every rank sees it at the same point, all ranks then gather the
descriptions (one more collective, only on this error path) and raise :class:`CollectiveMismatchError`
naming every rank's call, so the job stays consistent (no rank is left inside a collective).
"""
from __future__ import annotations

import zlib

import numpy as np

__all__ = ["CollectiveMismatchError", "Agreement"]

_MAX_CACHED = 256
_MAX_LISTED = 8


class CollectiveMismatchError(ValueError):
    """The ranks called different collectives, or passed arrays whose shapes, dtypes or order differ."""


def describe(op: str, root, arrays) -> str:
    """``'allreduce_mean of 2 arrays [(3, 4) float32, (4,) float64]'`` (long lists are cut)."""
    where = f" from rank {root}" if root is not None else ""
    items = [f"{tuple(a.shape)} {np.dtype(a.dtype).name}" for a in arrays]
    if len(items) > _MAX_LISTED:
        items = items[:_MAX_LISTED] + [f"... {len(items) - _MAX_LISTED} more"]
    listed = f" of {len(arrays)} array{'s' if len(arrays) != 1 else ''} [{', '.join(items)}]" if arrays else ""
    total = sum(int(np.prod(a.shape)) for a in arrays)
    sized = f", {total} elements" if arrays else ""
    return f"{op}{where}{listed}{sized}"


class Agreement:
    """The header check for one communicator (see the module docstring)."""

    def __init__(self, mpi_backend):
        self._mpi = mpi_backend
        self._cache: dict = {}

    def check(self, op: str, arrays=(), root=None) -> None:
        """Raise CollectiveMismatchError on every rank unless all ranks call ``op`` with the same layout."""
        if self._mpi.size == 1:
            return
        key = (op, root, tuple((a.shape, a.dtype.str) for a in arrays))
        entry = self._cache.get(key)
        if entry is None:
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            text = describe(op, root, arrays)
            entry = self._cache[key] = (text, zlib.crc32(text.encode()))
        text, code = entry
        header = np.array([code, -code], dtype=np.int64)
        self._mpi.allreduce_max_(header, f"{op} (agreement header)")
        if header[0] == code and header[1] == -code:
            return
        calls = self._mpi.allgather_object(text)
        listing = "; ".join(f"rank {r}: {t}" for r, t in enumerate(calls))
        raise CollectiveMismatchError(
            f"{op}: the ranks called different collectives, or their arrays' shapes or dtypes differ "
            f"(an all-reduce would mix or truncate them): {listing}"
        )
