"""CUDA twins of ``kernels.cpu.pool`` (same names and signatures; semantics in that module; no fast paths).

Forward kernels: one thread per output.  Backward kernels are gathers, one thread per input element:
it visits, in a fixed order, every output window that contains it (and, for max pooling, whose stored
argmax is this element) and sums their gradients; no atomics, deterministic.  Each kernel is a grid-stride
loop (see ``kernels.cuda._launch``).  Sums accumulate in the array's own dtype (a typed ``zero`` argument
starts them: a ``0.0`` literal would make float32 kernels sum in float64).
"""
import math

from numba import cuda

from kernels.cuda._launch import launch, unflat4


@cuda.jit(device=True, inline=True)
def _sizes(x, y):
    """``(N, C, H, W, OH, OW)`` of a (N, C, H, W) plane stack and its (N, C, OH, OW) pooled one."""
    N, C, H, W = x.shape
    return N, C, H, W, y.shape[2], y.shape[3]


@cuda.jit(cache=True)
def _max_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    N, C, H, W, OH, OW = _sizes(x, y)
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


def max_pool2d_fwd(x, y, idx, window):
    launch(_max_fwd, y.size, x, x, y, idx, *window)


@cuda.jit(cache=True)
def _max_bwd(gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw, zero):
    N, C, H, W, OH, OW = _sizes(gx, gy)
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


def max_pool2d_bwd(gy, idx, gx, window):
    launch(_max_bwd, gx.size, gy, gy, idx, gx, *window, gx.dtype.type(0))


_AVG, _ADAPTIVE = 0, 1


@cuda.jit(device=True, inline=True)
def _window(mode, o, k, s, p, size, out, include_pad):
    """[lo, hi) of output ``o``'s window along one axis and its share of the divisor (as the CPU twin's)."""
    if mode == _ADAPTIVE:
        lo = (o * size) // out
        hi = ((o + 1) * size + out - 1) // out
        return lo, hi, hi - lo
    start = o * s - p
    end = min(start + k, size + p)
    lo = max(start, 0)
    hi = min(end, size)
    return lo, hi, (end - start) if include_pad else (hi - lo)


@cuda.jit(device=True, inline=True)
def _outputs_over(mode, i, k, s, p, out):
    """The range [lo, hi] of outputs whose window may hold input ``i`` (every output when adaptive)."""
    if mode == _ADAPTIVE:
        return 0, out - 1
    # windows [o*s - p, o*s - p + k) holding i: o in [ceil((i + p - k + 1) / s), floor((i + p) / s)]
    return max(0, (i + p - k + s) // s), min(out - 1, (i + p) // s)


@cuda.jit(cache=True)
def _window_avg_fwd(x, y, mode, kh, kw, sh, sw, ph, pw, include_pad, zero):
    N, C, H, W, OH, OW = _sizes(x, y)
    for t in range(cuda.grid(1), N * C * OH * OW, cuda.gridsize(1)):
        n, c, oh, ow = unflat4(t, C, OH, OW)
        h0, h1, hdiv = _window(mode, oh, kh, sh, ph, H, OH, include_pad)
        w0, w1, wdiv = _window(mode, ow, kw, sw, pw, W, OW, include_pad)
        acc = zero
        for h in range(h0, h1):
            for w in range(w0, w1):
                acc += x[n, c, h, w]
        div = hdiv * wdiv
        y[n, c, oh, ow] = acc / div if div > 0 else zero


@cuda.jit(cache=True)
def _window_avg_bwd(gy, gx, mode, kh, kw, sh, sw, ph, pw, include_pad, zero):
    N, C, H, W, OH, OW = _sizes(gx, gy)
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        n, c, h, w = unflat4(t, C, H, W)
        acc = zero
        oh_lo, oh_hi = _outputs_over(mode, h, kh, sh, ph, OH)
        ow_lo, ow_hi = _outputs_over(mode, w, kw, sw, pw, OW)
        for oh in range(oh_lo, oh_hi + 1):
            h0, h1, hdiv = _window(mode, oh, kh, sh, ph, H, OH, include_pad)
            if h < h0 or h >= h1:
                continue
            for ow in range(ow_lo, ow_hi + 1):
                w0, w1, wdiv = _window(mode, ow, kw, sw, pw, W, OW, include_pad)
                if w >= w0 and w < w1 and hdiv * wdiv > 0:
                    acc += gy[n, c, oh, ow] / (hdiv * wdiv)
        gx[n, c, h, w] = acc


def avg_pool2d_fwd(x, y, window, include_pad):
    launch(_window_avg_fwd, y.size, x, x, y, _AVG, *window[:6], bool(include_pad), y.dtype.type(0))


def avg_pool2d_bwd(gy, gx, window, include_pad):
    launch(_window_avg_bwd, gx.size, gy, gy, gx, _AVG, *window[:6], bool(include_pad), gx.dtype.type(0))


def adaptive_avg_pool2d_fwd(x, y):
    launch(_window_avg_fwd, y.size, x, x, y, _ADAPTIVE, 1, 1, 1, 1, 0, 0, True, y.dtype.type(0))


def adaptive_avg_pool2d_bwd(gy, gx):
    launch(_window_avg_bwd, gx.size, gy, gy, gx, _ADAPTIVE, 1, 1, 1, 1, 0, 0, True, gx.dtype.type(0))


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
