"""Channel-vector direct convolution forward: a register-tiled micro-kernel over output channels (CPU).

LeNet's c2 (64x6x14x14 -> 16 5x5) is too small for a GEMM to pay for its column matrix (150 taps by
6400 positions, written and read again for 31 MFLOP) and too narrow for ``conv_direct``'s wide rows
(10 outputs in rows of 14).  Here every output position is a dot product of its 150 input taps with
the weights, computed for ``LANES`` output channels at once:

    y[n, o : o + LANES, q]  =  b[o : o + LANES]  +  sum_t  x[n, base(q) + offset(t)] * wt[t, o : o + LANES]

with the weights transposed to (taps, C_out) so that a tap's channel vector is one load
(``kernels.cpu._simd``).  The micro-kernel keeps four positions' accumulators in vector registers
through the whole tap loop: per tap it loads one weight vector and four input scalars for four
broadcast multiply-adds, so it runs at the core's FMA rate with nothing materialised.  ``base(q)`` and
``offset(t)`` index the zero-padded input, so any stride and dilation work alike.  Output channels
are padded to a multiple of ``LANES`` with zero weights (their results are dropped), which is why
layers with few output channels stay elsewhere (``applies``).

The weight gradient is the same micro-kernel turned around (``conv_vec_grad.py``).

Tasks are blocks of at most ``BLOCK`` outputs of the flattened (sample, position) index, at least
four a thread, shared out by ``kernels.cpu._threads.run``; small planes share blocks.

Measured (ms, min of interleaved runs on the 2-core VM, the path it replaced -> this one; forward,
and input gradient where this path takes it), one thread / two threads:

    LeNet c2 64x6x14x14 -> 16 5x5            0.60 -> 0.39     / 0.42 -> 0.26  (PyTorch 0.32 at 1T)
    128x16x32x32 -> 32 3x3 stride 2          6.95 -> 4.52     / 4.50 -> 2.78
    128x32x16x16 -> 32 3x3, input gradient   7.71 -> 6.89, 8.24 -> 7.03 / 5.88 -> 3.80, 5.59 -> 3.85
    8x3x64x64 -> 64 7x7 stride 2             1.73 -> 1.79     / 1.43 -> 1.04

With 576 taps (64 channels 3x3 on 8x8 planes) it won at two threads (4.9 -> 3.6) but lost at one
(5.3 -> 6.8), hence ``MAX_TAPS``; Winograd, where it applies, tied or won (16x32x64x64 -> 32: 12.8
against 13.6 at one thread), so it goes first.  The micro-kernel runs at about 60-75% of the FMA peak.
"""
import numpy as np
from numba import njit

from kernels.cpu._simd import LANES, vfma4, vload, vstore4
from kernels.cpu._threads import SPLIT_MIN_FMAS, run, threads
from kernels.cpu.conv_direct import transposed_layer
from kernels.cpu.conv_small import padded

#: outputs per task at most (a multiple of the four the micro-kernel does at once)
BLOCK = 1024
#: at most this fraction of the padded output channels wasted (C_out = 8 of 16 lanes is the limit)
MAX_WASTE = 0.5
#: layers with more taps per output than this take the GEMM or Winograd paths (see the docstring)
MAX_TAPS = 288
#: an input gradient computed as the transposed layer's forward does H * W / (OH * OW) times the
#: useful work (its taps over the padding multiply zeros): at most this much
MAX_INPUT_GRAD_EXCESS = 1.25
_OPTS = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


def applies(p, c_out, taps) -> bool:
    """Whether a forward with ``c_out`` output channels and ``taps`` (C * kh * kw) taps per output takes
    this path: a kernel larger than 1x1 (a 1x1 convolution is a plain GEMM), at most ``MAX_WASTE`` of
    the lanes wasted, at most ``MAX_TAPS`` taps."""
    kh, kw = p[0], p[1]
    lanes = lanes_for(c_out)
    return kh * kw > 1 and lanes - c_out <= MAX_WASTE * lanes and taps <= MAX_TAPS


def applies_input_grad(p, c_in, c_out, in_positions, out_positions) -> bool:
    """Whether the input gradient of a stride-1 layer takes this path: ``applies`` for its transposed
    layer (``c_in`` outputs, ``c_out * kh * kw`` taps), whose padding must be >= 0, with at most
    ``MAX_INPUT_GRAD_EXCESS`` times the useful work (LeNet's c3, 5x5 planes to 1x1: 25 times, 1.5
    against 0.2 ms)."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    return (sh == sw == 1 and ph <= dh * (kh - 1) and pw <= dw * (kw - 1)
            and in_positions <= MAX_INPUT_GRAD_EXCESS * out_positions
            and applies(p, c_in, c_out * kh * kw))


@njit(**_OPTS)
def _tile_1x4(xs, wt, bias, offs, cop, o, b0, b1, b2, b3, tile, at):
    """One output-channel vector at four positions (input offsets ``b0..b3``) into ``tile[at:]``."""
    a0 = a1 = a2 = a3 = vload(bias, o)
    for t in range(offs.shape[0]):
        wv = vload(wt, t * cop + o)
        d = offs[t]
        a0, a1, a2, a3 = vfma4(a0, a1, a2, a3, xs[b0 + d], xs[b1 + d], xs[b2 + d], xs[b3 + d], wv)
    vstore4(tile, at, LANES, a0, a1, a2, a3)


@njit(**_OPTS)
def _tile_2x4(xs, wt, bias, offs, cop, o, b0, b1, b2, b3, tile, at, step):
    """As ``_tile_1x4`` for two output-channel vectors (``o``, ``o + LANES``): each input scalar feeds
    two multiply-adds; the second vector's results go ``step`` further into ``tile``."""
    a0 = a1 = a2 = a3 = vload(bias, o)
    c0 = c1 = c2 = c3 = vload(bias, o + LANES)
    for t in range(offs.shape[0]):
        wv = vload(wt, t * cop + o)
        wu = vload(wt, t * cop + o + LANES)
        d = offs[t]
        x0, x1, x2, x3 = xs[b0 + d], xs[b1 + d], xs[b2 + d], xs[b3 + d]
        a0, a1, a2, a3 = vfma4(a0, a1, a2, a3, x0, x1, x2, x3, wv)
        c0, c1, c2, c3 = vfma4(c0, c1, c2, c3, x0, x1, x2, x3, wu)
    vstore4(tile, at, LANES, a0, a1, a2, a3)
    vstore4(tile, at + step, LANES, c0, c1, c2, c3)


@njit(**_OPTS)
def _forward(xq, wt, bias, offs, pbase, y, block, task0, task1):
    """Tasks [task0, task1), each a block of ``block`` outputs of the flattened (sample, position)
    index ``q`` (small planes share a block, and a micro-kernel's four positions, across samples).

    ``xq`` is the padded input flattened whole, ``wt`` the (K * C_out',) flat transposed weights and
    ``bias`` (C_out',), both zero-padded to ``C_out'`` a multiple of LANES; ``offs`` the K tap offsets
    and ``pbase`` each output position's offset in a sample's padded planes; ``y`` is (N, C_out, OH * OW)."""
    co, npos = y.shape[1], y.shape[2]
    total, sample = y.shape[0] * npos, xq.shape[0] // y.shape[0]
    cop = bias.shape[0]
    step = (block + 3) * LANES
    tile = np.empty(2 * step, y.dtype)  # a block's results for one or two channel vectors, (position, lane)
    base = np.empty(block + 3, pbase.dtype)
    for task in range(task0, task1):
        q0 = task * block
        q1 = min(total, q0 + block)
        for q in range(q0, q0 + block + 3):  # past the end: repeats of the last output, computed, dropped
            n = min(q, q1 - 1) // npos
            base[q - q0] = n * sample + pbase[min(q, q1 - 1) - n * npos]
        o = 0
        while o < cop:
            pair = cop - o >= 2 * LANES
            for j in range(0, q1 - q0, 4):
                b0, b1, b2, b3 = base[j], base[j + 1], base[j + 2], base[j + 3]
                if pair:
                    _tile_2x4(xq, wt, bias, offs, cop, o, b0, b1, b2, b3, tile, j * LANES, step)
                else:
                    _tile_1x4(xq, wt, bias, offs, cop, o, b0, b1, b2, b3, tile, j * LANES)
            q = q0
            while q < q1:  # one sample's stretch of the block at a time: rows written contiguously
                n = q // npos
                r0, r1 = q - n * npos, min(npos, q1 - n * npos)
                for k in range(min(co - o, 2 * LANES if pair else LANES)):
                    row = y[n, o + k]
                    at = (q - q0 - r0) * LANES + (k // LANES) * step + k % LANES
                    for r in range(r0, r1):
                        row[r] = tile[at + r * LANES]
                q += r1 - r0
            o += 2 * LANES if pair else LANES


def indexes(x, p, oh, ow, taps_multiple=1):
    """(xq, offs, pbase): the zero-padded input, each tap's offset into a sample's padded planes ((c, i,
    j) order, repeated at the end up to a multiple of ``taps_multiple``) and each output position's."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    xq = padded(x, ph, pw)
    hq, wq = xq.shape[2:]
    offs = (np.arange(x.shape[1])[:, None, None] * (hq * wq) + np.arange(kh)[:, None] * (dh * wq)
            + np.arange(kw) * dw).astype(np.uint64).reshape(-1)
    offs = np.concatenate([offs, np.repeat(offs[-1:], -len(offs) % taps_multiple)])
    pbase = (np.arange(oh)[:, None] * (sh * wq) + np.arange(ow) * sw).astype(np.uint64).reshape(-1)
    return xq, offs, pbase


def lanes_for(co):
    """C_out rounded up to whole vectors."""
    return -(-co // LANES) * LANES


def forward(x, w, b, p, oh, ow):
    """conv2d(x, w) + b (``p``: ``Conv2dParams.p``; any stride, padding, dilation); a new (N, C_out, OH, OW)."""
    n = x.shape[0]
    co, k = w.shape[0], w[0].size
    cop = lanes_for(co)
    xq, offs, pbase = indexes(x, p, oh, ow)
    wt = np.zeros((k, cop), x.dtype)
    wt[:, :co] = w.reshape(co, k).T
    bias = np.zeros(cop, x.dtype)
    if b is not None:
        bias[:co] = b
    y = np.empty((n, co, oh * ow), x.dtype)
    total = n * oh * ow
    block = min(BLOCK, -(-total // (4 * 4 * threads())) * 4)  # at least four tasks a thread
    run(_forward, -(-total // block), y.size * k, xq.reshape(-1), wt.reshape(-1), bias, offs, pbase, y, block,
        serial_below=SPLIT_MIN_FMAS)
    return y.reshape(n, co, oh, ow)


def input_grad(gy, w, p, x_shape):
    """dL/dx of a stride-1 conv2d: this module's forward of the transposed layer (``applies_input_grad``)."""
    wt, pt = transposed_layer(w, p)
    return forward(gy, wt, None, pt, x_shape[2], x_shape[3])
