"""Depthwise 2-d convolution on the CPU (Numba): ``groups == C``, each input channel ``c`` convolved with its
own ``m = C_out / C`` filters (outputs ``c*m ... c*m + m - 1``), as torch's ``conv2d(..., groups=C)``.

A depthwise layer has a few taps per output (kh * kw) and no channel sum, so the im2col path would spend
its time copying columns for tiny GEMMs (per-group convolutions measured 8.8x PyTorch on 16x32x32x32 3x3).
These are direct loops instead, one task per plane on the kernel thread pool (``kernels.cpu._threads``).
Each task copies its input plane, zero-padded, into a small buffer that stays in cache (no padded copy of
the whole batch).  At stride 1 the plane's outputs form one "wide row" (``kernels/cpu/conv_direct.py``'s
idea: output row ``i`` starts ``i * Wp`` values in, the ``Wp - OW`` positions straddling two rows are
computed and dropped), so each kernel tap is one long shifted multiply-add over contiguous memory; other
strides loop per output row.  Inner loops index row *views* from ``range`` (no negative-index wraparound
check, so they vectorise).  The input gradient scatters into a padded plane owned by its task
(deterministic, no races) and crops it; the weight gradient gives each output channel to one task, which
sums over the batch in a fixed order.  16x32x32x32, 3x3, pad 1, one thread: forward 0.57, input gradient
0.62, weight gradient 0.56 ms (each kernel called alone); PyTorch 2.14's forward + backward 1.92 ms.
``python -m bench --only depthwise`` times the whole op against torch.

Entry points take the op's checked ``Conv2dParams`` (``groups == C``), never check it again, and return
new arrays in the input's dtype (float32 or float64; ``kernels/conv2d.py`` computes float16 in float32).
"""
import numpy as np
from numba import njit

from kernels.cpu._threads import run

_JIT = dict(nogil=True, cache=True, error_model="numpy")


@njit(**_JIT)
def _to_wide(plane, Wp, buf):
    """``buf[i * Wp + j] = plane[i, j]``, zeros at the positions straddling two rows."""
    OH, OW = plane.shape
    for q in range(buf.size):
        buf[q] = 0
    for i in range(OH):
        row, dst = plane[i], buf[i * Wp:]
        for j in range(OW):
            dst[j] = row[j]


@njit(**_JIT)
def _wide_taps(w, plane, wide, Wp, dh, dw, scatter):
    """Every tap ``w[a, b]`` of one filter as a shifted multiply-add between the flat padded ``plane`` and the
    ``wide`` row: the forward gathers (``wide[q] += w * plane[off + q]``), the input gradient scatters
    (``plane[off + q] += w * wide[q]``), ``off = a * dh * Wp + b * dw``."""
    L = wide.size
    for a in range(w.shape[0]):
        for bb in range(w.shape[1]):
            wv = w[a, bb]
            shifted = plane[a * dh * Wp + bb * dw:]
            if scatter:
                for q in range(L):
                    shifted[q] += wv * wide[q]
            else:
                for q in range(L):
                    wide[q] += wv * shifted[q]


@njit(**_JIT)
def _pad_into(plane, ph, pw, pad):
    """``pad`` (Hp, Wp) = ``plane`` with ``ph`` / ``pw`` zeros around it (a per-task copy that stays in cache)."""
    H, W = plane.shape
    pad[:] = 0
    for r in range(H):
        src, dst = plane[r], pad[ph + r, pw:]
        for q in range(W):
            dst[q] = src[q]


@njit(**_JIT)
def _scratch(ref, OH, OW, Hp, Wp, sh, sw):
    """``(wide, L, buf, pad)``: whether stride 1's wide rows apply, their length and buffer, and the padded plane."""
    wide = sh == 1 and sw == 1
    L = (OH - 1) * Wp + OW
    return wide, L, np.empty(L if wide else 1, dtype=ref.dtype), np.empty((Hp, Wp), dtype=ref.dtype)


@njit(**_JIT)
def _forward(x, w, b, y, m, kh, kw, sh, sw, ph, pw, dh, dw, t0, t1):
    C_out, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    Hp, Wp = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    wide, L, buf, pad = _scratch(y, OH, OW, Hp, Wp, sh, sw)
    last = -1
    for t in range(t0, t1):
        n, o = t // C_out, t % C_out
        c = o // m
        if n * x.shape[1] + c != last:  # the m outputs of one input channel share its padded copy
            _pad_into(x[n, c], ph, pw, pad)
            last = n * x.shape[1] + c
        if wide:  # the plane's outputs as one wide row, each tap one long shifted multiply-add
            for q in range(L):
                buf[q] = b[o]
            _wide_taps(w[o], pad.reshape(Hp * Wp), buf, Wp, dh, dw, False)
            for i in range(OH):
                yr, br = y[n, o, i], buf[i * Wp:]
                for j in range(OW):
                    yr[j] = br[j]
            continue
        for i in range(OH):
            yr = y[n, o, i]
            for j in range(OW):
                yr[j] = b[o]
            for a in range(kh):
                for bb in range(kw):
                    wv = w[o, a, bb]
                    xr = pad[i * sh + a * dh, bb * dw:]
                    for j in range(OW):
                        yr[j] += wv * xr[j * sw]


@njit(**_JIT)
def _input_grad(gy, w, gx, m, kh, kw, sh, sw, ph, pw, dh, dw, t0, t1):
    C, H, W = gx.shape[1], gx.shape[2], gx.shape[3]
    OH, OW = gy.shape[2], gy.shape[3]
    Hp, Wp = H + 2 * ph, W + 2 * pw
    wide, L, buf, pad = _scratch(gy, OH, OW, Hp, Wp, sh, sw)
    for t in range(t0, t1):
        n, c = t // C, t % C
        pad[:] = 0
        for o in range(c * m, c * m + m):
            if wide:
                _to_wide(gy[n, o], Wp, buf)
                _wide_taps(w[o], pad.reshape(Hp * Wp), buf, Wp, dh, dw, True)
                continue
            for i in range(OH):
                gr = gy[n, o, i]
                for a in range(kh):
                    for bb in range(kw):
                        wv = w[o, a, bb]
                        xr = pad[i * sh + a * dh, bb * dw:]
                        for j in range(OW):
                            xr[j * sw] += wv * gr[j]
        for r in range(H):  # the padded plane's inside is the input gradient
            src, dst = pad[ph + r, pw:], gx[n, c, r]
            for q in range(W):
                dst[q] = src[q]


@njit(fastmath={"reassoc"}, **_JIT)  # reassociation lets the sums vectorise; each stays in one fixed order
def _weight_grad(gy, x, gw, m, kh, kw, sh, sw, ph, pw, dh, dw, zero, t0, t1):
    N, OH, OW = gy.shape[0], gy.shape[2], gy.shape[3]
    Hp, Wp = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    wide, L, buf, pad = _scratch(gy, OH, OW, Hp, Wp, sh, sw)
    for o in range(t0, t1):
        c = o // m
        for a in range(kh):
            for bb in range(kw):
                gw[o, a, bb] = zero
        for n in range(N):
            _pad_into(x[n, c], ph, pw, pad)
            if wide:
                _to_wide(gy[n, o], Wp, buf)
            xf = pad.reshape(Hp * Wp)
            for a in range(kh):
                for bb in range(kw):
                    acc = zero
                    if wide:
                        xs = xf[a * dh * Wp + bb * dw:]
                        for q in range(L):
                            acc += buf[q] * xs[q]
                    else:
                        for i in range(OH):
                            gr = gy[n, o, i]
                            xr = pad[i * sh + a * dh, bb * dw:]
                            for j in range(OW):
                                acc += gr[j] * xr[j * sw]
                    gw[o, a, bb] += acc


def _flat(pa):
    kh, kw, sh, sw, ph, pw, dh, dw = pa.p
    return pa.w_shape[0] // pa.x_shape[1], kh, kw, sh, sw, ph, pw, dh, dw


def forward(x, w, b, pa):
    """y = depthwise conv2d(x, w) + b: x (N, C, H, W), w (C*m, 1, kh, kw), b (C*m,) or None."""
    n, co = pa.x_shape[0], pa.w_shape[0]
    y = np.empty(pa.y_shape, dtype=x.dtype)
    bias = b if b is not None else np.zeros(co, dtype=x.dtype)
    run(_forward, n * co, y.size * pa.taps, x, w.reshape(co, *pa.kernel_size), bias, y, *_flat(pa))
    return y


def input_grad(gy, w, pa):
    """d<gy, y>/dx: each input plane gathers its m output planes' gradients through their filters."""
    n, c = pa.x_shape[:2]
    gx = np.empty(pa.x_shape, dtype=gy.dtype)
    run(_input_grad, n * c, gy.size * pa.taps, gy, w.reshape(pa.w_shape[0], *pa.kernel_size), gx, *_flat(pa))
    return gx


def weight_grad(gy, x, pa):
    """d<gy, y>/dw, shape (C*m, 1, kh, kw): each output channel's taps summed over the batch and the plane."""
    co = pa.w_shape[0]
    gw = np.empty((co,) + pa.kernel_size, dtype=gy.dtype)
    run(_weight_grad, co, gy.size * pa.taps, gy, x, gw, *_flat(pa), gy.dtype.type(0))
    return gw.reshape(pa.w_shape)
