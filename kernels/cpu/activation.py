"""Fused activation kernels on the CPU (Numba): forward, and backward with the parameter reductions.

Two layouts cover every use:

- ``cb``: x viewed as (A, C, B) — channel axis 1 of an NCHW (or any) array, B > 1 inner elements per
  channel; plain element-wise activation is ``A = C = 1``.  One task per block of one (a, c) row.
- ``rc``: x viewed as (R, C) — the channel axis last (Linear outputs); one task per block of rows.

``z = x + bias[c]`` (bias is zeros when there is none) goes through the activation; PReLU reads its slope
per channel from ``weight``.  Backward gives ``gx = gy * act'(z)`` and, on request, per-task partial sums
for the bias gradient (``sum gx``) and the PReLU slope gradient (``sum gy * z`` where ``z <= 0``); the
caller adds the partials in a fixed order (deterministic).

One compiled kernel per (activation, layout, direction), made by a factory so the activation code is a
compile-time constant (no per-element branch; the loops vectorise where the formula allows) and cached
on disk.  They are plain ``@njit(nogil=True)`` loops over a range of tasks, split over a small thread
pool from Python: a Numba ``parallel=True`` kernel costs ~2 s to compile, a plain one a fraction of
that, and with 14 activations x 2 directions x 2 layouts x 2 dtypes that decided the test-suite time.  Loop indexes are unsigned: with signed ones Numba's negative-index wraparound check stopped
LLVM from vectorising (7x slower ReLU).
"""
import numpy as np
from numba import njit

from kernels._act_codes import PRELU
from kernels.cpu._act_math import act, dact
from kernels.cpu._threads import run as _run

BLOCK = 16384  # elements per task


def _make_cb_fwd(op):
    @njit(nogil=True, cache=True, error_model="numpy")
    def fwd(x, bias, weight, y, a, b, one, t0, t1):
        A, C, B = x.shape
        nblk = (B + BLOCK - 1) // BLOCK
        for task in range(t0, t1):
            row = task // nblk
            k = task - row * nblk
            c = row % C
            bc = bias[c]
            ac = weight[c] if op == PRELU else a
            lo = k * BLOCK
            xr = x[row // C, c, lo:]
            yr = y[row // C, c, lo:]
            for i in range(min(B, lo + BLOCK) - lo):
                yr[i] = act(op, xr[i] + bc, ac, b, one)

    return fwd


def _make_cb_bwd(op):
    @njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
    def bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, sums, t0, t1):
        A, C, B = x.shape
        nblk = (B + BLOCK - 1) // BLOCK
        zero = one - one
        for task in range(t0, t1):
            row = task // nblk
            k = task - row * nblk
            c = row % C
            bc = bias[c]
            ac = weight[c] if op == PRELU else a
            lo = k * BLOCK
            n = min(B, lo + BLOCK) - lo
            xr = x[row // C, c, lo:]
            yr = y[row // C, c, lo:]
            gr = gy[row // C, c, lo:]
            gxr = gx[row // C, c, lo:]
            for i in range(n):
                gxr[i] = gr[i] * dact(op, xr[i] + bc, yr[i], ac, b, one)
            if sums:
                sb = zero
                sw = zero
                for i in range(n):
                    sb += gxr[i]
                    if op == PRELU:
                        z = xr[i] + bc
                        sw += gr[i] * z if z <= zero else zero
                part_b[task] = sb
                part_w[task] = sw

    return bwd


def _make_rc_fwd(op):
    @njit(nogil=True, cache=True, error_model="numpy")
    def fwd(x, bias, weight, y, a, b, one, t0, t1):
        R, C = x.shape
        rows = max(1, BLOCK // C)
        for task in range(t0, t1):
            for r in range(task * rows, min(R, (task + 1) * rows)):
                xr = x[r]
                yr = y[r]
                for c in range(C):
                    ac = weight[c] if op == PRELU else a
                    yr[c] = act(op, xr[c] + bias[c], ac, b, one)

    return fwd


def _make_rc_bwd(op):
    @njit(nogil=True, cache=True, error_model="numpy")
    def bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, sums, t0, t1):
        R, C = x.shape
        rows = max(1, BLOCK // C)
        zero = one - one
        for task in range(t0, t1):
            pb = part_b[task]
            pw = part_w[task]
            for r in range(task * rows, min(R, (task + 1) * rows)):
                xr = x[r]
                yr = y[r]
                gr = gy[r]
                gxr = gx[r]
                for c in range(C):
                    ac = weight[c] if op == PRELU else a
                    z = xr[c] + bias[c]
                    g = gr[c] * dact(op, z, yr[c], ac, b, one)
                    gxr[c] = g
                    if sums:
                        pb[c] += g
                        if op == PRELU:
                            pw[c] += gr[c] * z if z <= zero else zero

    return bwd


_MAKERS = {"cb_fwd": _make_cb_fwd, "cb_bwd": _make_cb_bwd, "rc_fwd": _make_rc_fwd, "rc_bwd": _make_rc_bwd}
_cache = {}


def kernel(kind: str, op: int):
    """The compiled kernel ``kind`` ("cb_fwd", "cb_bwd", "rc_fwd", "rc_bwd") for activation ``op``."""
    key = (kind, op)
    k = _cache.get(key)
    if k is None:
        k = _cache[key] = _MAKERS[kind](op)
    return k


def n_tasks(kind: str, shape) -> int:
    """How many tasks (and partial sums) a kernel of this layout runs."""
    if kind == "cb":
        A, C, B = shape
        return A * C * ((B + BLOCK - 1) // BLOCK)
    R, C = shape
    rows = max(1, BLOCK // C)
    return (R + rows - 1) // rows


def forward(layout, op, x, bias, weight, y, a, b):
    d = x.dtype.type
    _run(kernel(layout + "_fwd", op), n_tasks(layout, x.shape), x.size, x, bias, weight, y, d(a), d(b), d(1))


def backward(layout, op, gy, x, y, bias, weight, gx, a, b, sums):
    """Returns (partial bias sums, partial slope sums) shaped per layout, or (None, None)."""
    t = n_tasks(layout, x.shape)
    C = x.shape[1]
    shape = (t if sums else 1,) if layout == "cb" else (t if sums else 1, C)
    if layout == "rc" and not sums:
        shape = (t, C)  # rc rows index their partial row unconditionally
    part_b = np.zeros(shape, dtype=x.dtype)
    part_w = np.zeros(shape, dtype=x.dtype)
    d = x.dtype.type
    _run(kernel(layout + "_bwd", op), t, x.size, gy, x, y, bias, weight, gx, part_b, part_w, d(a), d(b), d(1),
         bool(sums))
    return (part_b, part_w) if sums else (None, None)
