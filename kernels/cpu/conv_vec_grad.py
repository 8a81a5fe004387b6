"""Channel-vector weight gradient: the register-tiled twin of ``conv_vec.py``'s forward (CPU).

    gw[t, o : o + LANES]  =  sum_q  x[n(q), base(q) + offset(t)] * g[q, o : o + LANES]

over every output ``q`` of the flattened (sample, position) index.  A task takes a block of outputs,
copies its output gradient into a (position, C_out') scratch (the transpose that makes a position's
channel vector one load; padded lanes stay zero) and then, for four taps and one or two channel
vectors at a time, runs over the block's positions with the 4 x 1 or 4 x 2 accumulator tile in
vector registers: per position one or two gradient vectors and four input scalars feed four or eight
broadcast multiply-adds (``kernels.cpu._simd``).  Each thread sums its run of blocks into its own
partial gradient; the partials are added in order, so a given thread count gives the same bits
every time.  Any stride and dilation, like the forward.

It takes the weight gradients of the layers whose forward ``conv_vec.py`` takes.  Measured (ms, min
of interleaved runs on the 2-core VM, the path it replaced -> this one, one thread / two threads):

    LeNet c2 64x6x14x14 -> 16 5x5          0.68 -> 0.38   / 0.48 -> 0.30
    128x16x32x32 -> 32 3x3 stride 2        7.85 -> 4.44   / 4.91 -> 2.58
    128x32x16x16 -> 32 3x3                 8.49 -> 6.90   / 6.04 -> 3.84
    8x3x64x64 -> 64 7x7 stride 2           1.62 -> 1.79   / 1.25 -> 1.01

(16-channel 3x3 layers on 32x32 planes stay with ``conv_direct.py``: 8.6 against 9.5 here.)
"""
import numpy as np
from numba import njit

from kernels.cpu._simd import LANES, vfma4, vload, vload4, vstore4
from kernels.cpu._threads import SPLIT_MIN_FMAS, run, threads
from kernels.cpu.conv_vec import indexes, lanes_for

#: outputs per task at most: a block's gradient, (BLOCK, 2 * LANES) values, stays in L1/L2
BLOCK = 256
_OPTS = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


@njit(**_OPTS)
def _taps4x1(xq, gq, base, nq, offs, t, cop, o, part):
    """part[t : t + 4, o : o + LANES] += the four taps' products over the block's ``nq`` positions."""
    at = t * cop + o
    d0, d1, d2, d3 = offs[t], offs[t + 1], offs[t + 2], offs[t + 3]
    a0, a1, a2, a3 = vload4(part, at, cop)
    for j in range(nq):
        b = base[j]
        gv = vload(gq, j * cop + o)
        a0, a1, a2, a3 = vfma4(a0, a1, a2, a3, xq[b + d0], xq[b + d1], xq[b + d2], xq[b + d3], gv)
    vstore4(part, at, cop, a0, a1, a2, a3)


@njit(**_OPTS)
def _taps4x2(xq, gq, base, nq, offs, t, cop, o, part):
    """As ``_taps4x1`` for the channel vectors at ``o`` and ``o + LANES``: each input scalar feeds two."""
    at, au = t * cop + o, t * cop + o + LANES
    d0, d1, d2, d3 = offs[t], offs[t + 1], offs[t + 2], offs[t + 3]
    a0, a1, a2, a3 = vload4(part, at, cop)
    c0, c1, c2, c3 = vload4(part, au, cop)
    for j in range(nq):
        b = base[j]
        gv, gu = vload(gq, j * cop + o), vload(gq, j * cop + o + LANES)
        x0, x1, x2, x3 = xq[b + d0], xq[b + d1], xq[b + d2], xq[b + d3]
        a0, a1, a2, a3 = vfma4(a0, a1, a2, a3, x0, x1, x2, x3, gv)
        c0, c1, c2, c3 = vfma4(c0, c1, c2, c3, x0, x1, x2, x3, gu)
    vstore4(part, at, cop, a0, a1, a2, a3)
    vstore4(part, au, cop, c0, c1, c2, c3)


@njit(**_OPTS)
def _weight_grad(xq, gy, offs, pbase, parts, cuts, block, k0, k1):
    """parts[k] (flat (K', C_out')) = the weight gradient over blocks [cuts[k], cuts[k + 1]) of outputs."""
    co, npos = gy.shape[1], gy.shape[2]
    total, sample = gy.shape[0] * npos, xq.shape[0] // gy.shape[0]
    cop, ntaps = parts.shape[1] // offs.shape[0], offs.shape[0]
    gq = np.zeros(block * cop, gy.dtype)  # the block's output gradient, (position, lane); padded lanes 0
    base = np.empty(block, pbase.dtype)
    for k in range(k0, k1):
        part = parts[k]
        part[:] = 0
        for task in range(cuts[k], cuts[k + 1]):
            q0 = task * block
            q1 = min(total, q0 + block)
            q = q0
            while q < q1:  # one sample's stretch of the block at a time
                n = q // npos
                r0, r1 = q - n * npos, min(npos, q1 - n * npos)
                for r in range(r0, r1):
                    base[q - q0 + r - r0] = n * sample + pbase[r]
                for c in range(co):
                    row = gy[n, c]
                    for r in range(r0, r1):
                        gq[(q - q0 + r - r0) * cop + c] = row[r]
                q += r1 - r0
            o = 0
            while o < cop:
                pair = cop - o >= 2 * LANES
                for t in range(0, ntaps, 4):
                    if pair:
                        _taps4x2(xq, gq, base, q1 - q0, offs, t, cop, o, part)
                    else:
                        _taps4x1(xq, gq, base, q1 - q0, offs, t, cop, o, part)
                o += 2 * LANES if pair else LANES


def weight_grad(gy, x, w_shape, p):
    """dL/dw of conv2d (``p``: ``Conv2dParams.p``), summed over the batch in per-thread runs of blocks."""
    n, co, oh, ow = gy.shape
    k = int(np.prod(w_shape[1:]))
    cop = lanes_for(co)
    xq, offs, pbase = indexes(x, p, oh, ow, taps_multiple=4)
    total = n * oh * ow
    tasks = -(-total // BLOCK)
    runs = max(1, min(threads(), tasks)) if gy.size * k >= SPLIT_MIN_FMAS else 1
    cuts = np.array([tasks * i // runs for i in range(runs + 1)], np.int64)
    parts = np.empty((runs, len(offs) * cop), x.dtype)
    run(_weight_grad, runs, gy.size * k, xq.reshape(-1), np.ascontiguousarray(gy).reshape(n, co, oh * ow),
        offs, pbase, parts, cuts, BLOCK, serial_below=SPLIT_MIN_FMAS)
    total_grad = parts[0]
    for part in parts[1:]:  # in block order: deterministic for a given thread count
        total_grad += part
    gw = total_grad.reshape(len(offs), cop)[:k, :co].T
    return np.ascontiguousarray(gw).reshape(w_shape)
