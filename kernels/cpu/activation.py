"""Fused activation kernels on the CPU (Numba): forward, and backward with the parameter reductions.

Two layouts cover every use:

- ``cb``: x viewed as (A, C, B) — channel axis 1 of an NCHW (or any) array, B > 1 inner elements per
  channel; plain element-wise activation is ``A = C = 1``.  One task per block of one (a, c) row.
- ``rc``: x viewed as (R, C) — the channel axis last (Linear outputs); one task per block of rows.

``z = x + bias[c]`` (bias is zeros when there is none) goes through the activation; PReLU reads its slope
per channel from ``weight``.  Backward gives ``gx = gy * act'(z)`` and, on request, per-task partial sums
for the bias gradient (``sum gx``) and the PReLU slope gradient (``sum gy * z`` where ``z <= 0``); the
caller adds the partials in a fixed order (deterministic).

The formulas are ``kernels.act_formulas``' scalar functions, compiled here (inlined) over the vectorisable
float32 primitives of ``kernels.cpu._fastmath``. One compiled kernel per (activation, layout, direction), made
from one template per kernel with the activation's compiled formula bound in (``specialise``: no per-element
branch; the loops vectorise where the formula allows) and cached on disk. They are plain ``@njit(nogil=True)``
loops over a range of tasks, split over a small thread pool from Python: a Numba ``parallel=True`` kernel
costs ~2 s to compile, a plain one a fraction of that, which decided the test-suite time. Loop indexes are
unsigned: with signed ones Numba's negative-index wraparound check stopped LLVM from vectorising (7x slower
ReLU).
"""

import numpy as np
from numba import njit

from kernels.act_formulas import compile_formulas, specialise
from kernels.act_spec import spec
from kernels.cpu._fastmath import ferf, fexp, fexpm1, flog1p01, fsincos
from kernels.cpu._threads import run as _run

BLOCK = 16384  # elements per task
_inline = njit(inline="always", error_model="numpy")


@_inline
def _tanh(z, one):
    """tanh through one exp (libm's scalar tanhf is ~7x slower than expf here)."""
    e = fexp(-(abs(z) + abs(z)))
    t = (one - e) / (one + e)
    return t if z >= 0 else -t


FORMULAS = compile_formulas(_inline, {"exp": fexp, "expm1": fexpm1, "log1p01": flog1p01, "sincos": fsincos,
                                      "tanh": _tanh, "erf": ferf})


@_inline
def _cb_row(task, nblk, C):
    """(a, c, first element) of task ``task`` in the (A, C, B) layout."""
    row = task // nblk
    return row // C, row % C, (task - row * nblk) * BLOCK


def _cb_fwd(x, bias, weight, y, a, b, one, t0, t1):
    A, C, B = x.shape
    nblk = (B + BLOCK - 1) // BLOCK
    for task in range(t0, t1):
        ia, c, lo = _cb_row(task, nblk, C)
        bc = bias[c]
        ac = weight[c] if SLOPE else a  # noqa: F821  (F, SLOPE: bound by specialise)
        xr = x[ia, c, lo:]
        yr = y[ia, c, lo:]
        for i in range(min(B, lo + BLOCK) - lo):
            yr[i] = F(xr[i] + bc, ac, b, one)


def _cb_bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, sums, t0, t1):
    A, C, B = x.shape
    nblk = (B + BLOCK - 1) // BLOCK
    zero = one - one
    for task in range(t0, t1):
        ia, c, lo = _cb_row(task, nblk, C)
        bc = bias[c]
        ac = weight[c] if SLOPE else a  # noqa: F821  (F, SLOPE: bound by specialise)
        n = min(B, lo + BLOCK) - lo
        xr = x[ia, c, lo:]
        yr = y[ia, c, lo:]
        gr = gy[ia, c, lo:]
        gxr = gx[ia, c, lo:]
        for i in range(n):
            gxr[i] = gr[i] * F(xr[i] + bc, yr[i], ac, b, one)
        if sums:
            sb = zero
            sw = zero
            for i in range(n):
                sb += gxr[i]
                if SLOPE:
                    z = xr[i] + bc
                    sw += gr[i] * z if z <= zero else zero
            part_b[task] = sb
            part_w[task] = sw


def _rc_fwd(x, bias, weight, y, a, b, one, t0, t1):
    R, C = x.shape
    rows = max(1, BLOCK // C)
    for task in range(t0, t1):
        for r in range(task * rows, min(R, (task + 1) * rows)):
            xr = x[r]
            yr = y[r]
            for c in range(C):
                ac = weight[c] if SLOPE else a  # noqa: F821  (F, SLOPE: bound by specialise)
                yr[c] = F(xr[c] + bias[c], ac, b, one)


def _rc_bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, sums, t0, t1):
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
                ac = weight[c] if SLOPE else a  # noqa: F821  (F, SLOPE: bound by specialise)
                z = xr[c] + bias[c]
                g = gr[c] * F(z, yr[c], ac, b, one)
                gxr[c] = g
                if sums:
                    pb[c] += g
                    if SLOPE:
                        pw[c] += gr[c] * z if z <= zero else zero


_TEMPLATES = {"cb_fwd": _cb_fwd, "cb_bwd": _cb_bwd, "rc_fwd": _rc_fwd, "rc_bwd": _rc_bwd}
_JIT = {"cb_bwd": njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})}
_PLAIN = njit(nogil=True, cache=True, error_model="numpy")
_cache = {}


def kernel(kind: str, name: str):
    """The compiled kernel ``kind`` ("cb_fwd", "cb_bwd", "rc_fwd", "rc_bwd") for activation ``name``."""
    row = spec(name)
    key = (kind, row.name)
    k = _cache.get(key)
    if k is None:
        formula = row.formula or row.name
        f = FORMULAS[formula if kind.endswith("fwd") else "d_" + formula]
        k = _cache[key] = specialise(_TEMPLATES[kind], _JIT.get(kind, _PLAIN), f"{kind}_{row.name}", F=f,
                                     SLOPE=row.slope_weight)
    return k


def n_tasks(kind: str, shape) -> int:
    """How many tasks (and partial sums) a kernel of this layout runs."""
    if kind == "cb":
        A, C, B = shape
        return A * C * ((B + BLOCK - 1) // BLOCK)
    R, C = shape
    rows = max(1, BLOCK // C)
    return (R + rows - 1) // rows


def forward(layout, name, x, bias, weight, y, a, b):
    d = x.dtype.type
    _run(kernel(layout + "_fwd", name), n_tasks(layout, x.shape), x.size, x, bias, weight, y, d(a), d(b), d(1))


def backward(layout, name, gy, x, y, bias, weight, gx, a, b, sums):
    """Returns (partial bias sums, partial slope sums) shaped per layout, or (None, None)."""
    t = n_tasks(layout, x.shape)
    C = x.shape[1]
    shape = (t if sums else 1,) if layout == "cb" else (t, C)  # rc rows index their partial row always
    part_b = np.zeros(shape, dtype=x.dtype)
    part_w = np.zeros(shape, dtype=x.dtype)
    d = x.dtype.type
    _run(kernel(layout + "_bwd", name), t, x.size, gy, x, y, bias, weight, gx, part_b, part_w, d(a), d(b), d(1),
         bool(sums))
    return (part_b, part_w) if sums else (None, None)
