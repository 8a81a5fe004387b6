"""Direct convolution for stride-1 layers with few taps per output (LeNet c1, CIFAR stems), CPU, Numba.

A layer such as LeNet's c1 (1 channel, 5x5 taps, 28x28 outputs) does 25 multiply-adds per output, so
any GEMM formulation spends its time building a 25-row column matrix (5 MB for a 64-image batch, out
of cache) rather than multiplying.  Here nothing is materialised: each task copies its stretch of the
zero-padded, flattened sample into a small per-thread window, and every tap becomes a *shifted view*
of that window.
With stride 1 an output row ``r`` starts ``r * Wp`` values after row 0 (``Wp`` the padded width), so
the ``(OH - 1) * Wp + OW`` outputs of one channel form one "wide row" in which the ``Wp - OW``
positions straddling two rows are computed and dropped.  The whole layer is then, per sample::

    y_wide[o, t]  = b[o] + sum_taps w[o, tap] * xflat[offset(tap) + t]         (forward)
    gw[o, tap]   += sum_t  g_wide[o, t]    * xflat[offset(tap) + t]           (weight gradient)

where ``g_wide`` is the output gradient laid out on wide rows with zeros at the straddling positions.
The loops run over ``t`` (contiguous, vectorised by LLVM) with two output channels and four taps per
pass, so each vector of inputs is loaded once for eight multiply-adds; this blocking measured best
of 1x1 ... 4x4 here (forward: 2x4 0.29 ms against 0.53 for 1x1 on c1 at one thread).  Any dilation.

Tasks are (sample, block of ``BLOCK`` wide positions): a block's two output rows and its input window
stay in a core's cache however big the plane, and a single large sample still spreads over the
threads (1x1x1024x1024 -> 8 5x5: fwd+bwd 38 ms; whole-sample tasks took 520).  The forward shares the
tasks out with ``kernels.cpu._threads.run``; the weight gradient gives each thread one run of tasks
with its own partial sum, added in order (deterministic for a given thread count).  The input
gradient of a stride-1 layer is itself such a convolution (of the output gradient with the flipped,
transposed weights: ``input_grad``).

Measured (ms, 2 cores, noisy to +-30%; direct / the path it replaced, forward and weight gradient):
LeNet c1 64x1x28x28 -> 6 5x5 pad 2 0.20 / 0.58 and 0.37 / 0.61; CIFAR stem 128x3x32x32 -> 16 3x3 pad 1
1.0 / 2.2 and 0.9 / 1.8; ResNet-20's first stage 128x16x32x32 -> 16 3x3 4.8 / 10.4 and 4.2 / 9.8
(input gradient 4.3 / 7.7).  With 288 taps (32 channels) the two tie, with 576 (64 channels) direct
loses 2x, on 1x1 kernels the GEMM wins, and so it does on LeNet's c2 (64x6x14x14 -> 16 5x5), whose
10 outputs sit in wide rows of 14: hence ``MAX_TAPS``, ``MAX_WASTE`` and ``applies``.  The 2x4 pass
runs at about two thirds of the core's FMA peak (512-bit FMAs issue one per cycle here).
"""
import numpy as np
from numba import njit

from kernels.cpu._threads import SPLIT_MIN_FMAS, run, threads

#: stride-1 passes with at most this many taps per output take this path (C * kh * kw for the forward
#: and the weight gradient, C_out * kh * kw for the input gradient)
MAX_TAPS = 160
#: ... and at most this fraction of a wide row (padded width - output width) computed and dropped
MAX_WASTE = 0.25
#: output channels and taps per pass over a wide row (the register blocking described above)
_OB, _TB = 2, 4
#: wide positions per task: a task's two output rows and input window stay in a core's L1/L2
BLOCK = 4096
_OPTS = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


def applies(p, c, ow) -> bool:
    """Whether a forward or weight-gradient pass on ``c`` input channels and ``ow``-wide outputs takes
    this path: stride 1, a kernel larger than 1x1 (a 1x1 convolution is a plain GEMM, which the column
    paths run: 0.72 against 1.10 ms on 64x128x8x8 -> 64), at most ``MAX_TAPS`` taps, and at most
    ``MAX_WASTE`` of each wide row straddling (LeNet c2, 10 of 14: the GEMM paths won, forward 0.61
    against 0.77 ms and weight gradient 0.59 against 0.93 at one thread)."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    padded_width = ow + dw * (kw - 1)
    return (sh == sw == 1 and kh * kw > 1 and c * kh * kw <= MAX_TAPS
            and padded_width - ow <= MAX_WASTE * padded_width)


def applies_input_grad(p, c_out, w) -> bool:
    """Whether the input gradient (of a ``w``-wide input) takes this path: as ``applies`` for the
    transposed layer over the output gradient's ``c_out`` channels, whose padding must be >= 0 (the
    layer's padding within the dilated kernel)."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    return applies(p, c_out, w) and ph <= dh * (kh - 1) and pw <= dw * (kw - 1)


@njit(**_OPTS)
def _offsets(c, stride_c, wq, kh, kw, dh, dw, k_padded):
    """Each tap's offset into a task's window (channel rows ``stride_c`` apart), (c, i, j) order; the
    padding taps repeat the last."""
    offs = np.empty(k_padded, np.int64)
    q = 0
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                offs[q] = ci * stride_c + i * dh * wq + j * dw
                q += 1
    for r in range(q, k_padded):
        offs[r] = offs[q - 1]
    return offs


@njit(**_OPTS)
def _load_window(x, n, ph, pw, wq, start, xs, borders):
    """Padded positions [start, start + span) of each of sample n's flattened, zero-padded planes, into
    ``xs`` as (C, span) rows (``span = xs.shape[1]``); positions past the padded plane read as zero.
    With ``borders`` False only the input's own values are written (the zeros are there from before)."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    span = xs.shape[1]
    for ci in range(c):
        dst = xs[ci]
        for rq in range(start // wq, (start + span + wq - 1) // wq):
            c0 = max(0, start - rq * wq)
            c1 = min(wq, start + span - rq * wq)
            seg = dst[rq * wq + c0 - start:rq * wq + c1 - start]
            r = rq - ph
            m0, m1 = max(c0, pw), min(c1, pw + w)  # the input's own columns within [c0, c1)
            if r < 0 or r >= h or m1 <= m0:
                if borders:
                    seg[:] = 0
                continue
            if borders:
                seg[:m0 - c0] = 0
                seg[m1 - c0:] = 0
            inner, src = seg[m0 - c0:m1 - c0], x[n, ci, r, m0 - pw:m1 - pw]
            for v in range(m1 - m0):  # indexes from range(): a plain vectorised copy
                inner[v] = src[v]


@njit(**_OPTS)
def _copy_block(planes, n, wide, start, length, wq, to_planes):
    """Copy between sample n's (C_out, OH, OW) planes and wide positions [start, start + length) held
    in ``wide[o, :length]``; the straddling positions are skipped (left as they are)."""
    co, oh, ow = planes.shape[1], planes.shape[2], planes.shape[3]
    for r in range(start // wq, min(oh, (start + length + wq - 1) // wq)):
        v0 = max(0, start - r * wq)
        v1 = min(ow, start + length - r * wq)
        if v1 <= v0:  # the block starts in the straddling positions after row r
            continue
        at = r * wq + v0 - start
        for o in range(co):  # explicit loops: Numba's slice assignment allocates a temporary per row
            row, seg = planes[n, o, r, v0:v1], wide[o, at:at + v1 - v0]
            if to_planes:
                for v in range(v1 - v0):
                    row[v] = seg[v]
            else:
                for v in range(v1 - v0):
                    seg[v] = row[v]


@njit(**_OPTS)
def _forward(x, ph, pw, wq, span, offs, wf, b, y, block, t0, t1):
    """Tasks [t0, t1) of (sample, block of the wide row): y's outputs on that stretch of wide positions.

    ``wf`` is (C_out', K') and ``b`` (C_out',), zero-padded to the blocking; ``offs`` has K' offsets
    into a task's (C, span) window of the padded input."""
    co, oh, ow = y.shape[1], y.shape[2], y.shape[3]
    kp = wf.shape[1]
    nblocks = ((oh - 1) * wq + ow + block - 1) // block
    ys = np.empty((co + 1, block), y.dtype)
    window = np.zeros((x.shape[1], span), x.dtype)  # with one block a sample, its zeros stay put
    xs = window.reshape(-1)
    for task in range(t0, t1):
        n, start = task // nblocks, (task % nblocks) * block
        length = min(block, ((oh - 1) * wq + ow + 15) // 16 * 16 - start)
        _load_window(x, n, ph, pw, wq, start, window, nblocks > 1)
        for o in range(0, co, 2):
            y0, y1 = ys[o], ys[o + 1]
            y0[:] = b[o]
            y1[:] = b[o + 1]
            for q in range(0, kp, 4):
                x0 = xs[offs[q]:offs[q] + length]
                x1 = xs[offs[q + 1]:offs[q + 1] + length]
                x2 = xs[offs[q + 2]:offs[q + 2] + length]
                x3 = xs[offs[q + 3]:offs[q + 3] + length]
                u0, u1, u2, u3 = wf[o, q], wf[o, q + 1], wf[o, q + 2], wf[o, q + 3]
                v0, v1, v2, v3 = wf[o + 1, q], wf[o + 1, q + 1], wf[o + 1, q + 2], wf[o + 1, q + 3]
                for t in range(length):
                    a0, a1, a2, a3 = x0[t], x1[t], x2[t], x3[t]
                    y0[t] += u0 * a0 + u1 * a1 + u2 * a2 + u3 * a3
                    y1[t] += v0 * a0 + v1 * a1 + v2 * a2 + v3 * a3
        _copy_block(y, n, ys, start, length, wq, True)


@njit(**_OPTS)
def _weight_grad(x, ph, pw, wq, span, offs, g, parts, cuts, block, t0, t1):
    """parts[k] = the (C_out', K') weight gradient over tasks [cuts[k], cuts[k + 1]) of (sample, block)."""
    co, oh, ow = g.shape[1], g.shape[2], g.shape[3]
    kp = parts.shape[2]
    nblocks = ((oh - 1) * wq + ow + block - 1) // block
    gs = np.zeros((co + 1, block), g.dtype)  # the output gradient on wide rows: zero where they straddle
    zero = gs[co, 0]
    window = np.zeros((x.shape[1], span), x.dtype)
    xs = window.reshape(-1)
    for k in range(t0, t1):
        acc = parts[k]
        acc[:] = 0
        for task in range(cuts[k], cuts[k + 1]):
            n, start = task // nblocks, (task % nblocks) * block
            length = min(block, ((oh - 1) * wq + ow + 15) // 16 * 16 - start)
            _load_window(x, n, ph, pw, wq, start, window, nblocks > 1)
            if nblocks > 1:  # another block's rows may have left values at this block's straddling positions
                gs[:co, :length] = 0
            _copy_block(g, n, gs, start, length, wq, False)
            for o in range(0, co, 2):
                g0, g1 = gs[o], gs[o + 1]
                for q in range(0, kp, 4):
                    x0 = xs[offs[q]:offs[q] + length]
                    x1 = xs[offs[q + 1]:offs[q + 1] + length]
                    x2 = xs[offs[q + 2]:offs[q + 2] + length]
                    x3 = xs[offs[q + 3]:offs[q + 3] + length]
                    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = zero
                    for t in range(length):
                        a0, a1, a2, a3 = x0[t], x1[t], x2[t], x3[t]
                        p = g0[t]
                        s0 += p * a0
                        s1 += p * a1
                        s2 += p * a2
                        s3 += p * a3
                        p = g1[t]
                        s4 += p * a0
                        s5 += p * a1
                        s6 += p * a2
                        s7 += p * a3
                    acc[o, q] += s0
                    acc[o, q + 1] += s1
                    acc[o, q + 2] += s2
                    acc[o, q + 3] += s3
                    acc[o + 1, q] += s4
                    acc[o + 1, q + 1] += s5
                    acc[o + 1, q + 2] += s6
                    acc[o + 1, q + 3] += s7


class _Layout:
    """One call's task split, (sample, block of ``block`` wide positions), and the window a task reads:
    ``span`` padded positions per channel, from the block's start to its last tap's reach (rounded up)."""

    def __init__(self, x, p, oh, ow, k_padded):
        kh, kw, sh, sw, ph, pw, dh, dw = p
        self.ph, self.pw, self.wq = ph, pw, x.shape[3] + 2 * pw
        wide = (oh - 1) * self.wq + ow
        self.block = BLOCK if wide > BLOCK else -(-wide // 16) * 16
        self.tasks = x.shape[0] * -(-wide // self.block)
        self.span = self.block + (kh - 1) * dh * self.wq + (kw - 1) * dw
        self.offs = _offsets(x.shape[1], self.span, self.wq, kh, kw, dh, dw, k_padded)

    def args(self):
        return self.ph, self.pw, self.wq, self.span, self.offs


def _padded_sizes(co, k):
    return -(-co // _OB) * _OB, -(-k // _TB) * _TB


def forward(x, w, b, p, oh, ow):
    """conv2d(x, w) + b for stride 1 (``p``: ``Conv2dParams.p``); returns a new (N, C_out, OH, OW) array."""
    n, co = x.shape[0], w.shape[0]
    cop, kp = _padded_sizes(co, w[0].size)
    wf = np.zeros((cop, kp), x.dtype)
    wf[:co, : w[0].size] = w.reshape(co, -1)
    bias = np.zeros(cop, x.dtype)
    if b is not None:
        bias[:co] = b
    lay = _Layout(x, p, oh, ow, kp)
    y = np.empty((n, co, oh, ow), x.dtype)
    run(_forward, lay.tasks, y.size * w[0].size, x, *lay.args(), wf, bias, y, lay.block,
        serial_below=SPLIT_MIN_FMAS)
    return y


def transposed_layer(w, p):
    """The stride-1 layer whose forward is this layer's input gradient: the "full" correlation of the
    output gradient with the flipped, transposed weights, padding d (k - 1) - p.  Returns (w', p')."""
    kh, kw, sh, sw, ph, pw, dh, dw = p
    wt = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return wt, (kh, kw, 1, 1, dh * (kh - 1) - ph, dw * (kw - 1) - pw, dh, dw)


def input_grad(gy, w, p, x_shape):
    """dL/dx of a stride-1 conv2d: this module's forward of the transposed layer (``applies_input_grad``)."""
    wt, pt = transposed_layer(w, p)
    return forward(gy, wt, None, pt, x_shape[2], x_shape[3])


def weight_grad(gy, x, w_shape, p):
    """dL/dw of conv2d for stride 1, summed over the batch in per-thread runs of tasks."""
    co, k = gy.shape[1], int(np.prod(w_shape[1:]))
    cop, kp = _padded_sizes(co, k)
    lay = _Layout(x, p, gy.shape[2], gy.shape[3], kp)
    runs = max(1, min(threads(), lay.tasks)) if gy.size * k >= SPLIT_MIN_FMAS else 1
    cuts = np.array([lay.tasks * i // runs for i in range(runs + 1)], np.int64)
    parts = np.empty((runs, cop, kp), x.dtype)
    run(_weight_grad, runs, gy.size * k, x, *lay.args(), gy, parts, cuts, lay.block,
        serial_below=SPLIT_MIN_FMAS)
    total = parts[0]
    for part in parts[1:]:  # in task order: deterministic for a given thread count
        total += part
    return np.ascontiguousarray(total[:co, :k]).reshape(w_shape)
