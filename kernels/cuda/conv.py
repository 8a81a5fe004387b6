"""CUDA twins of ``kernels.cpu.conv`` (same names, signatures and layouts; see that module).

One output element per loop step everywhere (grid-stride loops, see ``kernels.cuda._launch``).
``col2im_nhwc`` is a gather: each step owns one element of the padded NHWC gradient and sums, in a fixed
(i, j) order, the column entries that point at it, so the result is deterministic (no atomics); the sum
starts from a typed ``zero`` argument, so float32 gradients accumulate in float32.
"""
from numba import cuda

from kernels.cuda._launch import launch


@cuda.jit(cache=True)
def _nchw_to_nhwc_padded(x, out, n0, m_count, ph, pw):
    C = x.shape[1]
    H = x.shape[2]
    W = x.shape[3]
    Hp = out.shape[1]
    Wp = out.shape[2]
    for t in range(cuda.grid(1), m_count * Hp * Wp * C, cuda.gridsize(1)):
        c = t % C
        r = t // C
        wp = r % Wp
        r //= Wp
        hp = r % Hp
        m = r // Hp
        h = hp - ph
        w = wp - pw
        if h >= 0 and h < H and w >= 0 and w < W:
            out[m, hp, wp, c] = x[n0 + m, c, h, w]
        else:
            out[m, hp, wp, c] = 0


def nchw_to_nhwc_padded(x, out, n0, n1, ph, pw):
    n = (n1 - n0) * out.shape[1] * out.shape[2] * out.shape[3]
    launch(_nchw_to_nhwc_padded, n, x, x, out, n0, n1 - n0, ph, pw)


@cuda.jit(cache=True)
def _nhwc_padded_to_nchw(src, x, n0, m_count, ph, pw):
    C = x.shape[1]
    H = x.shape[2]
    W = x.shape[3]
    for t in range(cuda.grid(1), m_count * C * H * W, cuda.gridsize(1)):
        w = t % W
        r = t // W
        h = r % H
        r //= H
        c = r % C
        m = r // C
        x[n0 + m, c, h, w] = src[m, h + ph, w + pw, c]


def nhwc_padded_to_nchw(src, x, n0, n1, ph, pw):
    n = (n1 - n0) * x.shape[1] * x.shape[2] * x.shape[3]
    launch(_nhwc_padded_to_nchw, n, x, src, x, n0, n1 - n0, ph, pw)


@cuda.jit(cache=True)
def _im2col_nhwc(xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW):
    C = xh.shape[3]
    K = kh * kw * C
    for t in range(cuda.grid(1), (r1 - r0) * OW * K, cuda.gridsize(1)):
        k = t % K
        row = t // K
        c = k % C
        j = (k // C) % kw
        i = k // (C * kw)
        ow = row % OW
        r = r0 + row // OW
        n = r // OH
        oh = r - n * OH
        out[row, k] = xh[n - n_base, oh * sh + i * dh, ow * sw + j * dw, c]


def im2col_nhwc(xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW):
    n = (r1 - r0) * OW * kh * kw * xh.shape[3]
    launch(_im2col_nhwc, n, xh, xh, n_base, out, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW)


@cuda.jit(cache=True)
def _col2im_nhwc(cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, zero_first, m_lo, m_count, zero):
    Hp = gxh.shape[1]
    Wp = gxh.shape[2]
    C = gxh.shape[3]
    for t in range(cuda.grid(1), m_count * Hp * Wp * C, cuda.gridsize(1)):
        c = t % C
        q = t // C
        wp = q % Wp
        q //= Wp
        hp = q % Hp
        m = m_lo + q // Hp
        n = n_base + m
        acc = zero
        for i in range(kh):
            num = hp - i * dh
            if num < 0 or num % sh != 0:
                continue
            oh = num // sh
            if oh >= OH:
                continue
            r = n * OH + oh
            if r < r0 or r >= r1:
                continue
            for j in range(kw):
                num2 = wp - j * dw
                if num2 < 0 or num2 % sw != 0:
                    continue
                ow = num2 // sw
                if ow >= OW:
                    continue
                acc += cols[(r - r0) * OW + ow, (i * kw + j) * C + c]
        if zero_first:
            gxh[m, hp, wp, c] = acc
        else:
            gxh[m, hp, wp, c] += acc


def col2im_nhwc(cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, zero_first):
    n0 = r0 // OH
    n1 = (r1 - 1) // OH + 1
    m_lo = n0 - n_base
    n = (n1 - n0) * gxh.shape[1] * gxh.shape[2] * gxh.shape[3]
    launch(_col2im_nhwc, n, cols, cols, gxh, n_base, r0, r1, kh, kw, sh, sw, dh, dw, OH, OW, bool(zero_first),
           m_lo, n1 - n0, gxh.dtype.type(0))


@cuda.jit(cache=True)
def _rows_to_nchw(src, y, bias, has_bias, r0, r1, OH, OW):
    Co = y.shape[1]
    for t in range(cuda.grid(1), (r1 - r0) * Co * OW, cuda.gridsize(1)):
        ow = t % OW
        q = t // OW
        co = q % Co
        r = r0 + q // Co
        n = r // OH
        oh = r - n * OH
        v = src[(r - r0) * OW + ow, co]
        if has_bias:
            v += bias[co]
        y[n, co, oh, ow] = v


def rows_to_nchw(src, y, bias, r0, r1, OH, OW):
    n = (r1 - r0) * y.shape[1] * OW
    launch(_rows_to_nchw, n, src, src, y, bias if bias.shape[0] else src[:1, 0], bias.shape[0] > 0, r0, r1, OH, OW)


def workers(fmas=None) -> int:
    """How many chunks the driver should run at once: one (each chunk's kernels fill the GPU)."""
    return 1


def map_chunks(body, chunks):
    """``[body(c) for c in chunks]`` in order on the calling thread (the CPU twin shares them out)."""
    return [body(c) for c in chunks]
