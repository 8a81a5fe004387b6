"""CUDA twins of ``kernels.cpu.batchnorm`` (same names, signatures, (N, C, S) layout and numerics).

One block per channel: its threads stride over the channel's ``N * S`` values, each keeping float64
partial sums (wider than float32 on purpose: the CPU twin sums in float64 too, so the twins agree, and a
channel's mean and variance over N * S values lose digits in float32; the elementwise pass is float32),
then a shared-memory tree reduction (a fixed order, no atomics: deterministic).  Thread
0 writes the channel's statistics and coefficients to global memory; after a barrier every thread
reads them back in the compute dtype and runs the elementwise pass.  As on the CPU, the mean is split
``hi + lo`` for the forward, and the training backward recovers the exact mean as ``hi + sum(x - hi) / n``.
"""
import math

from numba import config, cuda, float64

from kernels.cuda._launch import launch_kernel

_BT = 4 if config.ENABLE_CUDASIM else 256  # threads per channel (few under the simulator: it starts a thread for each)


@cuda.jit(device=True)
def _block_sums(buf, a, b, c):
    """Sums of ``a``, ``b``, ``c`` over the block (one tree, a fixed order); every thread gets them."""
    tid = cuda.threadIdx.x
    buf[0, tid] = a
    buf[1, tid] = b
    buf[2, tid] = c
    cuda.syncthreads()
    s = _BT // 2
    while s > 0:
        if tid < s:
            for r in range(3):
                buf[r, tid] += buf[r, tid + s]
        cuda.syncthreads()
        s //= 2
    ra, rb, rc = buf[0, 0], buf[1, 0], buf[2, 0]
    cuda.syncthreads()
    return ra, rb, rc


@cuda.jit(device=True)
def _channel_mean_var(x3, c, tid, buf):
    N, _, S = x3.shape
    n = N * S
    s = float64(0.0)
    for e in range(tid, n, _BT):
        k = e // S
        s += float64(x3[k, c, e - k * S])
    m = _block_sums(buf, s, 0.0, 0.0)[0] / n
    ss = float64(0.0)
    for e in range(tid, n, _BT):
        k = e // S
        d = float64(x3[k, c, e - k * S]) - m
        ss += d * d
    return m, _block_sums(buf, ss, 0.0, 0.0)[0] / n


@cuda.jit(device=True)
def _channel_affine(x3, y3, coef, c, tid):
    N, _, S = x3.shape
    hi, lo, scale, shift = coef[c, 0], coef[c, 1], coef[c, 2], coef[c, 3]
    for e in range(tid, N * S, _BT):
        k = e // S
        s = e - k * S
        y3[k, c, s] = ((x3[k, c, s] - hi) - lo) * scale + shift


@cuda.jit(cache=True)
def _forward_train(x3, w, b, eps, y3, mean, var, invstd, coef):
    c = cuda.blockIdx.x
    tid = cuda.threadIdx.x
    buf = cuda.shared.array((3, _BT), float64)
    m, v = _channel_mean_var(x3, c, tid, buf)
    if tid == 0:
        istd = 1.0 / math.sqrt(v + eps)
        mean[c] = m
        var[c] = v
        invstd[c] = istd
        coef[c, 0] = m
        coef[c, 1] = m - float64(coef[c, 0])
        coef[c, 2] = float64(w[c]) * istd
        coef[c, 3] = b[c]
    cuda.syncthreads()
    _channel_affine(x3, y3, coef, c, tid)


@cuda.jit(cache=True)
def _forward_affine(x3, y3, coef):
    _channel_affine(x3, y3, coef, cuda.blockIdx.x, cuda.threadIdx.x)


@cuda.jit(device=True)
def _channel_grad_sums(gy3, x3, hi, c, tid, buf):
    """(sum(gy), sum(d), sum(gy * d)) over channel c, d = x - hi."""
    N, _, S = x3.shape
    sg = float64(0.0)
    sd = float64(0.0)
    sgd = float64(0.0)
    for e in range(tid, N * S, _BT):
        k = e // S
        s = e - k * S
        d = x3[k, c, s] - hi
        g = gy3[k, c, s]
        sg += float64(g)
        sd += float64(d)
        sgd += float64(g * d)
    return _block_sums(buf, sg, sd, sgd)


@cuda.jit(cache=True)
def _backward(gy3, x3, w, mean, invstd, training, need_x, need_sums, gx3, gw, gb, coef):
    c = cuda.blockIdx.x
    tid = cuda.threadIdx.x
    N, _, S = x3.shape
    n = N * S
    buf = cuda.shared.array((3, _BT), float64)
    hi = coef[c, 0]
    sg = sd = sgd = float64(0.0)
    if need_sums:
        sg, sd, sgd = _channel_grad_sums(gy3, x3, hi, c, tid, buf)
    if tid == 0:
        istd = float64(invstd[c])
        offset = sd / n if training else float64(mean[c]) - float64(hi)  # the exact mean is hi + offset
        sgxc = sgd - offset * sg  # sum(gy * (x - mean))
        gb[c] = sg
        gw[c] = sgxc * istd
        a = float64(w[c]) * istd
        coef[c, 1] = offset
        coef[c, 2] = a
        coef[c, 3] = -a * istd * istd * sgxc / n if training else 0.0
        coef[c, 4] = -a * sg / n if training else 0.0
    cuda.syncthreads()
    if not need_x:
        return
    offset, a, bx, c0 = coef[c, 1], coef[c, 2], coef[c, 3], coef[c, 4]
    for e in range(tid, n, _BT):
        k = e // S
        s = e - k * S
        if training:
            gx3[k, c, s] = gy3[k, c, s] * a + (((x3[k, c, s] - hi) - offset) * bx + c0)
        else:
            gx3[k, c, s] = gy3[k, c, s] * a


# ---- entry points (same names and signatures as kernels.cpu.batchnorm) ------------------------------
def forward_train(x3, w, b, eps, y3, mean, var, invstd, coef):
    if x3.shape[1]:
        launch_kernel(_forward_train, x3.shape[1], _BT, x3, x3, w, b, float(eps), y3, mean, var, invstd, coef)


def forward_affine(x3, y3, coef):
    if x3.shape[1]:
        launch_kernel(_forward_affine, x3.shape[1], _BT, x3, x3, y3, coef)


def backward(gy3, x3, w, mean, invstd, training, need_x, need_sums, gx3, gw, gb, coef):
    if x3.shape[1]:
        launch_kernel(_backward, x3.shape[1], _BT, x3, gy3, x3, w, mean, invstd, bool(training), bool(need_x),
                      bool(need_sums), gx3, gw, gb, coef)
