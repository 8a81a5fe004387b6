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
def _max_and_sumexp(xr, K):
    """The row maximum m (0 for an all -inf row) and sum(exp(xr - m)) over a contiguous row."""
    m = np.float32(-np.inf)  # float32 literal: keeps float32 rows in float32 (fast exp)
    for k in range(K):
        m = max(m, xr[k])
    if m == -np.inf:
        m = np.float32(0.0)
    s = xr[0] - xr[0]
    for k in range(np.uint64(0), np.uint64(K)):
        s += fexp(xr[k] - m)
    return m, s


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_rows(x, y, log, t0, t1):
    A, K, B = x.shape
    for a in range(t0, t1):
        xr = x[a, :, 0]
        yr = y[a, :, 0]
        m, s = _max_and_sumexp(xr, K)
        if log:
            ls = m + math.log(s)
            for k in range(np.uint64(0), np.uint64(K)):
                yr[k] = xr[k] - ls
        else:
            inv = (s - s + 1) / s
            for k in range(np.uint64(0), np.uint64(K)):
                yr[k] = fexp(xr[k] - m) * inv


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_cols(x, y, log, t0, t1):
    A, K, B = x.shape
    nb = (B + _COLS - 1) // _COLS
    for task in range(t0, t1):
        a = task // nb
        b0 = (task - a * nb) * _COLS
        b1 = min(B, b0 + _COLS)
        n = b1 - b0
        m = np.full(n, -np.inf, dtype=x.dtype)
        s = np.zeros(n, dtype=x.dtype)
        for k in range(K):
            for j in range(n):
                m[j] = max(m[j], x[a, k, b0 + j])
        for j in range(n):
            if m[j] == -np.inf:
                m[j] = 0
        for k in range(K):
            for j in range(n):
                s[j] += fexp(x[a, k, b0 + j] - m[j])
        for k in range(K):
            for j in range(n):
                if log:
                    y[a, k, b0 + j] = x[a, k, b0 + j] - (m[j] + math.log(s[j]))
                else:
                    y[a, k, b0 + j] = fexp(x[a, k, b0 + j] - m[j]) / s[j]


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _softmax_bwd(gy, y, gx, log, t0, t1):
    """softmax: gx = y (gy - sum(gy y)); log-softmax: gx = gy - exp(y) sum(gy)."""
    A, K, B = y.shape
    for task in range(t0, t1):
        a = task // B
        b = task - a * B
        d = y[a, 0, b] - y[a, 0, b]
        if log:
            for k in range(K):
                d += gy[a, k, b]
            for k in range(K):
                gx[a, k, b] = gy[a, k, b] - fexp(y[a, k, b]) * d
        else:
            for k in range(K):
                d += gy[a, k, b] * y[a, k, b]
            for k in range(K):
                gx[a, k, b] = y[a, k, b] * (gy[a, k, b] - d)


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc"})
def _xent_fwd(x, labels, loss, lse, ignore_index, flags, t0, t1):
    """Per-row ``loss = logsumexp(x) - x[label]`` (0 where label == ignore_index, NaN and ``flags`` set
    where the label is outside [0, C)) and the row lse."""
    N, C = x.shape
    for n in range(t0, t1):
        xr = x[n]
        m, s = _max_and_sumexp(xr, C)
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
        run(_softmax_rows, A, x.size, x, y, log)
    else:
        run(_softmax_cols, A * ((B + _COLS - 1) // _COLS), x.size, x, y, log)


def softmax_bwd(gy, y, gx, log):
    A, K, B = y.shape
    run(_softmax_bwd, A * B, y.size, gy, y, gx, log)


def xent_fwd(x, labels, loss, lse, ignore_index, flags):
    run(_xent_fwd, x.shape[0], x.size, x, labels, loss, lse, ignore_index, flags)


def xent_bwd(g, x, labels, lse, gx, ignore_index):
    run(_xent_bwd, x.shape[0], x.size, g, x, labels, lse, gx, ignore_index)
