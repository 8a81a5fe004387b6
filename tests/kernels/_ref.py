"""Plain NumPy float64 references for the kernel tests (slow, obviously correct loops)."""
import numpy as np


def out_size(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """Cross-correlation in float64: sum over taps of shifted, strided input slices."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, wd = x.shape
    co, _, kh, kw = w.shape
    oh, ow = out_size(h, kh, sh, ph, dh), out_size(wd, kw, sw, pw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    y = np.zeros((n, co, oh, ow))
    for i in range(kh):
        for j in range(kw):
            sl = xp[:, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw]
            y += np.einsum("nchw,oc->nohw", sl, w[:, :, i, j])
    if b is not None:
        y += np.asarray(b, np.float64)[None, :, None, None]
    return y


def conv2d_grads(gy, x, w, stride, padding, dilation):
    """(gx, gw, gb) by the same tap decomposition, adjointed."""
    gy = np.asarray(gy, np.float64)
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, wd = x.shape
    co, _, kh, kw = w.shape
    oh, ow = gy.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(w)
    for i in range(kh):
        for j in range(kw):
            idx = (slice(None), slice(None), slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                   slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))
            gw[:, :, i, j] = np.einsum("nohw,nchw->oc", gy, xp[idx])
            gxp[idx] += np.einsum("nohw,oc->nchw", gy, w[:, :, i, j])
    gx = gxp[:, :, ph : ph + h, pw : pw + wd]
    return gx, gw, gy.sum(axis=(0, 2, 3))


def pool_out(size, k, s, p, d, ceil):
    num = size + 2 * p - d * (k - 1) - 1
    if ceil:
        o = -(-num // s) + 1
        if (o - 1) * s >= size + p:
            o -= 1
        return o
    return num // s + 1


def max_pool2d(x, k, s, p, d, ceil):
    """(values, flat argmax) by explicit windows, float64."""
    x = np.asarray(x, np.float64)
    n, c, h, w = x.shape
    oh, ow = pool_out(h, k[0], s[0], p[0], d[0], ceil), pool_out(w, k[1], s[1], p[1], d[1], ceil)
    y = np.empty((n, c, oh, ow))
    idx = np.empty((n, c, oh, ow), np.int64)
    for i in range(oh):
        for j in range(ow):
            hs = [i * s[0] - p[0] + a * d[0] for a in range(k[0])]
            ws = [j * s[1] - p[1] + b * d[1] for b in range(k[1])]
            cand = [(hh, ww) for hh in hs for ww in ws if 0 <= hh < h and 0 <= ww < w]
            vals = np.stack([x[:, :, hh, ww] for hh, ww in cand], -1)
            am = vals.argmax(-1)
            y[:, :, i, j] = vals.max(-1)
            flat = np.array([hh * w + ww for hh, ww in cand])
            idx[:, :, i, j] = flat[am]
    return y, idx


def avg_pool2d(x, k, s, p, ceil, include_pad=True):
    x = np.asarray(x, np.float64)
    n, c, h, w = x.shape
    oh, ow = pool_out(h, k[0], s[0], p[0], 1, ceil), pool_out(w, k[1], s[1], p[1], 1, ceil)
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            span = (h1 - h0) * (w1 - w0)
            a0, b0, a1, b1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            tot = x[:, :, a0:a1, b0:b1].sum(axis=(2, 3))
            y[:, :, i, j] = tot / (span if include_pad else (a1 - a0) * (b1 - b0))
    return y
