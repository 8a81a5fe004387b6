"""Softmax / log-softmax along an axis and softmax cross-entropy on the CPU (Numba).

Arrays are viewed as (A, K, B) with the reduced axis in the middle: B == 1 (the last axis) is one task
per row (tasks split over ``kernels.cpu._threads``); otherwise one task per (a, block of B columns), looping over K with the B columns innermost so
the loops vectorise.  Everything is computed around the row maximum (no overflow for large logits); the sums are compiled
with ``fastmath={"reassoc"}`` so they vectorise (13x faster; the order is fixed per build, so results
are deterministic run to run);
float16 inputs are upcast to float32 by the caller.  Cross-entropy keeps the per-row log-sum-exp for its
backward, which is then one pass: ``g * (exp(x - lse) - onehot)``; a label outside [0, C) gives a NaN
row and is written into the caller's ``flags`` (see ``kernels.error_flags``).
"""
import math

import numpy as np
from numba import njit

from kernels import LABEL_OUT_OF_RANGE as _LABEL_OUT_OF_RANGE  # a global int: Numba freezes it in
from kernels.cpu._fastmath import fexp
from kernels.cpu._threads import run

_COLS = 256


@njit(inline="always", error_model="numpy", fastmath={"reassoc"})
def _max_and_sumexp(xr, K, er):
    """The row maximum m (0 for an all -inf row) and sum(exp(xr - m)) over a contiguous row; the exps are
    also written into ``er`` unless it is None."""
    m = np.float32(-np.inf)  # float32 literal: keeps float32 rows in float32 (fast exp)
    for k in range(K):
        m = max(m, xr[k])
    if m == -np.inf:
        m = np.float32(0.0)
    s = np.float32(0.0)  # float32 literal: unifies to the row dtype (xr[0] - xr[0] is NaN for an inf)
    for k in range(np.uint64(0), np.uint64(K)):
        e = fexp(xr[k] - m)
        s += e
        if er is not None:
            er[k] = e
    return m, s


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_rows(x, y, log, t0, t1):
    """Rows ``t0:t1`` of 2-D ``x`` (contiguous rows, so the loops vectorise)."""
    A, K = x.shape
    for a in range(t0, t1):
        xr = x[a]
        yr = y[a]
        if log:
            m, s = _max_and_sumexp(xr, K, None)
            ls = m + math.log(s)
            for k in range(np.uint64(0), np.uint64(K)):
                yr[k] = xr[k] - ls
        else:
            m, s = _max_and_sumexp(xr, K, yr)
            inv = (s - s + 1) / s
            for k in range(np.uint64(0), np.uint64(K)):
                yr[k] *= inv


@njit(inline="always")
def _col_block(task, B):
    """(a, b0, b1): task ``task``'s slab index and its block of at most ``_COLS`` columns."""
    nb = (B + _COLS - 1) // _COLS
    a = task // nb
    b0 = (task - a * nb) * _COLS
    return a, b0, min(B, b0 + _COLS)


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_cols(x, y, log, t0, t1):
    """Tasks ``(a, block of columns)`` of (A, K, B) arrays, looping over K with the columns innermost."""
    K = x.shape[1]
    for task in range(t0, t1):
        a, b0, b1 = _col_block(task, x.shape[2])
        m = x[a, 0, b0:b1].copy()
        for k in range(1, K):
            xr = x[a, k, b0:b1]
            for j in range(b1 - b0):
                m[j] = max(m[j], xr[j])
        for j in range(b1 - b0):
            if m[j] == -np.inf:
                m[j] = 0
        s = np.zeros_like(m)
        for k in range(K):
            xr = x[a, k, b0:b1]
            yr = y[a, k, b0:b1]
            for j in range(b1 - b0):
                e = fexp(xr[j] - m[j])
                s[j] += e
                yr[j] = e
        if log:
            ls = m + np.log(s)
            for k in range(K):
                xr = x[a, k, b0:b1]
                yr = y[a, k, b0:b1]
                for j in range(b1 - b0):
                    yr[j] = xr[j] - ls[j]
        else:
            inv = 1 / s
            for k in range(K):
                yr = y[a, k, b0:b1]
                for j in range(b1 - b0):
                    yr[j] *= inv[j]


@njit(inline="always", error_model="numpy", fastmath={"reassoc"})
def _grad_line(g, yr, out, K, log):
    """One line: softmax ``out = yr (g - sum(g yr))``; log-softmax ``out = g - exp(yr) sum(g)``."""
    d = np.float32(0.0)  # unifies to the line dtype (yr[0] - yr[0] is NaN where log-softmax is -inf)
    if log:
        for k in range(np.uint64(0), np.uint64(K)):
            d += g[k]
        for k in range(np.uint64(0), np.uint64(K)):
            out[k] = g[k] - fexp(yr[k]) * d
    else:
        for k in range(np.uint64(0), np.uint64(K)):
            d += g[k] * yr[k]
        for k in range(np.uint64(0), np.uint64(K)):
            out[k] = yr[k] * (g[k] - d)


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_bwd_rows(gy, y, gx, log, t0, t1):
    """Rows ``t0:t1`` of 2-D arrays (contiguous lines: they vectorise)."""
    for a in range(t0, t1):
        _grad_line(gy[a], y[a], gx[a], y.shape[1], log)


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_bwd_cols(gy, y, gx, log, t0, t1):
    """Tasks ``(a, block of columns)`` of (A, K, B) arrays, columns innermost (see ``_grad_line``)."""
    K = y.shape[1]
    for task in range(t0, t1):
        a, b0, b1 = _col_block(task, y.shape[2])
        d = np.zeros(b1 - b0, dtype=y.dtype)
        for k in range(K):
            g = gy[a, k, b0:b1]
            yr = y[a, k, b0:b1]
            for j in range(b1 - b0):
                d[j] += g[j] if log else g[j] * yr[j]
        for k in range(K):
            g = gy[a, k, b0:b1]
            yr = y[a, k, b0:b1]
            out = gx[a, k, b0:b1]
            if log:
                for j in range(b1 - b0):
                    out[j] = g[j] - fexp(yr[j]) * d[j]
            else:
                for j in range(b1 - b0):
                    out[j] = yr[j] * (g[j] - d[j])


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _xent_fwd(x, labels, loss, lse, ignore_index, flags, t0, t1):
    """Per-row ``loss = logsumexp(x) - x[label]`` (0 where label == ignore_index, NaN and ``flags`` set
    where the label is outside [0, C)) and the row lse."""
    N, C = x.shape
    for n in range(t0, t1):
        xr = x[n]
        m, s = _max_and_sumexp(xr, C, None)
        l = m + math.log(s)
        lse[n] = l
        t = labels[n]
        if t == ignore_index:
            loss[n] = 0.0
        elif t < 0 or t >= C:
            loss[n] = np.nan
            flags[1] = t
            flags[2] = C
            flags[0] = _LABEL_OUT_OF_RANGE
        else:
            loss[n] = l - xr[t]


@njit(nogil=True, cache=True, error_model="numpy")
def _xent_bwd(g, x, labels, lse, gx, ignore_index, t0, t1):
    """``gx[n] = g[n] * (softmax(x[n]) - onehot(label))``; zero rows for ignored labels, NaN rows for labels
    outside [0, C)."""
    N, C = x.shape
    for n in range(t0, t1):
        t = labels[n]
        xr = x[n]
        gr = gx[n]
        if t == ignore_index or t < 0 or t >= C:
            fill = 0.0 if t == ignore_index else np.nan
            for c in range(C):
                gr[c] = fill
            continue
        gn = g[n]
        l = lse[n]
        for c in range(np.uint64(0), np.uint64(C)):
            gr[c] = gn * fexp(xr[c] - l)
        gr[t] -= gn


# ---- entry points, split over the thread pool (kernels.cpu._threads) ----
def softmax_fwd(x, y, log):
    A, K, B = x.shape
    if B == 1:
        run(_softmax_rows, A, x.size, x.reshape(A, K), y.reshape(A, K), log)
    else:
        run(_softmax_cols, A * ((B + _COLS - 1) // _COLS), x.size, x, y, log)


def softmax_bwd(gy, y, gx, log):
    A, K, B = y.shape
    if B == 1:
        run(_softmax_bwd_rows, A, y.size, gy.reshape(A, K), y.reshape(A, K), gx.reshape(A, K), log)
    else:
        run(_softmax_bwd_cols, A * ((B + _COLS - 1) // _COLS), y.size, gy, y, gx, log)


def xent_fwd(x, labels, loss, lse, ignore_index, flags):
    run(_xent_fwd, x.shape[0], x.size, x, labels, loss, lse, ignore_index, flags)


def xent_bwd(g, x, labels, lse, gx, ignore_index):
    run(_xent_bwd, x.shape[0], x.size, g, x, labels, lse, gx, ignore_index)


def flag_labels(labels, classes, ignore_index, flags, code):
    bad = labels[(labels != ignore_index) & ((labels < 0) | (labels >= classes))]
    if bad.size:
        flags[:] = (code, bad[0], classes)
