"""The CUDA twin of the convolution: im2col straight from NCHW, cuBLAS GEMMs, col2im straight to NCHW.

Same entry points as ``kernels/cpu/conv.py`` (``forward``, ``backward``, ``im2col``, ``col2im``), built for
few launches: each Numba launch costs 40-90 us of host time (numba-cuda#477), so a pass issues one per
chunk of the batch, and the layout work around the GEMMs is left to CuPy's array operations.

Layout.  The column matrix is torch's ``unfold`` layout: ``cols[n, k, q]`` with taps ``k = (c, i, j)`` (the
weight's own order, so ``w.reshape(C_out, K)`` needs no copy) and output pixels ``q = (oh, ow)``.  Then::

    y[n]   = w2 @ cols[n]                 (forward: a batched GEMM whose result is already NCHW)
    dw2    = sum_n gy[n] @ cols[n].T      (weight gradient: one tensordot)
    dcols  = w2.T @ gy[n]                 (input gradient, then col2im)

``_im2col_nchw`` reads the NCHW input and pads by bounds checks (no padded copy); ``_col2im_nchw`` is a
gather: each step owns one input-gradient element and sums, in a fixed (i, j) order, the column entries
that point at it, so the result is deterministic (no atomics); sums start from a typed ``zero`` argument,
so float32 accumulates in float32.

Saved columns (as PyTorch's old THNN convolution kept its ``finput`` columns for the backward): when the
weight needs a gradient and the whole batch's columns fit the memory budget (``kernels._chunks``: one
chunk), ``forward`` returns them and the weight gradient reuses them, so a LeNet training step's first
layer issues no backward launch at all and each other layer one (col2im).  Over the budget the batch is
walked in chunks (whole samples, or one sample's output rows) and the backward recomputes the columns.
"""
from numba import cuda

import kernels as _k
from kernels._chunks import get_memory_budget, plan_chunks
from kernels.cuda._launch import launch, unflat4


@cuda.jit(cache=True)
def _im2col_nchw(x, cols, n0, oh0, kh, kw, sh, sw, ph, pw, dh, dw, OW, zero):
    """``cols[m, (c, i, j), q]`` = x[n0 + m, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (0 outside), with
    ``q = (oh - oh0) * OW + ow``."""
    K = cols.shape[1]
    P = cols.shape[2]
    H = x.shape[2]
    W = x.shape[3]
    for t in range(cuda.grid(1), cols.shape[0] * K * P, cuda.gridsize(1)):
        q = t % P
        r = t // P
        k = r % K
        m = r // K
        j = k % kw
        i = (k // kw) % kh
        c = k // (kw * kh)
        h = (oh0 + q // OW) * sh - ph + i * dh
        w = (q % OW) * sw - pw + j * dw
        v = zero
        if h >= 0 and h < H and w >= 0 and w < W:
            v = x[n0 + m, c, h, w]
        cols[m, k, q] = v


@cuda.jit(device=True, inline=True)
def _tap_output(pos, pad, tap, dil, stride, lo, count):
    """The output index, counted from ``lo``, whose window puts kernel tap ``tap`` on input position ``pos``;
    -1 when there is none among the ``count`` outputs from ``lo``."""
    num = pos + pad - tap * dil
    if num < 0 or num % stride != 0:
        return -1
    o = num // stride - lo
    return o if o >= 0 and o < count else -1


@cuda.jit(cache=True)
def _col2im_nchw(cols, gx, n0, oh0, kh, kw, sh, sw, ph, pw, dh, dw, OW, accumulate, zero):
    """``gx[n0 + m]`` (+)= the sum of every column entry of ``cols[m]`` that points at it."""
    C = gx.shape[1]
    H = gx.shape[2]
    W = gx.shape[3]
    rows = cols.shape[2] // OW
    for t in range(cuda.grid(1), cols.shape[0] * C * H * W, cuda.gridsize(1)):
        m, c, h, w = unflat4(t, C, H, W)
        acc = zero
        for i in range(kh):
            oh = _tap_output(h, ph, i, dh, sh, oh0, rows)
            if oh < 0:
                continue
            for j in range(kw):
                ow = _tap_output(w, pw, j, dw, sw, 0, OW)
                if ow >= 0:
                    acc += cols[m, (c * kh + i) * kw + j, oh * OW + ow]
        if accumulate:
            gx[n0 + m, c, h, w] += acc
        else:
            gx[n0 + m, c, h, w] = acc


def _pieces(pa, dtype):
    """``(n0, samples, oh0, rows)`` of each chunk: whole samples, or one sample's output rows, whose columns
    fit the memory budget (``kernels._chunks.plan_chunks`` over the flattened rows n * OH + oh)."""
    oh, ow = pa.out_hw
    row_bytes = ow * pa.taps * dtype.itemsize
    out = []
    for n0, n1, row_chunks in plan_chunks(pa.x_shape[0], oh, row_bytes, get_memory_budget()):
        for r0, r1 in row_chunks:
            out.append((n0, n1 - n0, r0 - n0 * oh, r1 - r0) if n1 - n0 == 1 else (n0, n1 - n0, 0, oh))
    return out


def _columns(x, pa, n0, nb, oh0, rows):
    """The columns of samples [n0, n0 + nb), output rows [oh0, oh0 + rows): one launch."""
    xp = _k.array_module(x)
    kh, kw, sh, sw, ph, pw, dh, dw = pa.p
    ow = pa.out_hw[1]
    cols = xp.empty((nb, pa.taps, rows * ow), dtype=x.dtype)
    launch(_im2col_nchw, cols.size, x, x, cols, n0, oh0, kh, kw, sh, sw, ph, pw, dh, dw, ow, x.dtype.type(0))
    return cols


def _scatter(dcols, gx, pa, n0, oh0, accumulate):
    kh, kw, sh, sw, ph, pw, dh, dw = pa.p
    n = dcols.shape[0] * gx[0].size
    launch(_col2im_nchw, n, gx, dcols, gx, n0, oh0, kh, kw, sh, sw, ph, pw, dh, dw, pa.out_hw[1], bool(accumulate),
           gx.dtype.type(0))


def forward(x, w, b, pa, keep_columns=False):
    """``(y, columns)``: y = conv2d(x, w) + b; ``columns`` (N, K, OH*OW) when ``keep_columns`` and they fit
    the budget (one chunk), else None."""
    xp = _k.array_module(x)
    co, (oh, ow) = pa.w_shape[0], pa.out_hw
    w2 = w.reshape(co, pa.taps)
    pieces = _pieces(pa, x.dtype)
    kept = None
    if len(pieces) == 1:  # the whole batch at once: the GEMM writes NCHW directly
        cols = _columns(x, pa, *pieces[0])
        y = xp.matmul(w2, cols).reshape(pa.y_shape)
        kept = cols if keep_columns else None
    else:
        y = xp.empty(pa.y_shape, dtype=x.dtype)
        for n0, nb, oh0, rows in pieces:
            y[n0:n0 + nb, :, oh0:oh0 + rows] = xp.matmul(w2, _columns(x, pa, n0, nb, oh0, rows)).reshape(
                nb, co, rows, ow)
    if b is not None:
        y += b.reshape(1, co, 1, 1)
    return y, kept


def backward(gy, x, w, pa, need_input, need_weight, columns=None):
    """``(gx, gw)``, None where not asked for; ``columns`` from ``forward`` spare the weight gradient's im2col."""
    xp = _k.array_module(gy)
    co, (oh, ow) = pa.w_shape[0], pa.out_hw
    gx = xp.empty(pa.x_shape, dtype=gy.dtype) if need_input else None
    gw2 = xp.zeros((co, pa.taps), dtype=gy.dtype) if need_weight else None
    w2 = w.reshape(co, pa.taps) if need_input else None
    pieces = _pieces(pa, gy.dtype)
    for n0, nb, oh0, rows in pieces:
        g3 = gy[n0:n0 + nb, :, oh0:oh0 + rows].reshape(nb, co, rows * ow)
        if need_weight:
            cols = columns if columns is not None and len(pieces) == 1 else _columns(x, pa, n0, nb, oh0, rows)
            gw2 += xp.tensordot(g3, cols, axes=([0, 2], [0, 2]))
        if need_input:
            _scatter(xp.matmul(w2.T, g3), gx, pa, n0, oh0, accumulate=oh0 > 0)
    return gx, (gw2.reshape(pa.w_shape) if need_weight else None)


def im2col(x, pa):
    """torch's unfold: (N, C*kh*kw, OH*OW), taps in (c, i, j) order; one launch."""
    return _columns(x, pa, 0, pa.x_shape[0], 0, pa.out_hw[0])


def col2im(cols, pa):
    """torch's fold, the adjoint of ``im2col``; one launch."""
    gx = _k.array_module(cols).empty(pa.x_shape, dtype=cols.dtype)
    _scatter(cols, gx, pa, 0, 0, accumulate=False)
    return gx
