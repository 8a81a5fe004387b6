"""Convolution for layers with few input taps (C * kh * kw small), in the channel-first column layout.

For such layers the NHWC column buffer of ``conv.py`` degenerates into many tiny scattered copies.
Here each sample's patches form a (C * kh * kw, OH * OW) matrix cut by one strided copy; the forward
is one batched GEMM whose result is already NCHW; the weight gradient is one batched GEMM against the
NCHW output gradient.  Any stride and dilation.  Input gradients stay on the NHWC path, whose gather
measured faster.  The batch is split into one run of samples per CPU thread (``map_chunks``).

Most stride-1 layers with kernels larger than 1x1 go to the direct convolution of ``conv_direct.py``
first (2-3x faster on LeNet's c1), and most others with 8+ output channels to the channel-vector
kernel of ``conv_vec.py`` (LeNet's c2 forward: 0.39 against 0.60 ms here, strided stems); what is left
here is 1x1 convolutions (whose columns are the input itself) and few-taps layers with fewer output
channels.
Stride-1 forwards with narrow outputs cut "wide rows" instead of the strided copy (``_forward_wide``:
c2, 0.64 against 0.83 ms at one thread); on wider outputs the two measured the same or the wide rows
lost, hence ``WIDE_MAX_WIDTH``.

Measured here (ms, 2 cores; this path / NHWC path): LeNet c1 64x1x28x28 -> 6 5x5 pad 2: forward 0.51 /
2.93, weight gradient 0.57 / 1.21; LeNet c2 64x6x14x14 -> 16 5x5: forward 0.78 / 1.73 but weight gradient
1.33 / 0.78; CIFAR stem 128x3x32x32 -> 16 3x3: forward 3.7 / 11.1, weight gradient 3.7 / 6.1; with 16
input channels (144 taps) the NHWC path wins everything.  Hence the two thresholds below.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from kernels.cpu._threads import map_chunks, split_evenly, workers

#: forward passes of layers with at most this many taps per output (C * kh * kw) take this path
FORWARD_MAX_TAPS = 160
#: stride-1 forwards with outputs at most this wide use the "wide rows" columns (see _forward_wide)
WIDE_MAX_WIDTH = 16
#: weight-gradient-only backward passes (a first layer: no input gradient) up to this many taps
WEIGHT_GRAD_MAX_TAPS = 64


def applies(taps, column_bytes, budget, backward=False, need_input=False) -> bool:
    """Whether a pass takes this path: few taps, the whole column matrix within the memory budget, and
    for a backward pass only when no input gradient is wanted (the NHWC gather is faster at that)."""
    if column_bytes > budget:
        return False
    if backward:
        return not need_input and taps <= WEIGHT_GRAD_MAX_TAPS
    return taps <= FORWARD_MAX_TAPS


def padded(x, ph, pw):
    """x zero-padded by (ph, pw) on each side (x itself without padding)."""
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x


def columns(x, p, oh, ow):
    """(N, C * kh * kw, OH * OW) patches of x, taps in (c, i, j) order (the weight's own order)."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    xp_ = padded(x, ph, pw)
    n, c = x.shape[:2]
    s = xp_.strides
    view = as_strided(xp_, (n, c, kh, kw, oh, ow), (s[0], s[1], s[2] * dh, s[3] * dw, s[2] * sh, s[3] * sw),
                      writeable=False)
    return view.reshape(n, c * kh * kw, oh * ow)


def _forward_wide(x, w2, p, oh, ow):
    """Stride 1: the GEMM runs over "wide" rows of the padded input, (OH - 1) * Wp + OW positions per
    tap (the OW valid outputs of each row plus Wp - OW that straddle two rows), so each tap's columns
    are one contiguous run of the padded plane: a few long copies instead of OH * C * kh * kw runs of
    OW values.  The straddling outputs are computed and dropped.  Returns a (N, C_out, OH, OW) view."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    xq = padded(x, ph, pw)
    n, c, hq, wq = xq.shape
    length = (oh - 1) * wq + ow
    s = xq.strides
    taps = as_strided(xq, (n, c, kh, kw, length), (s[0], s[1], s[2] * dh, s[3] * dw, s[3]), writeable=False)
    yw = np.matmul(w2, taps.reshape(n, c * kh * kw, length))
    t = yw.strides
    return as_strided(yw, (n, w2.shape[0], oh, ow), (t[0], t[1], wq * t[2], t[2]), writeable=False)


def _groups(n, fmas):
    """Sample ranges, one run of them per CPU thread worth using (``map_chunks`` gives each its own)."""
    nt = workers(fmas)
    step = split_evenly(n, max(1, -(-n // nt)), nt)
    return [(n0, min(n, n0 + step)) for n0 in range(0, n, step)]


def forward(x, w, b, p, oh, ow):
    """conv2d(x, w) + b as one batched GEMM of the weights with each sample's columns (already NCHW)."""
    n, co = x.shape[0], w.shape[0]
    w2 = w.reshape(co, -1)
    y = np.empty((n, co, oh * ow), x.dtype)

    def group(rng):
        n0, n1 = rng
        if p[2] == p[3] == 1 and ow <= WIDE_MAX_WIDTH:
            y[n0:n1].reshape(n1 - n0, co, oh, ow)[...] = _forward_wide(x[n0:n1], w2, p, oh, ow)
        else:
            np.matmul(w2, columns(x[n0:n1], p, oh, ow), out=y[n0:n1])
        if b is not None:
            y[n0:n1] += b.reshape(1, co, 1)

    map_chunks(group, _groups(n, y.size * w2.shape[1]))
    return y.reshape(n, co, oh, ow)


def weight_grad(gy, x, w_shape, p):
    """dL/dw: one batched GEMM of the NCHW output gradient with the columns, summed over the batch."""
    n, co, oh, ow = gy.shape

    def group(rng):
        n0, n1 = rng
        g = gy[n0:n1].reshape(n1 - n0, co, oh * ow)
        return np.matmul(g, columns(x[n0:n1], p, oh, ow).transpose(0, 2, 1)).sum(axis=0)

    parts = map_chunks(group, _groups(n, gy.size * int(np.prod(w_shape[1:]))))
    total = parts[0]
    for part in parts[1:]:  # in group order: deterministic
        total += part
    return total.reshape(w_shape)
