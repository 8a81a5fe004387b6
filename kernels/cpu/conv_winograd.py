"""3x3 stride-1 convolutions on the CPU by Winograd's F(2x2, 3x3): 16 GEMMs instead of 36 taps' worth.

The im2col path multiplies every output pixel's 9*C patch with the weights: 18*C*C_out flops per pixel.
Winograd's minimal filtering (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016)
computes a 2x2 block of outputs from a 4x4 input tile with 16 products per channel pair, so the GEMMs
do 8*C*C_out flops per pixel (2.25x fewer); the tile transforms are cheap memory passes
(``kernels/cpu/winograd.py`` has the algebra).  The backward pass reuses the same tiles: one transform
of the output gradient feeds both the weight-gradient GEMMs and the input-gradient GEMMs.

Used for 3x3 kernels with stride 1 and dilation 1 (any padding) on the CPU when both channel counts are
at least ``MIN_CHANNELS`` and the output is wide enough: the transforms walk one channel plane at a
time, so on narrow planes their per-row loop overhead eats the GEMM savings.  Measured at one thread
(fwd+bwd ms, Winograd / im2col): 32x64x32x32 73 / 100; 128x16x32x32 37 / 59; 64x128x16x16 152 / 192;
64x64x16x16 43 / 46; 128x32x16x16 36 / 31; 128x64x8x8 39 / 30; 32x256x8x8 119 / 97.  Hence: outputs
at least ``MIN_WIDTH`` wide, or half that with ``C * C_out >= MIN_CHANNEL_PRODUCT``; and one chunk's
tile buffers within the memory budget.  Everything else, and every GPU call, takes im2col.
Rounding differs from im2col's by a few float32 ulps of the inputs' magnitude (the transforms add and
halve values; no large constants), well inside the float32 tolerance the tests hold all paths to.

The batch is walked in chunks of whole samples, or of one sample a block of tile rows at a time, whose
transformed tiles (16 x channels x tiles) take about ``_CHUNK_BYTES``, so that they stay in a core's
cache between a transform and its GEMMs; the chunks are shared out among the CPU threads whole
(``kernels.cpu._threads.map_chunks``, BLAS on one thread meanwhile).  Measured on the ResNet layer
32x64x32x32 (fwd + bwd ms, one thread / two): 2 MiB chunks of whole samples 74 / 48; 1 MiB blocks
71 / 39; 256 KiB blocks 72 / 50.
"""
import numpy as np

from kernels._workspace import scratch
from kernels.cpu import _threads
from kernels.cpu import winograd as _wk

#: both channel counts must be at least this for the Winograd path
MIN_CHANNELS = 16
#: ... and the output at least this wide, or half as wide with C * C_out at least MIN_CHANNEL_PRODUCT
MIN_WIDTH = 32
MIN_CHANNEL_PRODUCT = 64 * 64
_CHUNK_BYTES = 2**20

_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def applies(p, c, co, ow, n_tiles_per_sample, itemsize, budget) -> bool:
    """Whether a convolution with output width ``ow`` takes this path (see the module docstring)."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    if (kh, kw, sh, sw, dh, dw) != (3, 3, 1, 1, 1, 1) or min(c, co) < MIN_CHANNELS:
        return False
    if ow < MIN_WIDTH and not (2 * ow >= MIN_WIDTH and c * co >= MIN_CHANNEL_PRODUCT):
        return False
    return 16 * max(c, co) * n_tiles_per_sample * itemsize <= budget


class _Tiles:
    """Tile counts, the chunks (whole samples, or blocks of one sample's tile rows) and buffers."""

    def __init__(self, x_shape, co, p, oh, ow, dtype):
        self.n, self.c, self.h, self.w = x_shape
        self.co, self.ph, self.pw = co, p[4], p[5]
        self.oh, self.ow = oh, ow
        self.th, self.tw = (oh + 1) // 2, (ow + 1) // 2
        self.dtype = dtype
        row_bytes = 16 * max(self.c, self.co) * self.tw * np.dtype(dtype).itemsize  # one tile row's V or M
        rows = max(1, _CHUNK_BYTES // row_bytes)
        if rows >= self.th:  # whole samples per chunk
            self.step = _threads.split_evenly(self.n, rows // self.th)
            self.blocks = [(0, self.th)]
        else:  # one sample per chunk, its tile rows in blocks
            self.step = 1
            self.blocks = [(r, min(self.th, r + rows)) for r in range(0, self.th, rows)]
        self.tiles = self.step * max(b - a for a, b in self.blocks) * self.tw

    def buffer(self, slot, rows):
        return scratch("winograd." + slot, (16, rows, self.tiles), self.dtype)

    def padded(self, slot, m):
        return scratch("winograd." + slot, (m, self.c, 2 * self.th + 2, 2 * self.tw + 2), self.dtype)

    def chunks(self):
        """``(n0, m)``: first sample and sample count of each chunk (each thread takes whole chunks)."""
        return [(n0, min(self.n, n0 + self.step) - n0) for n0 in range(0, self.n, self.step)]


def _filters(w):
    """U = G w G^T for every (C_out, C) pair, as (16, C_out, C), tile position k = 4a + b."""
    g = _G.astype(w.dtype)
    return np.ascontiguousarray(np.einsum("ai,ocij,bj->aboc", g, w, g).reshape(16, w.shape[0], w.shape[1]))


def forward(x, w, b, p, oh, ow):
    """conv2d(x, w) + b for a 3x3 stride-1 kernel; returns a new (N, C_out, OH, OW) array."""
    tl = _Tiles(x.shape, w.shape[0], p, oh, ow, x.dtype)
    U = _filters(w)
    bias = b if b is not None else np.zeros(tl.co, x.dtype)
    y = np.empty((tl.n, tl.co, oh, ow), x.dtype)

    def chunk(n0_m):
        n0, m = n0_m
        xq, V, M = tl.padded("xq", m), tl.buffer("V", tl.c), tl.buffer("M", tl.co)
        _threads.run(_wk.pad_planes, m * tl.c, xq.size, x, xq, n0, tl.ph, tl.pw)
        for th0, th1 in tl.blocks:
            t = m * (th1 - th0) * tl.tw
            _threads.run(_wk.input_tiles, m * tl.c, 16 * tl.c * t, xq, V, th0, th1, tl.tw)
            np.matmul(U, V[:, :, :t], out=M[:, :, :t])
            _threads.run(_wk.output_tiles, m * tl.co, 16 * tl.co * t, M, y, n0, th0, th1, tl.tw, bias)

    _threads.map_chunks(chunk, tl.chunks())
    return y


def backward(gy, x, w, p, x_shape, need_input, need_weight):
    """``(gx, gw)`` of a 3x3 stride-1 conv2d; an entry is None when not asked for (and not computed).
    ``x`` is only read for the weight gradient, ``w`` only for the input gradient."""
    n, co, oh, ow = gy.shape
    tl = _Tiles(x_shape, co, p, oh, ow, gy.dtype)
    U = _filters(w) if need_input else None
    gx = np.empty(x_shape, gy.dtype) if need_input else None

    def chunk(n0_m):
        n0, m = n0_m
        Z = tl.buffer("Z", co)
        dU = np.zeros((16, co, tl.c), gy.dtype) if need_weight else None
        if need_weight:
            xq, V = tl.padded("xq", m), tl.buffer("V", tl.c)
            _threads.run(_wk.pad_planes, m * tl.c, xq.size, x, xq, n0, tl.ph, tl.pw)
        if need_input:
            gq, dV = tl.padded("gq", m), tl.buffer("dV", tl.c)
            gq[...] = 0
        for th0, th1 in tl.blocks:
            t = m * (th1 - th0) * tl.tw
            _threads.run(_wk.grad_tiles, m * co, 16 * co * t, gy, Z, n0, th0, th1, tl.tw)
            if need_weight:
                _threads.run(_wk.input_tiles, m * tl.c, 16 * tl.c * t, xq, V, th0, th1, tl.tw)
                dU += np.matmul(Z[:, :, :t], V[:, :, :t].transpose(0, 2, 1))
            if need_input:
                np.matmul(U.transpose(0, 2, 1), Z[:, :, :t], out=dV[:, :, :t])
                _threads.run(_wk.input_grad_tiles, m * tl.c, 16 * tl.c * t, dV, gq, th0, th1, tl.tw)
        if need_input:
            gx[n0:n0 + m] = gq[:, :, tl.ph:tl.ph + tl.h, tl.pw:tl.pw + tl.w]
        return dU

    parts = _threads.map_chunks(chunk, tl.chunks())
    gw = None
    if need_weight:
        dU = parts[0]
        for part in parts[1:]:  # in chunk order: deterministic
            dU += part
        g = _G.astype(gy.dtype)
        gw = np.ascontiguousarray(np.einsum("ai,aboc,bj->ocij", g, dU.reshape(4, 4, co, tl.c), g))
    return gx, gw
