"""CUDA twins of ``kernels.cpu.batchnorm`` (same names, signatures, (N, C, S) layout and numerics).

Each channel's ``n = N * S`` values are spread over many blocks, in two stages (a single block per channel
left 16 blocks for 132 SMs at (128, 16, 32, 32)):

1. partial sums: a 1-D grid of ``C * chunks`` blocks (``channel_chunks`` sizes it to fill the GPU); block
   ``(c, k)`` reduces chunk ``k`` of channel ``c``: each thread keeps float64 partial sums over a stride of
   the chunk, then a shared-memory tree (a fixed order, no atomics: deterministic) gives the block's sums,
   written to ``part[c, k]``;
2. finalize: one thread per channel adds its chunks' sums in order and writes the statistics and the
   per-channel coefficients (``coef``, compute dtype);

then one grid-stride elementwise pass (the affine output, or the input gradient) over all values.

Sums are float64 on purpose (the CPU twin's are too, so the twins agree, and a channel's mean and variance
over N * S values lose digits in float32); the elementwise passes run in the compute dtype (float32 math for
float32).  The forward's sums are shifted: ``sum(x - K)`` and ``sum((x - K)^2)`` with ``K`` the channel's
first value, so the variance ``sum((x - K)^2) / n - (sum(x - K) / n)^2`` does not cancel for data far from
zero (1e4 + noise).  As on the CPU, the mean is split ``hi + lo`` for the forward, and the training backward
sums ``d = x - hi`` and recovers the exact mean as ``hi + sum(d) / n``.
"""
import math

from numba import config, cuda, float64

import kernels
from kernels.cuda import _launch

_BT = 4 if config.ENABLE_CUDASIM else 256  # threads per block (few under the simulator: a thread each)
TARGET_BLOCKS = 8 if config.ENABLE_CUDASIM else 1024  # blocks per reduction: ~8 per SM on a 132-SM GPU
MIN_PER_THREAD = 2 if config.ENABLE_CUDASIM else 8  # values each thread sums at least


def channel_chunks(n, channels, threads=None, target=None, per_thread=None):
    """Blocks each channel's ``n`` values are spread over: enough for ``target`` blocks in all, but no
    fewer than ``per_thread`` values per thread; 1 for empty inputs (defaults: this module's constants)."""
    threads = _BT if threads is None else threads
    target = TARGET_BLOCKS if target is None else target
    per_thread = MIN_PER_THREAD if per_thread is None else per_thread
    by_work = -(-int(n) // (threads * per_thread))
    by_fill = -(-int(target) // max(int(channels), 1))
    return max(1, min(by_work, by_fill))


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
    return buf[0, 0], buf[1, 0], buf[2, 0]


@cuda.jit(device=True, inline=True)
def _unflat3(t, C, S):
    """(k, c, s) of flat index ``t`` into a C-contiguous (N, C, S) array."""
    q = t // S
    return q // C, q % C, t - q * S


@cuda.jit(device=True, inline=True)
def _chunk(n, chunks):
    """(channel, first, end) of this block's chunk of its channel's ``n`` values."""
    b = cuda.blockIdx.x
    c = b // chunks
    k = b - c * chunks
    return c, k, (k * n) // chunks, ((k + 1) * n) // chunks


@cuda.jit(cache=True)
def _partial_moments(x3, chunks, part):
    """part[c, k] = (sum(x - K), sum((x - K)^2)) over chunk k of channel c, K = x3[0, c, 0]."""
    N, _, S = x3.shape
    c, k, e0, e1 = _chunk(N * S, chunks)
    shift = float64(x3[0, c, 0])
    s1 = float64(0.0)
    s2 = float64(0.0)
    for e in range(e0 + cuda.threadIdx.x, e1, _BT):
        q = e // S
        d = float64(x3[q, c, e - q * S]) - shift
        s1 += d
        s2 += d * d
    buf = cuda.shared.array((3, _BT), float64)
    t1, t2, _ = _block_sums(buf, s1, s2, 0.0)
    if cuda.threadIdx.x == 0:
        part[c, k, 0] = t1
        part[c, k, 1] = t2


@cuda.jit(cache=True)
def _finalize_forward(part, x3, w, b, eps, mean, var, invstd, coef):
    N, C, S = x3.shape
    n = N * S
    for c in range(cuda.grid(1), C, cuda.gridsize(1)):
        s1 = float64(0.0)
        s2 = float64(0.0)
        for k in range(part.shape[1]):
            s1 += part[c, k, 0]
            s2 += part[c, k, 1]
        d = s1 / n
        m = float64(x3[0, c, 0]) + d
        v = max(s2 / n - d * d, 0.0)
        istd = 1.0 / math.sqrt(v + eps)
        mean[c] = m
        var[c] = v
        invstd[c] = istd
        coef[c, 0] = m
        coef[c, 1] = m - float64(coef[c, 0])
        coef[c, 2] = float64(w[c]) * istd
        coef[c, 3] = b[c]


@cuda.jit(cache=True)
def _affine(x3, y3, coef):
    N, C, S = x3.shape
    for t in range(cuda.grid(1), N * C * S, cuda.gridsize(1)):
        k, c, s = _unflat3(t, C, S)
        y3[k, c, s] = ((x3[k, c, s] - coef[c, 0]) - coef[c, 1]) * coef[c, 2] + coef[c, 3]


@cuda.jit(cache=True)
def _partial_grad_sums(gy3, x3, coef, chunks, part):
    """part[c, k] = (sum(gy), sum(d), sum(gy * d)) over chunk k of channel c, d = x - coef[c, 0]."""
    N, _, S = x3.shape
    c, k, e0, e1 = _chunk(N * S, chunks)
    hi = coef[c, 0]
    sg = float64(0.0)
    sd = float64(0.0)
    sgd = float64(0.0)
    for e in range(e0 + cuda.threadIdx.x, e1, _BT):
        q = e // S
        s = e - q * S
        d = x3[q, c, s] - hi
        g = gy3[q, c, s]
        sg += float64(g)
        sd += float64(d)
        sgd += float64(g * d)
    buf = cuda.shared.array((3, _BT), float64)
    t1, t2, t3 = _block_sums(buf, sg, sd, sgd)
    if cuda.threadIdx.x == 0:
        part[c, k, 0] = t1
        part[c, k, 1] = t2
        part[c, k, 2] = t3


@cuda.jit(cache=True)
def _finalize_backward(part, n, w, mean, invstd, training, gw, gb, coef):
    for c in range(cuda.grid(1), coef.shape[0], cuda.gridsize(1)):
        sg = float64(0.0)
        sd = float64(0.0)
        sgd = float64(0.0)
        for k in range(part.shape[1]):
            sg += part[c, k, 0]
            sd += part[c, k, 1]
            sgd += part[c, k, 2]
        istd = float64(invstd[c])
        offset = sd / n if training else float64(mean[c]) - float64(coef[c, 0])  # the exact mean is hi + offset
        sgxc = sgd - offset * sg  # sum(gy * (x - mean))
        gb[c] = sg
        gw[c] = sgxc * istd
        a = float64(w[c]) * istd
        coef[c, 1] = offset
        coef[c, 2] = a
        coef[c, 3] = -a * istd * istd * sgxc / n if training else 0.0
        coef[c, 4] = -a * sg / n if training else 0.0


@cuda.jit(cache=True)
def _input_grad(gy3, x3, coef, training, gx3):
    N, C, S = x3.shape
    for t in range(cuda.grid(1), N * C * S, cuda.gridsize(1)):
        k, c, s = _unflat3(t, C, S)
        if training:
            gx3[k, c, s] = gy3[k, c, s] * coef[c, 2] + (((x3[k, c, s] - coef[c, 0]) - coef[c, 1]) * coef[c, 3]
                                                        + coef[c, 4])
        else:
            gx3[k, c, s] = gy3[k, c, s] * coef[c, 2]


def _partials(kernel, x3, width, *args):
    """Stage 1 of a reduction: ``kernel`` over ``C * chunks`` blocks into a (C, chunks, width) float64 array."""
    N, C, S = x3.shape
    chunks = channel_chunks(N * S, C)
    part = kernels.array_module(x3).empty((C, chunks, width), dtype="float64")
    _launch.launch_kernel(kernel, C * chunks, _BT, x3, *args, chunks, part)
    return part


# ---- entry points (same names and signatures as kernels.cpu.batchnorm) ------------------------------
def forward_train(x3, w, b, eps, y3, mean, var, invstd, coef):
    if not x3.shape[1]:
        return
    part = _partials(_partial_moments, x3, 2, x3)
    _launch.launch(_finalize_forward, x3.shape[1], x3, part, x3, w, b, float(eps), mean, var, invstd, coef)
    _launch.launch(_affine, x3.size, x3, x3, y3, coef)


def forward_affine(x3, y3, coef):
    _launch.launch(_affine, x3.size, x3, x3, y3, coef)


def backward(gy3, x3, w, mean, invstd, training, need_x, need_sums, gx3, gw, gb, coef):
    N, C, S = x3.shape
    if not C:
        return
    if need_sums:
        part = _partials(_partial_grad_sums, x3, 3, gy3, x3, coef)
    else:  # evaluation, input gradient only: the sums are not used
        part = kernels.array_module(x3).zeros((C, 1, 3), dtype="float64")
    _launch.launch(_finalize_backward, C, x3, part, N * S, w, mean, invstd, bool(training), gw, gb, coef)
    if need_x:
        _launch.launch(_input_grad, x3.size, x3, gy3, x3, coef, bool(training), gx3)
