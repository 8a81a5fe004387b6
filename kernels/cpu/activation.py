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
on disk.  Loop indexes are unsigned: with signed ones Numba's negative-index wraparound check stopped
LLVM from vectorising (7x slower ReLU).
"""
import numpy as np
from numba import njit, prange

from kernels._act_codes import PRELU
from kernels.cpu._act_math import act, dact

BLOCK = 16384  # elements per task


def _make_cb_fwd(op):
    @njit(parallel=True, cache=True, error_model="numpy")
    def fwd(x, bias, weight, y, a, b, one):
        A, C, B = x.shape
        nblk = (B + BLOCK - 1) // BLOCK
        for task in prange(A * C * nblk):
            row = task // nblk
            k = task - row * nblk
            c = row % C
            bc = bias[c]
            ac = weight[c] if op == PRELU else a
            xr = x[row // C, c]
            yr = y[row // C, c]
            lo = np.uint64(k * BLOCK)
            hi = np.uint64(min(B, (k + 1) * BLOCK))
            for i in range(lo, hi):
                yr[i] = act(op, xr[i] + bc, ac, b, one)

    return fwd


def _make_cb_bwd(op):
    @njit(parallel=True, cache=True, error_model="numpy", fastmath={"reassoc"})
    def bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, sums):
        A, C, B = x.shape
        nblk = (B + BLOCK - 1) // BLOCK
        zero = one - one
        for task in prange(A * C * nblk):
            row = task // nblk
            k = task - row * nblk
            c = row % C
            bc = bias[c]
            ac = weight[c] if op == PRELU else a
            xr = x[row // C, c]
            yr = y[row // C, c]
            gr = gy[row // C, c]
            gxr = gx[row // C, c]
            lo = np.uint64(k * BLOCK)
            hi = np.uint64(min(B, (k + 1) * BLOCK))
            if not sums:
                for i in range(lo, hi):
                    gxr[i] = gr[i] * dact(op, xr[i] + bc, yr[i], ac, b, one)
                continue
            sb = zero
            sw = zero
            for i in range(lo, hi):
                z = xr[i] + bc
                g = gr[i] * dact(op, z, yr[i], ac, b, one)
                gxr[i] = g
                sb += g
                if op == PRELU:
                    sw += gr[i] * z if z <= zero else zero
            part_b[task] = sb
            part_w[task] = sw

    return bwd


def _make_rc_fwd(op):
    @njit(parallel=True, cache=True, error_model="numpy")
    def fwd(x, bias, weight, y, a, b, one):
        R, C = x.shape
        rows = max(1, BLOCK // C)
        for task in prange((R + rows - 1) // rows):
            for r in range(task * rows, min(R, (task + 1) * rows)):
                xr = x[r]
                yr = y[r]
                for c in range(np.uint64(0), np.uint64(C)):
                    ac = weight[c] if op == PRELU else a
                    yr[c] = act(op, xr[c] + bias[c], ac, b, one)

    return fwd


def _make_rc_bwd(op):
    @njit(parallel=True, cache=True, error_model="numpy")
    def bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, sums):
        R, C = x.shape
        rows = max(1, BLOCK // C)
        zero = one - one
        for task in prange((R + rows - 1) // rows):
            pb = part_b[task]
            pw = part_w[task]
            if sums:
                for c in range(C):
                    pb[c] = zero
                    pw[c] = zero
            for r in range(task * rows, min(R, (task + 1) * rows)):
                xr = x[r]
                yr = y[r]
                gr = gy[r]
                gxr = gx[r]
                for c in range(np.uint64(0), np.uint64(C)):
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
    """How many partial sums a backward kernel of this layout writes (one per task)."""
    if kind == "cb":
        A, C, B = shape
        return A * C * ((B + BLOCK - 1) // BLOCK)
    R, C = shape
    rows = max(1, BLOCK // C)
    return (R + rows - 1) // rows


def forward(layout, op, x, bias, weight, y, a, b):
    one = x.dtype.type(1)
    kernel(layout + "_fwd", op)(x, bias, weight, y, x.dtype.type(a), x.dtype.type(b), one)


def backward(layout, op, gy, x, y, bias, weight, gx, a, b, sums):
    """Returns (partial bias sums, partial slope sums) shaped per layout, or (None, None)."""
    t = n_tasks(layout, x.shape) if (sums or layout == "rc") else 1
    C = x.shape[1]
    shape = (t,) if layout == "cb" else (t, C)
    part_b = np.zeros(shape, dtype=x.dtype)
    part_w = np.zeros(shape, dtype=x.dtype)
    one = x.dtype.type(1)
    kernel(layout + "_bwd", op)(gy, x, y, bias, weight, gx, part_b, part_w, x.dtype.type(a), x.dtype.type(b), one, bool(sums))
    return (part_b, part_w) if sums else (None, None)
