"""Reusable scratch buffers for CPU kernels (column buffers, NHWC copies).

A fresh multi-MiB NumPy array comes from ``mmap`` and pays a page fault per 4 KiB on first touch — for
a LeNet-sized convolution that cost more than the convolution itself.  ``scratch(slot, shape, dtype)``
hands out a view of a grow-only buffer kept per thread and per named slot, so a call that uses several
slots at once never sees them alias.  Only scratch lives here: results are always fresh arrays.
Buffers over ``_MAX_CACHED`` bytes are not kept.  GPU code does not use this (CuPy's memory pool
already recycles device memory).
"""
import threading

import numpy as np

_MAX_CACHED = 64 * 2**20
_local = threading.local()


def scratch(slot: str, shape, dtype):
    """An uninitialised C-contiguous array of ``shape`` / ``dtype``, reused across calls per slot."""
    dtype = np.dtype(dtype)
    n = 1
    for s in shape:
        n *= int(s)
    nbytes = n * dtype.itemsize
    if nbytes > _MAX_CACHED:
        return np.empty(shape, dtype=dtype)
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    buf = pool.get(slot)
    if buf is None or buf.nbytes < nbytes:
        buf = pool[slot] = np.empty(max(nbytes, 4096), dtype=np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def clear() -> None:
    """Drop this thread's cached buffers."""
    _local.pool = {}
