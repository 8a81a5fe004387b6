"""Batch normalisation on the CPU (Numba): fused forward (statistics + affine) and backward.

Arrays come as ``(N, C, S)`` (channel axis 1, the spatial axes flattened into S) and are walked as
``(N, C * S)`` rows.  Tasks are channels, split over the thread pool (``kernels.cpu._threads``); each
task takes its channels in blocks of about ``_BLOCK`` values and runs every pass over a block back to
back, so the second and third pass read the core's L2 cache rather than DRAM.  Wide planes
(``S >= _WIDE``) are reduced one channel at a time in registers over contiguous ``x[n, c]`` rows;
narrow ones (BatchNorm1d's S = 1) through per-column float64 accumulators over the block's
``C_block * S`` contiguous columns of each row, so every inner loop is contiguous and vectorises.

Numerics (per channel, sums accumulated in float64):

* forward: mean = sum(x) / n, then var = sum((x - mean)^2) / n (two passes, not E[x^2] - E[x]^2);
  ``y = ((x - hi) - lo) * scale + shift`` where ``hi + lo`` is the float64 mean split into two values
  of the compute dtype, so float32 data far from zero (1e4 + noise) keeps its precision.
* backward: one pass for ``sum(gy)``, ``sum(d)``, ``sum(gy * d)`` with ``d = x - hi``; in training the
  exact float64 batch mean is recovered as ``hi + sum(d) / n`` (the given mean only shifts the data),
  then ``gx = a * gy + B * (d - offset) + C0`` (xhat is never stored).

Per-channel coefficients go through ``coef`` (C, 4 or 5) of the compute dtype, so the elementwise
loops run in float32 for float32 data.  Reductions carry ``reassoc`` (LLVM needs it to vectorise a
sum); the elementwise loops do not, so ``(x - hi) - lo`` is never folded back into ``x - (hi + lo)``.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from kernels.cpu._threads import run

_WIDE = 128  # planes at least this wide: register reductions per channel; narrower: column accumulators
_BLOCK = 1 << 17  # values per channel block (512 KiB of float32)
_SERIAL_BELOW = 1 << 18  # measured: below ~1 MiB of float32 the pool's hand-off costs more than it saves
_SUM = {"reassoc", "contract", "nsz"}
_EXACT = {"contract"}
_JIT = dict(nogil=True, cache=True, error_model="numpy")


def _at(v, i):
    """``v[i]`` for a per-column array, ``v`` for a per-channel scalar."""


@overload(_at, inline="always")
def _ol_at(v, i):
    if isinstance(v, types.Array):
        return lambda v, i: v[i]
    return lambda v, i: v


# ---- loops over one contiguous row -----------------------------------------------------------------
@njit(fastmath=_SUM, **_JIT)
def _row_sum(row):
    s = 0.0
    for i in range(row.size):
        s += row[i]
    return s


@njit(fastmath=_SUM, **_JIT)
def _row_centred_squares(row, m):
    s = 0.0
    for i in range(row.size):
        d = row[i] - m
        s += d * d
    return s


@njit(fastmath=_SUM, **_JIT)
def _row_grad_sums(g, row, hi):
    """(sum(g), sum(d), sum(g * d)) with d = row - hi."""
    sg = sd = sgd = 0.0
    for i in range(row.size):
        d = row[i] - hi
        sg += g[i]
        sd += d
        sgd += g[i] * d
    return sg, sd, sgd


@njit(fastmath=_EXACT, **_JIT)
def _cols_add(row, acc):
    for i in range(row.size):
        acc[i] += row[i]


@njit(fastmath=_EXACT, **_JIT)
def _cols_add_centred_squares(row, m, acc):
    for i in range(row.size):
        d = row[i] - m[i]
        acc[i] += d * d


@njit(fastmath=_EXACT, **_JIT)
def _cols_add_grad_sums(g, row, hi, acc_g, acc_d, acc_gd):
    for i in range(row.size):
        d = row[i] - hi[i]
        acc_g[i] += g[i]
        acc_d[i] += d
        acc_gd[i] += g[i] * d


@njit(fastmath=_EXACT, **_JIT)
def _row_affine(row, out, hi, lo, scale, shift):
    for i in range(row.size):
        out[i] = ((row[i] - _at(hi, i)) - _at(lo, i)) * _at(scale, i) + _at(shift, i)


@njit(fastmath=_EXACT, **_JIT)
def _row_input_grad(g, row, out, hi, offset, a, bx, c0):
    for i in range(row.size):
        out[i] = g[i] * _at(a, i) + (((row[i] - _at(hi, i)) - _at(offset, i)) * _at(bx, i) + _at(c0, i))


@njit(fastmath=_EXACT, **_JIT)
def _row_scale(g, out, a):
    for i in range(g.size):
        out[i] = g[i] * _at(a, i)


# ---- one block of channels [c0, c1): reductions into out[c - c0], elementwise passes --------------------
@njit(**_JIT)
def _fold(acc, S, out):
    """out[q] = sum(acc[q * S:(q + 1) * S])."""
    for q in range(out.size):
        out[q] = acc[q * S:(q + 1) * S].sum()


@njit(**_JIT)
def _expand(per_channel, S, cols):
    """cols[q * S + s] = per_channel[q] (per-column copies of per-channel values)."""
    for q in range(per_channel.size):
        cols[q * S:(q + 1) * S] = per_channel[q]


@njit(**_JIT)
def _block_sums(x2, S, c0, c1, out, acc):
    """out[q] = sum of channel c0 + q's values."""
    if S >= _WIDE:
        for q in range(c1 - c0):
            out[q] = 0.0
            for k in range(x2.shape[0]):
                out[q] += _row_sum(x2[k, (c0 + q) * S:(c0 + q + 1) * S])
        return
    a = acc[:(c1 - c0) * S]
    a[:] = 0.0
    for k in range(x2.shape[0]):
        _cols_add(x2[k, c0 * S:c1 * S], a)
    _fold(a, S, out)


@njit(**_JIT)
def _block_centred_squares(x2, S, c0, c1, m, out, acc, mcols):
    """out[q] = sum((x - m[q])^2) over channel c0 + q."""
    if S >= _WIDE:
        for q in range(c1 - c0):
            out[q] = 0.0
            for k in range(x2.shape[0]):
                out[q] += _row_centred_squares(x2[k, (c0 + q) * S:(c0 + q + 1) * S], m[q])
        return
    a, mc = acc[:(c1 - c0) * S], mcols[:(c1 - c0) * S]
    a[:] = 0.0
    _expand(m, S, mc)
    for k in range(x2.shape[0]):
        _cols_add_centred_squares(x2[k, c0 * S:c1 * S], mc, a)
    _fold(a, S, out)


@njit(**_JIT)
def _block_grad_sums(g2, x2, S, c0, c1, hi, out, acc, kc):
    """out[:, q] = (sum(g), sum(d), sum(g * d)) over channel c0 + q, d = x - hi[c0 + q]."""
    if S >= _WIDE:
        for q in range(c1 - c0):
            out[:, q] = 0.0
            for k in range(x2.shape[0]):
                seg = slice((c0 + q) * S, (c0 + q + 1) * S)
                sg, sd, sgd = _row_grad_sums(g2[k, seg], x2[k, seg], hi[c0 + q])
                out[0, q] += sg
                out[1, q] += sd
                out[2, q] += sgd
        return
    L = (c1 - c0) * S
    ag, ad, agd, hc = acc[0, :L], acc[1, :L], acc[2, :L], kc[0, :L]
    acc[:, :L] = 0.0
    _expand(hi[c0:c1], S, hc)
    for k in range(x2.shape[0]):
        _cols_add_grad_sums(g2[k, c0 * S:c1 * S], x2[k, c0 * S:c1 * S], hc, ag, ad, agd)
    _fold(ag, S, out[0])
    _fold(ad, S, out[1])
    _fold(agd, S, out[2])


@njit(**_JIT)
def _block_apply(kind, a2, b2, out2, S, c0, c1, coef, kc):
    """kind 0: out = affine(a2); 1: out = input gradient (gy a2, x b2); 2: out = a2 * scale."""
    if S >= _WIDE:
        for c in range(c0, c1):
            for k in range(a2.shape[0]):
                seg = slice(c * S, (c + 1) * S)
                if kind == 0:
                    _row_affine(a2[k, seg], out2[k, seg], coef[c, 0], coef[c, 1], coef[c, 2], coef[c, 3])
                elif kind == 1:
                    _row_input_grad(a2[k, seg], b2[k, seg], out2[k, seg], coef[c, 0], coef[c, 1], coef[c, 2],
                                    coef[c, 3], coef[c, 4])
                else:
                    _row_scale(a2[k, seg], out2[k, seg], coef[c, 2])
        return
    L = (c1 - c0) * S
    for r in range(coef.shape[1]):
        _expand(coef[c0:c1, r], S, kc[r, :L])
    k0, k1, k2, k3, k4 = kc[0, :L], kc[1, :L], kc[2, :L], kc[3, :L], kc[min(4, kc.shape[0] - 1), :L]
    seg = slice(c0 * S, c1 * S)
    for k in range(a2.shape[0]):
        if kind == 0:
            _row_affine(a2[k, seg], out2[k, seg], k0, k1, k2, k3)
        elif kind == 1:
            _row_input_grad(a2[k, seg], b2[k, seg], out2[k, seg], k0, k1, k2, k3, k4)
        else:
            _row_scale(a2[k, seg], out2[k, seg], k2)


# ---- task-range kernels --------------------------------------------------------------------------------
@njit(**_JIT)
def _scratch(x3, coef, t0, t1):
    """Block size in channels, float64 per-channel (4, cb) and per-column (3, L) sums, columns (5, L)."""
    N, C, S = x3.shape
    cb = max(1, min(t1 - t0, _BLOCK // max(N * S, 1)))
    L = cb * S if S < _WIDE else 1
    return cb, np.empty((4, cb)), np.empty((3, L)), np.empty((coef.shape[1], L), coef.dtype)


@njit(**_JIT)
def _forward_train(x3, w, b, eps, y3, mean, var, invstd, coef, t0, t1):
    N, C, S = x3.shape
    x2, y2 = x3.reshape(N, C * S), y3.reshape(N, C * S)
    cb, per, acc, kc = _scratch(x3, coef, t0, t1)
    for c0 in range(t0, t1, cb):
        c1 = min(c0 + cb, t1)
        m, v = per[0, :c1 - c0], per[1, :c1 - c0]
        _block_sums(x2, S, c0, c1, m, acc[0])
        m /= N * S
        _block_centred_squares(x2, S, c0, c1, m, v, acc[0], acc[1])
        v /= N * S
        for c in range(c0, c1):
            istd = 1.0 / math.sqrt(v[c - c0] + eps)
            mean[c], var[c], invstd[c] = m[c - c0], v[c - c0], istd
            coef[c, 0] = m[c - c0]
            coef[c, 1] = m[c - c0] - coef[c, 0]
            coef[c, 2] = w[c] * istd
            coef[c, 3] = b[c]
        _block_apply(0, x2, x2, y2, S, c0, c1, coef, kc)


@njit(**_JIT)
def _forward_affine(x3, y3, coef, t0, t1):
    N, C, S = x3.shape
    x2, y2 = x3.reshape(N, C * S), y3.reshape(N, C * S)
    cb, _, _, kc = _scratch(x3, coef, t0, t1)
    for c0 in range(t0, t1, cb):
        c1 = min(c0 + cb, t1)
        _block_apply(0, x2, x2, y2, S, c0, c1, coef, kc)


@njit(**_JIT)
def _backward(gy3, x3, w, mean, invstd, training, need_x, need_sums, gx3, gw, gb, coef, t0, t1):
    """``mean``/``invstd`` float64; ``coef`` (C, 5): column 0 holds the mean rounded to the compute dtype
    on entry, columns 1-4 receive (offset, a, B, C0) of ``gx = a * gy + B * ((x - hi) - offset) + C0``."""
    N, C, S = x3.shape
    n = N * S
    g2, x2, gx2 = gy3.reshape(N, C * S), x3.reshape(N, C * S), gx3.reshape(gx3.shape[0], C * S)
    cb, per, acc, kc = _scratch(x3, coef, t0, t1)
    hi = coef[:, 0].copy()
    for c0 in range(t0, t1, cb):
        c1 = min(c0 + cb, t1)
        sums = per[:3, :c1 - c0]
        sums[:, :] = 0.0
        if need_sums:  # otherwise (evaluation, input gradient only) the sums stay 0 and are not returned
            _block_grad_sums(g2, x2, S, c0, c1, hi, sums, acc, kc)
        for c in range(c0, c1):
            sg, sd, sgd = sums[0, c - c0], sums[1, c - c0], sums[2, c - c0]
            offset = sd / n if training else mean[c] - hi[c]  # the exact mean is hi + offset
            sgxc = sgd - offset * sg  # sum(gy * (x - mean))
            gb[c], gw[c] = sg, sgxc * invstd[c]
            a = w[c] * invstd[c]
            coef[c, 1], coef[c, 2] = offset, a
            coef[c, 3] = -a * invstd[c] * invstd[c] * sgxc / n if training else 0.0
            coef[c, 4] = -a * sg / n if training else 0.0
        if need_x:
            _block_apply(1 if training else 2, g2, x2, gx2, S, c0, c1, coef, kc)


# ---- entry points (same names and signatures as kernels.cuda.batchnorm) ------------------------------
def forward_train(x3, w, b, eps, y3, mean, var, invstd, coef):
    """Batch statistics into mean/var/invstd (C,), normalised and scaled output into y3; coef (C, 4)."""
    run(_forward_train, x3.shape[1], x3.size, x3, w, b, float(eps), y3, mean, var, invstd, coef,
        serial_below=_SERIAL_BELOW)


def forward_affine(x3, y3, coef):
    """``y3 = ((x3 - coef[:, 0]) - coef[:, 1]) * coef[:, 2] + coef[:, 3]`` per channel (evaluation)."""
    run(_forward_affine, x3.shape[1], x3.size, x3, y3, coef, serial_below=_SERIAL_BELOW)


def backward(gy3, x3, w, mean, invstd, training, need_x, need_sums, gx3, gw, gb, coef):
    """gw/gb (C,) float64 when ``need_sums``; gx3 when ``need_x``; coef (C, 5), column 0 the rounded mean."""
    run(_backward, x3.shape[1], x3.size, gy3, x3, w, mean, invstd, bool(training), bool(need_x),
        bool(need_sums), gx3, gw, gb, coef, serial_below=_SERIAL_BELOW)
