"""2-D pooling on the CPU (Numba): max (values + argmax), average, adaptive average, global average.

All work on NCHW arrays; one task per (n, c) plane, tasks split over a thread pool
(``kernels.cpu._threads``).  Max pooling records, per output, the
flat index ``h * W + w`` of the chosen input inside its plane (int32); a NaN in a window wins, as in
PyTorch.  Backward passes write each gradient plane from one task, summing contributions in a fixed
order, so they are deterministic (the CUDA twins do the same as one-thread-per-input gathers).

Window bounds follow PyTorch: a window starts at ``o * s - p`` and spans ``(k - 1) * d + 1`` inputs;
average pooling divides by the window size clipped to the padded input (``count_include_pad=True``)
or by the number of real inputs in it (``count_include_pad=False``).
"""
import math

from numba import njit

from kernels.cpu._threads import run


@njit(nogil=True, cache=True, error_model="numpy")
def _max_pool2d_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw, t0, t1):
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        for oh in range(OH):
            h0 = oh * sh - ph
            for ow in range(OW):
                w0 = ow * sw - pw
                best = -math.inf
                arg = -1
                for i in range(kh):
                    h = h0 + i * dh
                    if h < 0 or h >= H:
                        continue
                    for j in range(kw):
                        w = w0 + j * dw
                        if w < 0 or w >= W:
                            continue
                        v = x[n, c, h, w]
                        if v > best or arg < 0 or v != v:
                            best = v
                            arg = h * W + w
                            if v != v:
                                break
                    if best != best:
                        break
                y[n, c, oh, ow] = best
                idx[n, c, oh, ow] = arg


@njit(nogil=True, cache=True, error_model="numpy")
def _max_pool2d_fwd_2x2(x, y, idx, t0, t1):
    """The common 2x2 / stride 2 / no padding case, unrolled."""
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        for oh in range(OH):
            h = 2 * oh
            for ow in range(OW):
                w = 2 * ow
                best = x[n, c, h, w]
                arg = h * W + w
                v = x[n, c, h, w + 1]
                if v > best or v != v:
                    if best == best:
                        best = v
                        arg = h * W + w + 1
                v = x[n, c, h + 1, w]
                if v > best or v != v:
                    if best == best:
                        best = v
                        arg = (h + 1) * W + w
                v = x[n, c, h + 1, w + 1]
                if v > best or v != v:
                    if best == best:
                        best = v
                        arg = (h + 1) * W + w + 1
                y[n, c, oh, ow] = best
                idx[n, c, oh, ow] = arg


@njit(nogil=True, cache=True, error_model="numpy")
def _max_pool2d_bwd(gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw, t0, t1):
    """``gx`` (N, C, H, W) from ``gy`` and the argmax indexes; each plane written by one task.  The
    window geometry is unused here (the CUDA twin's gather needs it)."""
    N, C, H, W = gx.shape
    OH = gy.shape[2]
    OW = gy.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        plane = gx[n, c].reshape(H * W)
        for q in range(H * W):
            plane[q] = 0
        for oh in range(OH):
            for ow in range(OW):
                a = idx[n, c, oh, ow]
                if a >= 0:
                    plane[a] += gy[n, c, oh, ow]


@njit(inline="always", error_model="numpy")
def _adaptive_window(o, size, out):
    """PyTorch's adaptive window [floor(o * size / out), ceil((o + 1) * size / out))."""
    return (o * size) // out, ((o + 1) * size + out - 1) // out


@njit(inline="always", error_model="numpy")
def _avg_window(o, s, p, k, size):
    """[start, end) clipped to the input, and the span clipped to the padded input (PyTorch)."""
    start = o * s - p
    end = min(start + k, size + p)
    span = end - start
    return max(start, 0), min(end, size), span


@njit(nogil=True, cache=True, error_model="numpy")
def _avg_pool2d_fwd(x, y, kh, kw, sh, sw, ph, pw, count_include_pad, t0, t1):
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        for oh in range(OH):
            h0, h1, hspan = _avg_window(oh, sh, ph, kh, H)
            for ow in range(OW):
                w0, w1, wspan = _avg_window(ow, sw, pw, kw, W)
                acc = 0.0
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        acc += x[n, c, h, w]
                div = hspan * wspan if count_include_pad else (h1 - h0) * (w1 - w0)
                y[n, c, oh, ow] = acc / div if div > 0 else 0.0


@njit(nogil=True, cache=True, error_model="numpy")
def _avg_pool2d_bwd(gy, gx, kh, kw, sh, sw, ph, pw, count_include_pad, t0, t1):
    N, C, H, W = gx.shape
    OH = gy.shape[2]
    OW = gy.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        for h in range(H):
            for w in range(W):
                gx[n, c, h, w] = 0
        for oh in range(OH):
            h0, h1, hspan = _avg_window(oh, sh, ph, kh, H)
            for ow in range(OW):
                w0, w1, wspan = _avg_window(ow, sw, pw, kw, W)
                div = hspan * wspan if count_include_pad else (h1 - h0) * (w1 - w0)
                if div <= 0:
                    continue
                g = gy[n, c, oh, ow] / div
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[n, c, h, w] += g


@njit(nogil=True, cache=True, error_model="numpy")
def _adaptive_avg_pool2d_fwd(x, y, t0, t1):
    """PyTorch's adaptive windows: [floor(o * H / OH), ceil((o + 1) * H / OH))."""
    N, C, H, W = x.shape
    OH = y.shape[2]
    OW = y.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        for oh in range(OH):
            h0, h1 = _adaptive_window(oh, H, OH)
            for ow in range(OW):
                w0, w1 = _adaptive_window(ow, W, OW)
                acc = 0.0
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        acc += x[n, c, h, w]
                y[n, c, oh, ow] = acc / ((h1 - h0) * (w1 - w0))


@njit(nogil=True, cache=True, error_model="numpy")
def _adaptive_avg_pool2d_bwd(gy, gx, t0, t1):
    N, C, H, W = gx.shape
    OH = gy.shape[2]
    OW = gy.shape[3]
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        for h in range(H):
            for w in range(W):
                gx[n, c, h, w] = 0
        for oh in range(OH):
            h0, h1 = _adaptive_window(oh, H, OH)
            for ow in range(OW):
                w0, w1 = _adaptive_window(ow, W, OW)
                g = gy[n, c, oh, ow] / ((h1 - h0) * (w1 - w0))
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[n, c, h, w] += g


@njit(nogil=True, cache=True, error_model="numpy")
def _global_avg_pool_fwd(x, y, t0, t1):
    """``y[n, c] = mean(x[n, c])`` (accumulated in float64)."""
    N, C, H, W = x.shape
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        acc = 0.0
        for h in range(H):
            for w in range(W):
                acc += x[n, c, h, w]
        y[n, c] = acc / (H * W)


@njit(nogil=True, cache=True, error_model="numpy")
def _global_avg_pool_bwd(gy, gx, t0, t1):
    N, C, H, W = gx.shape
    for p in range(t0, t1):
        n = p // C
        c = p - n * C
        g = gy[n, c] / (H * W)
        for h in range(H):
            for w in range(W):
                gx[n, c, h, w] = g


# ---- entry points: one task per (n, c) plane, split over the thread pool ----
def max_pool2d_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    run(_max_pool2d_fwd, x.shape[0] * x.shape[1], x.size, x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw)


def max_pool2d_fwd_2x2(x, y, idx):
    run(_max_pool2d_fwd_2x2, x.shape[0] * x.shape[1], x.size, x, y, idx)


def max_pool2d_bwd(gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw):
    run(_max_pool2d_bwd, gy.shape[0] * gy.shape[1], gy.size, gy, idx, gx, kh, kw, sh, sw, ph, pw, dh, dw)


def avg_pool2d_fwd(x, y, kh, kw, sh, sw, ph, pw, count_include_pad):
    run(_avg_pool2d_fwd, x.shape[0] * x.shape[1], x.size, x, y, kh, kw, sh, sw, ph, pw, count_include_pad)


def avg_pool2d_bwd(gy, gx, kh, kw, sh, sw, ph, pw, count_include_pad):
    run(_avg_pool2d_bwd, gy.shape[0] * gy.shape[1], gy.size, gy, gx, kh, kw, sh, sw, ph, pw, count_include_pad)


def adaptive_avg_pool2d_fwd(x, y):
    run(_adaptive_avg_pool2d_fwd, x.shape[0] * x.shape[1], x.size, x, y)


def adaptive_avg_pool2d_bwd(gy, gx):
    run(_adaptive_avg_pool2d_bwd, gy.shape[0] * gy.shape[1], gy.size, gy, gx)


def global_avg_pool_fwd(x, y):
    run(_global_avg_pool_fwd, x.shape[0] * x.shape[1], x.size, x, y)


def global_avg_pool_bwd(gy, gx):
    run(_global_avg_pool_bwd, gy.shape[0] * gy.shape[1], gy.size, gy, gx)
