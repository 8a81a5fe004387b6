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

The batch is walked in chunks of whole samples whose transformed tiles (16 x channels x tiles) take
about ``_CHUNK_BYTES``, so they stay in cache between a transform and its GEMMs; the chunks are shared
out among the CPU threads whole (``kernels.cpu._threads.map_chunks``, BLAS on one thread meanwhile).
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
_CHUNK_BYTES = 2 * 2**20

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
    """Tile counts, chunking and buffers for one call."""

    def __init__(self, x_shape, co, p, oh, ow, dtype):
        self.n, self.c, self.h, self.w = x_shape
        self.co, self.ph, self.pw = co, p[4], p[5]
        self.oh, self.ow = oh, ow
        self.th, self.tw = (oh + 1) // 2, (ow + 1) // 2
        self.per_sample = self.th * self.tw
        itemsize = np.dtype(dtype).itemsize
        step = max(1, _CHUNK_BYTES // (16 * max(self.c, self.co) * self.per_sample * itemsize))
        self.step = _threads.split_evenly(self.n, step)
        self.dtype = dtype

    def buffer(self, slot, rows):
        return scratch("winograd." + slot, (16, rows, self.step * self.per_sample), self.dtype)

    def padded_input(self):
        return scratch("winograd.xq", (self.step, self.c, 2 * self.th + 2, 2 * self.tw + 2), self.dtype)

    def chunks(self):
        """``(n0, m, t)``: first sample, sample count and tile count of each chunk."""
        return [(n0, min(self.n, n0 + self.step) - n0, (min(self.n, n0 + self.step) - n0) * self.per_sample)
                for n0 in range(0, self.n, self.step)]


def _filters(w):
    """U = G w G^T for every (C_out, C) pair, as (16, C_out, C), tile position k = 4a + b."""
    g = _G.astype(w.dtype)
    return np.ascontiguousarray(np.einsum("ai,ocij,bj->aboc", g, w, g).reshape(16, w.shape[0], w.shape[1]))


def _transform_input(x, tl, n0, m, xq, V, t):
    _threads.run(_wk.pad_planes, m * tl.c, m * tl.c * xq.shape[2] * xq.shape[3], x, xq, n0, tl.ph, tl.pw)
    _threads.run(_wk.input_tiles, m * tl.c, 16 * tl.c * t, xq, V, tl.th, tl.tw)


def forward(x, w, b, p, oh, ow):
    """conv2d(x, w) + b for a 3x3 stride-1 kernel; returns a new (N, C_out, OH, OW) array."""
    tl = _Tiles(x.shape, w.shape[0], p, oh, ow, x.dtype)
    U = _filters(w)
    bias = b if b is not None else np.zeros(tl.co, x.dtype)
    y = np.empty((tl.n, tl.co, oh, ow), x.dtype)

    def chunk(nmt):
        n0, m, t = nmt
        xq, V, M = tl.padded_input(), tl.buffer("V", tl.c), tl.buffer("M", tl.co)
        _transform_input(x, tl, n0, m, xq, V, t)
        np.matmul(U, V[:, :, :t], out=M[:, :, :t])
        _threads.run(_wk.output_tiles, m * tl.co, 16 * tl.co * t, M, y, n0, tl.th, tl.tw, bias)

    _threads.map_chunks(chunk, tl.chunks())
    return y


def backward(gy, x, w, p, need_input, need_weight):
    """``(gx, gw)`` of a 3x3 stride-1 conv2d; an entry is None when not asked for (and not computed)."""
    n, co, oh, ow = gy.shape
    tl = _Tiles(x.shape, co, p, oh, ow, x.dtype)
    U = _filters(w) if need_input else None
    gx = np.empty(x.shape, x.dtype) if need_input else None

    def chunk(nmt):
        n0, m, t = nmt
        Z = tl.buffer("Z", co)
        _threads.run(_wk.grad_tiles, m * co, 16 * co * t, gy, Z, n0, tl.th, tl.tw)
        dU = None
        if need_weight:
            xq, V = tl.padded_input(), tl.buffer("V", tl.c)
            _transform_input(x, tl, n0, m, xq, V, t)
            dU = np.matmul(Z[:, :, :t], V[:, :, :t].transpose(0, 2, 1))
        if need_input:
            dV = tl.buffer("dV", tl.c)
            np.matmul(U.transpose(0, 2, 1), Z[:, :, :t], out=dV[:, :, :t])
            _threads.run(_wk.input_grad_tiles, m * tl.c, 16 * tl.c * t, dV, gx, n0, tl.ph, tl.pw, tl.th, tl.tw)
        return dU

    parts = _threads.map_chunks(chunk, tl.chunks())
    gw = None
    if need_weight:
        dU = parts[0]
        for part in parts[1:]:  # in chunk order: deterministic
            dU += part
        g = _G.astype(x.dtype)
        gw = np.ascontiguousarray(np.einsum("ai,aboc,bj->ocij", g, dU.reshape(4, 4, co, tl.c), g))
    return gx, gw
