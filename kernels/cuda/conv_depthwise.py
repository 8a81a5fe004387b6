"""CUDA twins of ``kernels.cpu.conv_depthwise`` (same names and signatures; semantics in that module).

Grid-stride kernels (``kernels.cuda._launch``) reading the unpadded input with bounds checks: the forward
is one thread per output; the input gradient a gather, one thread per input element visiting, in a fixed
order, every output of its m filters whose window covers it (no atomics, deterministic); the weight
gradient one thread per (sample, weight) partial sum over the output plane, then a sum over the batch.
Sums accumulate in the array's own dtype (a typed ``zero`` argument starts them).
"""
from numba import cuda

import kernels as _k
from kernels.cuda._launch import launch, unflat4


@cuda.jit(device=True, inline=True)
def _source(out, tap, stride, pad, dilation, size):
    """The input index output ``out`` reads through kernel tap ``tap`` along one axis, or -1 in the padding."""
    k = out * stride - pad + tap * dilation
    return k if 0 <= k < size else -1


@cuda.jit(cache=True)
def _forward(x, w, b, y, m, kh, kw, sh, sw, ph, pw, dh, dw):
    N, C_out, OH, OW = y.shape
    H, W = x.shape[2], x.shape[3]
    for t in range(cuda.grid(1), N * C_out * OH * OW, cuda.gridsize(1)):
        n, o, i, j = unflat4(t, C_out, OH, OW)
        c = o // m
        acc = b[o]
        for a in range(kh):
            h = _source(i, a, sh, ph, dh, H)
            if h < 0:
                continue
            for bb in range(kw):
                v = _source(j, bb, sw, pw, dw, W)
                if v >= 0:
                    acc += w[o, a, bb] * x[n, c, h, v]
        y[n, o, i, j] = acc


@cuda.jit(cache=True)
def _input_grad(gy, w, gx, m, kh, kw, sh, sw, ph, pw, dh, dw, zero):
    N, C, H, W = gx.shape
    OH, OW = gy.shape[2], gy.shape[3]
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        n, c, h, v = unflat4(t, C, H, W)
        acc = zero
        for a in range(kh):
            num = h + ph - a * dh
            if num < 0 or num % sh != 0 or num // sh >= OH:
                continue
            i = num // sh
            for bb in range(kw):
                num2 = v + pw - bb * dw
                if num2 < 0 or num2 % sw != 0 or num2 // sw >= OW:
                    continue
                j = num2 // sw
                for o in range(c * m, c * m + m):
                    acc += w[o, a, bb] * gy[n, o, i, j]
        gx[n, c, h, v] = acc


@cuda.jit(cache=True)
def _weight_grad_partials(gy, x, parts, m, kh, kw, sh, sw, ph, pw, dh, dw, zero):
    N, C_out = parts.shape[0], parts.shape[1]
    H, W = x.shape[2], x.shape[3]
    OH, OW = gy.shape[2], gy.shape[3]
    for t in range(cuda.grid(1), N * C_out * kh * kw, cuda.gridsize(1)):
        n, o, a, bb = unflat4(t, C_out, kh, kw)
        c = o // m
        acc = zero
        for i in range(OH):
            h = _source(i, a, sh, ph, dh, H)
            if h < 0:
                continue
            for j in range(OW):
                v = _source(j, bb, sw, pw, dw, W)
                if v >= 0:
                    acc += gy[n, o, i, j] * x[n, c, h, v]
        parts[n, o, a, bb] = acc


def _flat(pa):
    kh, kw, sh, sw, ph, pw, dh, dw = pa.p
    return pa.w_shape[0] // pa.x_shape[1], kh, kw, sh, sw, ph, pw, dh, dw


def forward(x, w, b, pa):
    xp, co = _k.array_module(x), pa.w_shape[0]
    y = xp.empty(pa.y_shape, dtype=x.dtype)
    bias = b if b is not None else xp.zeros(co, dtype=x.dtype)
    launch(_forward, y.size, x, x, w.reshape(co, *pa.kernel_size), bias, y, *_flat(pa))
    return y


def input_grad(gy, w, pa):
    gx = _k.array_module(gy).empty(pa.x_shape, dtype=gy.dtype)
    launch(_input_grad, gx.size, gy, gy, w.reshape(pa.w_shape[0], *pa.kernel_size), gx, *_flat(pa),
           gy.dtype.type(0))
    return gx


def weight_grad(gy, x, pa):
    co = pa.w_shape[0]
    parts = _k.array_module(gy).empty((pa.x_shape[0], co) + pa.kernel_size, dtype=gy.dtype)
    launch(_weight_grad_partials, parts.size, gy, gy, x, parts, *_flat(pa), gy.dtype.type(0))
    return parts.sum(axis=0).reshape(pa.w_shape)
