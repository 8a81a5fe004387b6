"""CUDA twins of ``kernels.cpu.softmax`` (same names, signatures and (A, K, B) layout).

Last-axis softmax and cross-entropy use one 128-thread block per row: strided partial max / sum per
thread, then a shared-memory tree reduction — a fixed order, so results are deterministic.  Other axes
use one (a, b) column per grid-stride step, looping over K.  The column kernels and the backward accumulate
in the input's dtype (typed ``zero`` / ``neg_inf`` arguments); the row kernels (last-axis softmax and
cross-entropy) reduce through a shared buffer of the input's dtype, one compiled pair per dtype
(``_row_kernels``): float32 rows are summed, and their exp evaluated, in float32.  A cross-entropy label
outside [0, C) gives a NaN loss (and NaN gradient row) and is written into the GPU's host-mapped error
flags (``kernels/cuda/_device_flags.py``), which the engine reads at the next read from the device.
"""
import math

from numba import config, cuda, float32, float64

from kernels import LABEL_OUT_OF_RANGE as _LABEL_OUT_OF_RANGE
from kernels.cuda._launch import launch, launch_kernel

_RT = 32 if config.ENABLE_CUDASIM else 128  # threads per row (fewer under the simulator: it runs each)


@cuda.jit(device=True)
def _block_reduce(buf, v, take_max):
    """The block's maximum (NaN wins) or sum of the threads' ``v``, by a fixed-order tree through ``buf``;
    every thread gets it."""
    tid = cuda.threadIdx.x
    buf[tid] = v
    cuda.syncthreads()
    s = _RT // 2
    while s > 0:
        if tid < s:
            o = buf[tid + s]
            if not take_max:
                buf[tid] += o
            elif o > buf[tid] or o != o:
                buf[tid] = o
        cuda.syncthreads()
        s //= 2
    r = buf[0]
    cuda.syncthreads()
    return r


@cuda.jit(device=True)
def _row_logsumexp(x, row, tid, K, buf, zero, neg_inf):
    """log(sum(exp(x[row, :K]))) around the row maximum, reduced by the whole block (every thread gets it);
    computed in the dtype of ``zero`` / ``buf`` (the input's)."""
    m = neg_inf
    for k in range(tid, K, _RT):
        v = x[row, k]
        if v > m or v != v:
            m = v
    m = _block_reduce(buf, m, True)
    if m == neg_inf:
        m = zero
    s = zero
    for k in range(tid, K, _RT):
        s += math.exp(x[row, k] - m)
    s = _block_reduce(buf, s, False)
    return m + math.log(s)


_ROW_KERNELS = {}


def _row_kernels(dtype):
    """``(rows_fwd, xent_fwd)`` whose shared reduction buffer has ``dtype`` (float32 or float64): a shared
    array's dtype is fixed at compile time, so each dtype gets its own pair, built once (and cached on disk:
    Numba keys a closure's cache entry by its cell contents)."""
    key = str(dtype)
    pair = _ROW_KERNELS.get(key)
    if pair is not None:
        return pair
    acc = float32 if key == "float32" else float64

    @cuda.jit(cache=True)
    def rows_fwd(x, y, log, zero, neg_inf):
        row = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        K = x.shape[1]
        buf = cuda.shared.array(_RT, acc)
        ls = _row_logsumexp(x, row, tid, K, buf, zero, neg_inf)
        for k in range(tid, K, _RT):
            y[row, k] = x[row, k] - ls if log else math.exp(x[row, k] - ls)

    @cuda.jit(cache=True)
    def xent_fwd(x, labels, loss, lse, ignore_index, flags, zero, neg_inf):
        row = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        C = x.shape[1]
        buf = cuda.shared.array(_RT, acc)
        ls = _row_logsumexp(x, row, tid, C, buf, zero, neg_inf)
        if tid == 0:
            lse[row] = ls
            t = labels[row]
            if t == ignore_index:
                loss[row] = zero
            elif t < 0 or t >= C:  # never read x out of bounds: NaN, and the label in the mapped flags
                loss[row] = math.nan
                flags[1] = t
                flags[2] = C
                flags[0] = _LABEL_OUT_OF_RANGE
            else:
                loss[row] = ls - x[row, t]

    pair = _ROW_KERNELS[key] = (rows_fwd, xent_fwd)
    return pair


@cuda.jit(device=True)
def _col_logsumexp(x, a, b, zero, neg_inf):
    """log(sum(exp(x[a, :, b]))) around the column maximum, by one thread, in the dtype of ``zero``."""
    m = neg_inf
    for k in range(x.shape[1]):
        v = x[a, k, b]
        if v > m or v != v:
            m = v
    if m == neg_inf:
        m = zero
    s = zero
    for k in range(x.shape[1]):
        s += math.exp(x[a, k, b] - m)
    return m + math.log(s)


@cuda.jit(cache=True)
def _cols_fwd(x, y, log, zero, neg_inf):
    A, K, B = x.shape
    for t in range(cuda.grid(1), A * B, cuda.gridsize(1)):
        a, b = t // B, t % B
        ls = _col_logsumexp(x, a, b, zero, neg_inf)
        for k in range(K):
            y[a, k, b] = x[a, k, b] - ls if log else math.exp(x[a, k, b] - ls)


def softmax_fwd(x, y, log):
    A, K, B = x.shape
    if x.size == 0:
        return
    if B == 1:
        launch_kernel(_row_kernels(x.dtype)[0], A, _RT, x, x.reshape(A, K), y.reshape(A, K), log,
                      x.dtype.type(0), x.dtype.type(-math.inf))
    else:
        launch(_cols_fwd, A * B, x, x, y, log, x.dtype.type(0), x.dtype.type(-math.inf))


@cuda.jit(cache=True)
def _bwd(gy, y, gx, log, zero):
    A, K, B = y.shape
    for t in range(cuda.grid(1), A * B, cuda.gridsize(1)):
        a, b = t // B, t % B
        d = zero
        for k in range(K):
            d += gy[a, k, b] if log else gy[a, k, b] * y[a, k, b]
        for k in range(K):
            if log:
                gx[a, k, b] = gy[a, k, b] - math.exp(y[a, k, b]) * d
            else:
                gx[a, k, b] = y[a, k, b] * (gy[a, k, b] - d)


def softmax_bwd(gy, y, gx, log):
    A, K, B = y.shape
    if y.size == 0:
        return
    launch(_bwd, A * B, y, gy, y, gx, log, y.dtype.type(0))


def xent_fwd(x, labels, loss, lse, ignore_index, flags):
    if x.shape[0]:
        launch_kernel(_row_kernels(x.dtype)[1], x.shape[0], _RT, x, x, labels, loss, lse, ignore_index, flags,
                      x.dtype.type(0), x.dtype.type(-math.inf))


@cuda.jit(cache=True)
def _xent_bwd(g, x, labels, lse, gx, ignore_index):
    N, C = x.shape
    for t in range(cuda.grid(1), N * C, cuda.gridsize(1)):
        n = t // C
        c = t % C
        lab = labels[n]
        if lab == ignore_index:
            gx[n, c] = 0
            continue
        if lab < 0 or lab >= C:  # flagged by the forward: a NaN row, never a silent finite gradient
            gx[n, c] = math.nan
            continue
        v = g[n] * math.exp(x[n, c] - lse[n])
        if c == lab:
            v -= g[n]
        gx[n, c] = v


def xent_bwd(g, x, labels, lse, gx, ignore_index):
    if x.size == 0:
        return
    launch(_xent_bwd, x.size, x, g, x, labels, lse, gx, ignore_index)



@cuda.jit(cache=True)
def _flag_labels(labels, classes, ignore_index, flags, code):
    for t in range(cuda.grid(1), labels.size, cuda.gridsize(1)):
        lab = labels[t]
        if lab != ignore_index and (lab < 0 or lab >= classes):
            flags[1] = lab
            flags[2] = classes
            flags[0] = code


def flag_labels(labels, classes, ignore_index, flags, code):
    launch(_flag_labels, labels.size, labels, labels, classes, ignore_index, flags, code)
