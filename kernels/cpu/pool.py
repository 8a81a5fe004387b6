"""2-D pooling on the CPU (Numba): max (values + argmax), average, adaptive average, global average.

The entry points take NCHW arrays and the flat window ``(kh, kw, sh, sw, ph, pw, dh, dw)`` of a checked
``Pool2dParams``; the kernels see them as (N*C, H, W) stacks of planes, one task per plane, tasks split
over a thread pool (``kernels.cpu._threads``).  Max pooling records, per output, the flat index
``h * W + w`` of the chosen input inside its plane (int32); a NaN in a window wins, as in PyTorch.
Backward passes write each gradient plane from one task, summing contributions in a fixed order, so they
are deterministic (the CUDA twins do the same as one-thread-per-input gathers).

Window bounds follow PyTorch: a window starts at ``o * s - p`` and spans ``(k - 1) * d + 1`` inputs;
average pooling divides by the window size clipped to the padded input (``count_include_pad=True``) or by
the number of real inputs in it (``count_include_pad=False``).  Average and adaptive average pooling are one
pair of kernels over per-axis windows (``_window``: mode ``_AVG`` or ``_ADAPTIVE``).

Fast paths are capabilities this twin declares in ``MAX_POOL2D_FWD_FAST_PATHS``, a table of
``(applies, kernel)`` entries tried in order before the general kernel (the CUDA twin has none).
"""
import math

from numba import njit

from kernels.cpu._threads import run

_AVG, _ADAPTIVE = 0, 1
_JIT = dict(nogil=True, cache=True, error_model="numpy")


@njit(**_JIT)
def _max_pool2d_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw, t0, t1):
    P, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    for p in range(t0, t1):
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
                        v = x[p, h, w]
                        if v > best or arg < 0 or v != v:
                            best = v
                            arg = h * W + w
                            if v != v:
                                break
                    if best != best:
                        break
                y[p, oh, ow] = best
                idx[p, oh, ow] = arg


@njit(inline="always", error_model="numpy")
def _better(v, a, best, arg):
    """(value, index) after candidate ``v`` at ``a``: a larger value or a NaN wins, and a NaN stays."""
    if (v > best or v != v) and best == best:
        return v, a
    return best, arg


@njit(**_JIT)
def _max_pool2d_fwd_2x2(x, y, idx, t0, t1):
    """The common 2x2 / stride 2 / no padding case, unrolled."""
    W = x.shape[2]
    OH, OW = y.shape[1], y.shape[2]
    for p in range(t0, t1):
        for oh in range(OH):
            h = 2 * oh
            for ow in range(OW):
                w = 2 * ow
                best, arg = x[p, h, w], h * W + w
                best, arg = _better(x[p, h, w + 1], h * W + w + 1, best, arg)
                best, arg = _better(x[p, h + 1, w], (h + 1) * W + w, best, arg)
                best, arg = _better(x[p, h + 1, w + 1], (h + 1) * W + w + 1, best, arg)
                y[p, oh, ow] = best
                idx[p, oh, ow] = arg


@njit(**_JIT)
def _max_pool2d_bwd(gy, idx, gx, t0, t1):
    """``gx`` planes from ``gy`` and the argmax indexes; each plane written by one task."""
    P, H, W = gx.shape
    OH, OW = gy.shape[1], gy.shape[2]
    for p in range(t0, t1):
        plane = gx[p].reshape(H * W)
        plane[:] = 0
        for oh in range(OH):
            for ow in range(OW):
                a = idx[p, oh, ow]
                if a >= 0:
                    plane[a] += gy[p, oh, ow]


@njit(inline="always", error_model="numpy")
def _window(mode, o, k, s, p, size, out, include_pad):
    """[lo, hi) of output ``o``'s window along one axis and its share of the divisor: for _AVG the window
    starting at ``o * s - p`` clipped to the input (divisor: its span clipped to the padded input, or the
    real inputs); for _ADAPTIVE PyTorch's [floor(o * size / out), ceil((o + 1) * size / out))."""
    if mode == _ADAPTIVE:
        lo, hi = (o * size) // out, ((o + 1) * size + out - 1) // out
        return lo, hi, hi - lo
    start = o * s - p
    end = min(start + k, size + p)
    lo, hi = max(start, 0), min(end, size)
    return lo, hi, (end - start) if include_pad else (hi - lo)


@njit(**_JIT)
def _window_avg_fwd(x, y, mode, kh, kw, sh, sw, ph, pw, include_pad, t0, t1):
    P, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    for p in range(t0, t1):
        for oh in range(OH):
            h0, h1, hdiv = _window(mode, oh, kh, sh, ph, H, OH, include_pad)
            for ow in range(OW):
                w0, w1, wdiv = _window(mode, ow, kw, sw, pw, W, OW, include_pad)
                acc = 0.0
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        acc += x[p, h, w]
                div = hdiv * wdiv
                y[p, oh, ow] = acc / div if div > 0 else 0.0


@njit(**_JIT)
def _window_avg_bwd(gy, gx, mode, kh, kw, sh, sw, ph, pw, include_pad, t0, t1):
    P, H, W = gx.shape
    OH, OW = gy.shape[1], gy.shape[2]
    for p in range(t0, t1):
        gx[p] = 0
        for oh in range(OH):
            h0, h1, hdiv = _window(mode, oh, kh, sh, ph, H, OH, include_pad)
            for ow in range(OW):
                w0, w1, wdiv = _window(mode, ow, kw, sw, pw, W, OW, include_pad)
                div = hdiv * wdiv
                if div <= 0:
                    continue
                g = gy[p, oh, ow] / div
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[p, h, w] += g


@njit(**_JIT)
def _global_avg_pool_fwd(x, y, t0, t1):
    """``y[p] = mean(x[p])`` over each plane (accumulated in float64)."""
    for p in range(t0, t1):
        acc = 0.0
        for h in range(x.shape[1]):
            for w in range(x.shape[2]):
                acc += x[p, h, w]
        y[p] = acc / (x.shape[1] * x.shape[2])


@njit(**_JIT)
def _global_avg_pool_bwd(gy, gx, t0, t1):
    for p in range(t0, t1):
        gx[p] = gy[p] / (gx.shape[1] * gx.shape[2])


def _planes(a):
    """An NCHW array as its (N*C, H, W) stack of planes (a view)."""
    n, c, h, w = a.shape
    return a.reshape(n * c, h, w)


def _over_planes(kernel, a, *args):
    run(kernel, a.shape[0] * a.shape[1], a.size, *args)


def _is_2x2_stride2(x, y, window):
    return window == (2, 2, 2, 2, 0, 0, 1, 1) and 2 * y.shape[2] <= x.shape[2] and 2 * y.shape[3] <= x.shape[3]


def _max_pool2d_fwd_2x2_planes(x, y, idx, window):
    _over_planes(_max_pool2d_fwd_2x2, x, _planes(x), _planes(y), _planes(idx))


MAX_POOL2D_FWD_FAST_PATHS = ((_is_2x2_stride2, _max_pool2d_fwd_2x2_planes),)


# ---- entry points (same names and signatures as kernels.cuda.pool) ----
def max_pool2d_fwd(x, y, idx, window):
    for applies, fast in MAX_POOL2D_FWD_FAST_PATHS:
        if applies(x, y, window):
            return fast(x, y, idx, window)
    _over_planes(_max_pool2d_fwd, x, _planes(x), _planes(y), _planes(idx), *window)


def max_pool2d_bwd(gy, idx, gx, window):
    """The window is unused here (the CUDA twin's gather needs it)."""
    _over_planes(_max_pool2d_bwd, gy, _planes(gy), _planes(idx), _planes(gx))


def avg_pool2d_fwd(x, y, window, include_pad):
    _over_planes(_window_avg_fwd, x, _planes(x), _planes(y), _AVG, *window[:6], bool(include_pad))


def avg_pool2d_bwd(gy, gx, window, include_pad):
    _over_planes(_window_avg_bwd, gy, _planes(gy), _planes(gx), _AVG, *window[:6], bool(include_pad))


def adaptive_avg_pool2d_fwd(x, y):
    _over_planes(_window_avg_fwd, x, _planes(x), _planes(y), _ADAPTIVE, 1, 1, 1, 1, 0, 0, True)


def adaptive_avg_pool2d_bwd(gy, gx):
    _over_planes(_window_avg_bwd, gy, _planes(gy), _planes(gx), _ADAPTIVE, 1, 1, 1, 1, 0, 0, True)


def global_avg_pool_fwd(x, y):
    _over_planes(_global_avg_pool_fwd, x, _planes(x), y.reshape(-1))


def global_avg_pool_bwd(gy, gx):
    _over_planes(_global_avg_pool_bwd, gx, gy.reshape(-1), _planes(gx))
