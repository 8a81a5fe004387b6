"""im2col / col2im and the layout shuffles around the convolution GEMM (CPU, Numba).

Layout.  The column buffer is *row-major NHWC patches*: one row per output pixel in the order
``(n, oh, ow)``, one column per kernel tap in the order ``(i, j, c)``: shape ``(rows * OW, kh*kw*C)``.
Patches are cut from a zero-padded NHWC copy of the input (``nchw_to_nhwc_padded``), so the copy loops
have no bounds checks and, with dilation 1, one patch row ``(j, c)`` is one contiguous run of
``kw * C`` values.  With ``w2 = w.transpose(0, 2, 3, 1).reshape(C_out, kh*kw*C)`` the GEMMs are::

    out_rows = cols @ w2.T          (forward,  (M, K) x (K, C_out), then rows_to_nchw adds the bias)
    dw2     += gy[n] @ cols         (weight gradient; gy[n] is (C_out, OH*OW) as it lies in NCHW)
    dcols    = gy[n].T @ w2         (input gradient, then col2im)

On the 2-core CI machine OpenBLAS runs these ~25% faster than the ``(K, M)`` layout, and faster again
when the caller feeds them cache-sized chunks; the backward GEMMs read the NCHW output gradient in
place (as a transposed operand), so only the forward needs a layout shuffle of its result.

Chunks are ranges ``[r0, r1)`` of flattened *output rows* ``r = n * OH + oh``; the padded NHWC buffers
hold samples ``n_base, n_base + 1, ...`` only, so the caller can walk through the batch a few samples
at a time (or through one big sample a few rows at a time) under a memory budget.

Each kernel is a ``nogil`` loop over a range of tasks (sample rows or output rows), split over the
thread pool by ``kernels.cpu._threads.run`` through the wrappers at the end of this file, which keep
the CUDA twins' signatures; inside a chunk that ``map_chunks`` already gave to one thread they run
serially.

``col2im_nhwc`` is the adjoint of ``im2col_nhwc`` written as a gather: one task per padded input row
``(n, hp)`` sums, in a fixed order, every column entry that points at it.  No two tasks write the same
element, so the result is deterministic.  When a sample is split over several chunks the caller zeroes
its buffer and passes ``zero_first=False``, so its rows accumulate chunk after chunk.
"""
import numpy as np
from numba import njit

from kernels.cpu._threads import map_chunks, workers  # noqa: F401 (the conv driver asks each twin)
from kernels.cpu._threads import run as _run_tasks

_OPTS = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_OPTS)
def _nchw_to_nhwc_padded(x, out, n0, n1, ph, pw, t0, t1):
    """``out[n - n0, ph:ph+H, pw:pw+W] = x[n].transpose(1, 2, 0)`` with a zero border, samples [n0, n1).

    Channels go in blocks of 16, so the 16 source rows stay in L1 while the destination is written
    contiguously."""
    C = x.shape[1]
    H = x.shape[2]
    W = x.shape[3]
    Hp = out.shape[1]
    Wp = out.shape[2]
    for task in range(t0, t1):
        m = task // Hp
        hp = task - m * Hp
        h = hp - ph
        row = out[m, hp].reshape(Wp * C)
        if h < 0 or h >= H:
            for q in range(Wp * C):
                row[q] = 0
            continue
        for q in range(pw * C):
            row[q] = 0
        tail = row[(pw + W) * C:]
        for q in range((Wp - pw - W) * C):
            tail[q] = 0
        body = row[pw * C:]
        src = x[n0 + m]
        for c0 in range(0, C, 16):
            c1 = min(C, c0 + 16)
            for w in range(W):
                dst = body[w * C:]
                for c in range(c0, c1):
                    dst[c] = src[c, h, w]


@njit(**_OPTS)
def _nhwc_padded_to_nchw(src, x, n0, n1, ph, pw, t0, t1):
    """``x[n] = src[n - n0, ph:ph+H, pw:pw+W].transpose(2, 0, 1)`` for samples [n0, n1) (blocked like
    nchw_to_nhwc_padded)."""
    C = x.shape[1]
    H = x.shape[2]
    W = x.shape[3]
    Wp = src.shape[2]
    for task in range(t0, t1):
        m = task // H
        h = task - m * H
        row = src[m, h + ph].reshape(Wp * C)[pw * C:]
        dst = x[n0 + m]
        for c0 in range(0, C, 16):
            c1 = min(C, c0 + 16)
            for w in range(W):
                s = row[w * C:]
                for c in range(c0, c1):
                    dst[c, h, w] = s[c]


@njit(**_OPTS)
def _im2col_nhwc(xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, t0, t1):
    """Fill ``out[:(r1 - r0) * OW]`` with the patches of output rows ``[r0, r1)``.

    ``xh`` is the zero-padded NHWC input of samples ``n_base, n_base + 1, ...``.
    """
    Hp = xh.shape[1]
    Wp = xh.shape[2]
    C = xh.shape[3]
    run = kw * C
    K = kh * run
    outf = out.reshape(out.shape[0] * out.shape[1])
    for t in range(t0, t1):
        r = r0 + t
        n = r // OH
        oh = r - n * OH
        m = n - n_base
        src = xh[m].reshape(Hp * Wp * C)
        for ow in range(OW):
            for i in range(kh):
                # unsigned offsets: no negative-index wraparound check, so the copies vectorise and
                # tiny runs (C = 1: five values) cost no view construction
                so = np.uint64(((oh * sh + i * dh) * Wp + ow * sw) * C)
                do = np.uint64((t * OW + ow) * K + i * run)
                if dw == 1:
                    for q in range(np.uint64(run)):
                        outf[do + q] = src[so + q]
                else:
                    for j in range(kw):
                        sj = so + np.uint64(j * dw * C)
                        dj = do + np.uint64(j * C)
                        for c in range(np.uint64(C)):
                            outf[dj + c] = src[sj + c]


@njit(**_OPTS)
def _col2im_nhwc(cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, zero_first, t0, t1):
    """Add into the padded NHWC gradient ``gxh`` (samples from ``n_base``) every entry of ``cols``
    (output rows ``[r0, r1)``) that points at it; ``zero_first`` overwrites the touched rows instead."""
    Hp = gxh.shape[1]
    Wp = gxh.shape[2]
    C = gxh.shape[3]
    run = kw * C
    K = kh * run
    colf = cols.reshape(cols.shape[0] * cols.shape[1])
    n0 = r0 // OH
    n1 = (r1 - 1) // OH + 1
    for task in range(t0, t1):
        n = n0 + task // Hp
        hp = task - (task // Hp) * Hp
        m = n - n_base
        if zero_first:
            for wp in range(Wp):
                for c in range(C):
                    gxh[m, hp, wp, c] = 0
        for i in range(kh):
            num = hp - i * dh
            if num < 0 or num % sh != 0:
                continue
            oh = num // sh
            if oh >= OH:
                continue
            r = n * OH + oh
            if r < r0 or r >= r1:
                continue
            kb = i * run
            dst = gxh[m, hp].reshape(Wp * C)
            base = (r - r0) * OW
            for ow in range(OW):
                so = np.uint64((base + ow) * K + kb)
                do = np.uint64(ow * sw * C)
                if dw == 1:
                    for q in range(np.uint64(run)):
                        dst[do + q] += colf[so + q]
                else:
                    for j in range(kw):
                        sj = so + np.uint64(j * C)
                        dj = do + np.uint64(j * dw * C)
                        for c in range(np.uint64(C)):
                            dst[dj + c] += colf[sj + c]


@njit(**_OPTS)
def _rows_to_nchw(src, y, bias, r0, r1, OH, OW, t0, t1):
    """``y[n, :, oh, :] = src[rows of (n, oh)].T + bias`` for output rows ``[r0, r1)``; ``bias`` may be
    empty (no bias).  Output channels go in blocks of 16 (the source block stays in L1)."""
    Co = y.shape[1]
    has_bias = bias.shape[0] > 0
    for t in range(t0, t1):
        r = r0 + t
        n = r // OH
        oh = r - n * OH
        blk = src[t * OW:(t + 1) * OW]
        for c0 in range(0, Co, 16):
            c1 = min(Co, c0 + 16)
            for co in range(c0, c1):
                b = bias[co] if has_bias else src[0, 0] * 0
                d = y[n, co, oh]
                for ow in range(OW):
                    d[ow] = blk[ow, co] + b


# ---- the twins' call signatures: each kernel's tasks (sample rows, or output rows) over the thread pool ----
def nchw_to_nhwc_padded(x, out, n0, n1, ph, pw):
    _run_tasks(_nchw_to_nhwc_padded, (n1 - n0) * out.shape[1], out[: n1 - n0].size, x, out, n0, n1, ph, pw)


def nhwc_padded_to_nchw(src, x, n0, n1, ph, pw):
    _run_tasks(_nhwc_padded_to_nchw, (n1 - n0) * x.shape[2], x[n0:n1].size, src, x, n0, n1, ph, pw)


def im2col_nhwc(xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW):
    _run_tasks(_im2col_nhwc, r1 - r0, (r1 - r0) * OW * out.shape[1], xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW)


def col2im_nhwc(cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, zero_first):
    n0, n1 = r0 // OH, (r1 - 1) // OH + 1
    _run_tasks(_col2im_nhwc, (n1 - n0) * gxh.shape[1], cols[: (r1 - r0) * OW].size,
        cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, zero_first)


def rows_to_nchw(src, y, bias, r0, r1, OH, OW):
    _run_tasks(_rows_to_nchw, r1 - r0, (r1 - r0) * OW * y.shape[1], src, y, bias, r0, r1, OH, OW)
