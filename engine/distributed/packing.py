"""Packing many arrays into one contiguous buffer, so that a reduction is one message, not one per array.

A :class:`FlatBuffer` keeps its buffer between calls (one per array module and dtype), so a training loop
allocates it once.  :meth:`FlatBuffer.pack` copies (and optionally scales and casts) the arrays into it;
:func:`unpack` copies slices back out as new arrays shaped like the inputs, never views of the reused
buffer.  Works on NumPy and CuPy arrays alike through the engine backend.
"""
from __future__ import annotations

import numpy as np

from .. import backend


def result_dtype(dtype) -> np.dtype:
    """The dtype a mean comes back in: floating dtypes keep theirs, integers and bools give float64 (as np.mean)."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def check_same_device(arrays, what: str):
    """The device all ``arrays`` live on; ValueError naming the first one that lives elsewhere."""
    for i, a in enumerate(arrays):
        if not backend.is_array(a):
            raise TypeError(f"{what}: item {i} is a {type(a).__name__}, expected a numpy or cupy array")
    device = backend.device_of(arrays[0])
    for i, a in enumerate(arrays):
        d = backend.device_of(a)
        if d != device:
            raise ValueError(f"{what}: arrays live on different devices (item 0 on {device}, item {i} on {d}); "
                             "one reduction packs one buffer on one device")
    return device


class FlatBuffer:
    """A reusable contiguous 1-D buffer for packing arrays (see the module docstring)."""

    def __init__(self):
        self._bufs = {}

    def get(self, xp, dtype, n: int):
        """A 1-D buffer of at least ``n`` elements (a view of exactly ``n``), reused across calls."""
        key = (xp.__name__, np.dtype(dtype).str)
        buf = self._bufs.get(key)
        if buf is None or buf.size < n:
            buf = xp.empty(max(n, 1), dtype=dtype)
            self._bufs[key] = buf
        return buf[:n]

    def pack(self, arrays, dtype, scale=None):
        """Copy ``arrays`` (times ``scale`` when given) into one buffer of ``dtype``; returns the buffer."""
        xp = backend.get_array_module(arrays[0]) if arrays else np
        n = sum(int(a.size) for a in arrays)
        buf = self.get(xp, dtype, n)
        offset = 0
        for a in arrays:
            part = buf[offset:offset + a.size]
            flat = a.reshape(-1)
            part[...] = flat if scale is None else flat * scale  # scale before any narrowing cast
            offset += a.size
        return buf


def unpack(buf, like, dtypes=None):
    """New arrays shaped like ``like`` (in ``dtypes``, default each one's own), filled from ``buf`` in order."""
    out, offset = [], 0
    for i, a in enumerate(like):
        dtype = a.dtype if dtypes is None else dtypes[i]
        out.append(buf[offset:offset + a.size].reshape(a.shape).astype(dtype, copy=True))
        offset += a.size
    return out


def unpack_into(buf, arrays) -> None:
    """Copy ``buf`` back into ``arrays`` in place (in order, casting to each array's dtype)."""
    offset = 0
    for a in arrays:
        a[...] = buf[offset:offset + a.size].reshape(a.shape)
        offset += a.size
