"""im2col / col2im and the layout shuffles around the convolution GEMM (CPU, Numba).

Layout.  The column buffer is *row-major NHWC patches*: one row per output pixel in the order
``(n, oh, ow)``, one column per kernel tap in the order ``(i, j, c)``: shape ``(rows * OW, kh*kw*C)``.
Patches are cut from a zero-padded NHWC copy of the input (``nchw_to_nhwc_padded``), so the copy loops
have no bounds checks and, with dilation 1, one patch row ``(j, c)`` is one contiguous run of
``kw * C`` values.  With ``w2 = w.transpose(0, 2, 3, 1).reshape(C_out, kh*kw*C)`` the GEMMs are::

    out_rows = cols @ w2.T          (forward,  (M, K) x (K, C_out))
    dw2     += gy_rows.T @ cols     (weight gradient)
    dcols    = gy_rows @ w2         (input gradient, then col2im)

On the 2-core CI machine OpenBLAS runs these ~25% faster than the ``(K, M)`` layout, and faster again
when the caller feeds them cache-sized chunks.

Chunks are ranges ``[r0, r1)`` of flattened *output rows* ``r = n * OH + oh``; the padded NHWC buffers
hold samples ``n_base, n_base + 1, ...`` only, so the caller can walk through the batch a few samples
at a time (or through one big sample a few rows at a time) under a memory budget.

``col2im_nhwc`` is the adjoint of ``im2col_nhwc`` written as a gather: one task per padded input row
``(n, hp)`` sums, in a fixed order, every column entry that points at it.  No two tasks write the same
element, so the result is deterministic.  When a sample is split over several chunks the caller zeroes
its buffer and passes ``zero_first=False``, so its rows accumulate chunk after chunk.
"""
from numba import njit, prange


@njit(parallel=True, cache=True, error_model="numpy")
def nchw_to_nhwc_padded(x, out, n0, n1, ph, pw):
    """``out[n - n0, ph:ph+H, pw:pw+W] = x[n].transpose(1, 2, 0)`` with a zero border, samples [n0, n1)."""
    C = x.shape[1]
    H = x.shape[2]
    W = x.shape[3]
    Hp = out.shape[1]
    Wp = out.shape[2]
    for task in prange((n1 - n0) * Hp):
        m = task // Hp
        hp = task - m * Hp
        h = hp - ph
        if h < 0 or h >= H:
            for wp in range(Wp):
                for c in range(C):
                    out[m, hp, wp, c] = 0
            continue
        for wp in range(pw):
            for c in range(C):
                out[m, hp, wp, c] = 0
        for wp in range(pw + W, Wp):
            for c in range(C):
                out[m, hp, wp, c] = 0
        if C == 1:
            for w in range(W):
                out[m, hp, pw + w, 0] = x[n0 + m, 0, h, w]
        else:
            for c in range(C):
                for w in range(W):
                    out[m, hp, pw + w, c] = x[n0 + m, c, h, w]


@njit(parallel=True, cache=True, error_model="numpy")
def nhwc_padded_to_nchw(src, x, n0, n1, ph, pw):
    """``x[n] = src[n - n0, ph:ph+H, pw:pw+W].transpose(2, 0, 1)`` for samples [n0, n1)."""
    C = x.shape[1]
    H = x.shape[2]
    W = x.shape[3]
    for task in prange((n1 - n0) * H):
        m = task // H
        h = task - m * H
        for c in range(C):
            for w in range(W):
                x[n0 + m, c, h, w] = src[m, h + ph, w + pw, c]


@njit(parallel=True, cache=True, error_model="numpy")
def im2col_nhwc(xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW):
    """Fill ``out[:(r1 - r0) * OW]`` with the patches of output rows ``[r0, r1)``.

    ``xh`` is the zero-padded NHWC input of samples ``n_base, n_base + 1, ...``.
    """
    Wp = xh.shape[2]
    C = xh.shape[3]
    run = kw * C
    for t in prange(r1 - r0):
        r = r0 + t
        n = r // OH
        oh = r - n * OH
        m = n - n_base
        for i in range(kh):
            src = xh[m, oh * sh + i * dh].reshape(Wp * C)
            kb = i * run
            for ow in range(OW):
                dst = out[t * OW + ow]
                s0 = ow * sw * C
                if dw == 1:
                    for q in range(run):
                        dst[kb + q] = src[s0 + q]
                else:
                    for j in range(kw):
                        sj = s0 + j * dw * C
                        for c in range(C):
                            dst[kb + j * C + c] = src[sj + c]


@njit(parallel=True, cache=True, error_model="numpy")
def col2im_nhwc(cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, zero_first):
    """Add into the padded NHWC gradient ``gxh`` (samples from ``n_base``) every entry of ``cols``
    (output rows ``[r0, r1)``) that points at it; ``zero_first`` overwrites the touched rows instead."""
    Hp = gxh.shape[1]
    Wp = gxh.shape[2]
    C = gxh.shape[3]
    run = kw * C
    n0 = r0 // OH
    n1 = (r1 - 1) // OH + 1
    for task in prange((n1 - n0) * Hp):
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
            for ow in range(OW):
                src = cols[(r - r0) * OW + ow]
                s0 = ow * sw * C
                if dw == 1:
                    for q in range(run):
                        dst[s0 + q] += src[kb + q]
                else:
                    for j in range(kw):
                        sj = s0 + j * dw * C
                        for c in range(C):
                            dst[sj + c] += src[kb + j * C + c]


@njit(parallel=True, cache=True, error_model="numpy")
def rows_to_nchw(src, y, bias, r0, r1, OH, OW):
    """``y[n, :, oh, :] = src[rows of (n, oh)].T + bias`` for output rows ``[r0, r1)``; ``bias`` may be
    empty (no bias)."""
    Co = y.shape[1]
    has_bias = bias.shape[0] > 0
    for t in prange(r1 - r0):
        r = r0 + t
        n = r // OH
        oh = r - n * OH
        base = t * OW
        for co in range(Co):
            b = bias[co] if has_bias else 0
            for ow in range(OW):
                y[n, co, oh, ow] = src[base + ow, co] + b


@njit(parallel=True, cache=True, error_model="numpy")
def nchw_to_rows(g, dst, r0, r1, OH, OW):
    """``dst[rows of (n, oh)] = g[n, :, oh, :].T`` for output rows ``[r0, r1)`` (inverse of
    rows_to_nchw)."""
    Co = g.shape[1]
    for t in prange(r1 - r0):
        r = r0 + t
        n = r // OH
        oh = r - n * OH
        base = t * OW
        for co in range(Co):
            for ow in range(OW):
                dst[base + ow, co] = g[n, co, oh, ow]
