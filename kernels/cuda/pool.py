"""CUDA twins of ``kernels.cpu.pool`` (same names and signatures; semantics in that module).

Forward kernels: one thread per output.  Backward kernels are gathers, one thread per input element:
it visits, in a fixed order, every output window that contains it (and, for max pooling, whose stored
argmax is this element) and sums their gradients; no atomics, deterministic.  Each kernel is a grid-stride
loop (see ``kernels.cuda._launch``).  Sums accumulate in the array's own dtype (a typed ``zero`` argument
starts them: a ``0.0`` literal would make float32 kernels sum in float64).
"""
import math

from numba import cuda

from kernels.cuda._launch import launch, unflat4


@cuda.jit(cache=True)
def _max_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for t in range(cuda.grid(1), N * C * OH * OW, cuda.gridsize(1)):
        n, c, oh, ow = unflat4(t, C, OH, OW)
        best = -math.inf
        arg = -1
        done = False
        for i in range(kh):
            h = oh * sh - ph + i * dh
            if h < 0 or h >= H or done:
                continue
            for j in range(kw):
                w = ow * sw - pw + j * dw
                if w < 0 or w >= W or done:
                    continue
                v = x[n, c, h, w]
                if v > best or arg < 0 or v != v:
                    best = v
                    arg = h * W + w
                    if v != v:
                        done = True
        y[n, c, oh, ow] = best
        idx[n, c, oh, ow] = arg


def max_pool2d_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    launch(_max_fwd, y.size, x, x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw)


@cuda.jit(cache=True)
def _max_bwd(gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw, zero):
    N, C, H, W = gx.shape
    OH = gy.shape[2]
    OW = gy.shape[3]
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        n, c, h, w = unflat4(t, C, H, W)
        me = h * W + w
        acc = zero
        for i in range(kh):
            num = h + ph - i * dh
            if num < 0 or num % sh != 0:
                continue
            oh = num // sh
            if oh >= OH:
                continue
            for j in range(kw):
                num2 = w + pw - j * dw
                if num2 < 0 or num2 % sw != 0:
                    continue
                ow = num2 // sw
                if ow < OW and idx[n, c, oh, ow] == me:
                    acc += gy[n, c, oh, ow]
        gx[n, c, h, w] = acc


def max_pool2d_bwd(gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw):
    launch(_max_bwd, gx.size, gy, gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw, gx.dtype.type(0))


@cuda.jit(cache=True)
def _avg_fwd(x, y, kh, kw, sh, sw, ph, pw, include_pad, zero):
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for t in range(cuda.grid(1), N * C * OH * OW, cuda.gridsize(1)):
        n, c, oh, ow = unflat4(t, C, OH, OW)
        hs = oh * sh - ph
        ws = ow * sw - pw
        he = min(hs + kh, H + ph)
        we = min(ws + kw, W + pw)
        span = (he - hs) * (we - ws)
        h0 = max(hs, 0)
        w0 = max(ws, 0)
        h1 = min(he, H)
        w1 = min(we, W)
        acc = zero
        for h in range(h0, h1):
            for w in range(w0, w1):
                acc += x[n, c, h, w]
        div = span if include_pad else (h1 - h0) * (w1 - w0)
        y[n, c, oh, ow] = acc / div if div > 0 else 0.0


def avg_pool2d_fwd(x, y, kh, kw, sh, sw, ph, pw, count_include_pad):
    launch(_avg_fwd, y.size, x, x, y, kh, kw, sh, sw, ph, pw, count_include_pad, y.dtype.type(0))


@cuda.jit(cache=True)
def _avg_bwd(gy, gx, kh, kw, sh, sw, ph, pw, include_pad, zero):
    N, C, H, W = gx.shape
    OH = gy.shape[2]
    OW = gy.shape[3]
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        n, c, h, w = unflat4(t, C, H, W)
        acc = zero
        # outputs whose window [o*s - p, o*s - p + k) holds h: o in [ceil((h + p - k + 1) / s), floor((h + p) / s)]
        oh_lo = max(0, (h + ph - kh + sh) // sh)
        oh_hi = min(OH - 1, (h + ph) // sh)
        ow_lo = max(0, (w + pw - kw + sw) // sw)
        ow_hi = min(OW - 1, (w + pw) // sw)
        for oh in range(oh_lo, oh_hi + 1):
            hs = oh * sh - ph
            he = min(hs + kh, H + ph)
            for ow in range(ow_lo, ow_hi + 1):
                ws = ow * sw - pw
                we = min(ws + kw, W + pw)
                if include_pad:
                    div = (he - hs) * (we - ws)
                else:
                    div = (min(he, H) - max(hs, 0)) * (min(we, W) - max(ws, 0))
                if div > 0:
                    acc += gy[n, c, oh, ow] / div
        gx[n, c, h, w] = acc


def avg_pool2d_bwd(gy, gx, kh, kw, sh, sw, ph, pw, count_include_pad):
    launch(_avg_bwd, gx.size, gy, gy, gx, kh, kw, sh, sw, ph, pw, count_include_pad, gx.dtype.type(0))


@cuda.jit(device=True, inline=True)
def _adaptive_window(o, size, out):
    """PyTorch's adaptive window [floor(o * size / out), ceil((o + 1) * size / out))."""
    return (o * size) // out, ((o + 1) * size + out - 1) // out


@cuda.jit(cache=True)
def _adaptive_fwd(x, y, zero):
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for t in range(cuda.grid(1), N * C * OH * OW, cuda.gridsize(1)):
        n, c, oh, ow = unflat4(t, C, OH, OW)
        h0, h1 = _adaptive_window(oh, H, OH)
        w0, w1 = _adaptive_window(ow, W, OW)
        acc = zero
        for h in range(h0, h1):
            for w in range(w0, w1):
                acc += x[n, c, h, w]
        y[n, c, oh, ow] = acc / ((h1 - h0) * (w1 - w0))


def adaptive_avg_pool2d_fwd(x, y):
    launch(_adaptive_fwd, y.size, x, x, y, y.dtype.type(0))


@cuda.jit(cache=True)
def _adaptive_bwd(gy, gx, zero):
    N, C, H, W = gx.shape
    OH = gy.shape[2]
    OW = gy.shape[3]
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        n, c, h, w = unflat4(t, C, H, W)
        acc = zero
        for oh in range(OH):
            h0, h1 = _adaptive_window(oh, H, OH)
            if h < h0 or h >= h1:
                continue
            for ow in range(OW):
                w0, w1 = _adaptive_window(ow, W, OW)
                if w >= w0 and w < w1:
                    acc += gy[n, c, oh, ow] / ((h1 - h0) * (w1 - w0))
        gx[n, c, h, w] = acc


def adaptive_avg_pool2d_bwd(gy, gx):
    launch(_adaptive_bwd, gx.size, gy, gy, gx, gx.dtype.type(0))


@cuda.jit(cache=True)
def _global_fwd(x, y, zero):
    N, C, H, W = x.shape
    for t in range(cuda.grid(1), N * C, cuda.gridsize(1)):
        n = t // C
        c = t % C
        acc = zero
        for h in range(H):
            for w in range(W):
                acc += x[n, c, h, w]
        y[n, c] = acc / (H * W)


def global_avg_pool_fwd(x, y):
    launch(_global_fwd, y.size, x, x, y, y.dtype.type(0))


@cuda.jit(cache=True)
def _global_bwd(gy, gx):
    N, C, H, W = gx.shape
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        q = t // (H * W)
        gx[q // C, q % C, (t // W) % H, t % W] = gy[q // C, q % C] / (H * W)


def global_avg_pool_bwd(gy, gx):
    launch(_global_bwd, gx.size, gy, gy, gx)
