"""2-D convolution as im2col + one GEMM per chunk, device-agnostic (NumPy or CuPy + our kernels).

Four CPU-only paths go first, each taking the passes it is measured faster at: stride-1 layers with
at most 160 taps per output on planes not much narrower than their padding (LeNet c1, CIFAR stems,
16-channel 3x3 layers) run the direct convolution of ``kernels/cpu/conv_direct.py`` (forward, weight
gradient, and input gradient where the transposed layer is as small); 3x3 stride-1 layers with 16+
channels and wide outputs take Winograd's F(2x2, 3x3) (``kernels/conv_winograd.py``: 2.25x fewer GEMM
flops); other layers with at most 288 taps and 8+ output channels (LeNet c2, stride-2 stems and
transitions, 32-channel 3x3 layers on small planes) take the register-tiled kernels of
``kernels/cpu/conv_vec.py`` (forward; stride-1 input gradients as the transposed layer's forward)
and ``conv_vec_grad.py`` (weight gradient); what is left with few input taps (1x1, few output
channels) takes the channel-first columns of ``kernels/cpu/conv_small.py`` for the forward and for a
first layer's weight-only backward.  A backward pass may mix them: whatever gradient one path does not take goes on to the
next.  Everything else, and every GPU call, is im2col:
``conv2d_forward`` / ``conv2d_backward`` work through the batch in groups of samples, each cut into
chunks of output rows (``kernels._chunks``): for each chunk, the NHWC patches are cut into a reused
column buffer (``nchw_to_nhwc_padded`` + ``im2col_nhwc``), multiplied by the reordered weights with the
array library's matmul (BLAS / cuBLAS), and the result is scattered back to NCHW with the bias added
(``rows_to_nchw``).  The backward pass recomputes the patches per chunk instead of keeping the whole
column buffer alive, multiplies with the NCHW output gradient in place (batched over the chunk's
samples), computes only the gradients asked for, and turns the column gradient back into an input
gradient with the deterministic gather ``col2im_nhwc``.  See ``kernels/cpu/conv.py`` for the layout.
On the CPU the sample groups are shared out whole among the threads (``impl.map_chunks``: layout
kernels and GEMMs of one group on one thread, BLAS single-threaded meanwhile); their weight-gradient
shares are added in group order, so results do not depend on the thread count's timing.

Shapes: ``x`` (N, C, H, W), ``w`` (C_out, C, kh, kw), ``b`` (C_out,) or None; output sizes as PyTorch.
Groups are not supported.  float16 is computed in float32 and cast back (both devices).
"""
import kernels as _k
from kernels._chunks import get_memory_budget, plan_chunks
from kernels._workspace import scratch
from kernels._tuples import ntuple

_CPU_CHUNK_BYTES = 4 * 2**20  # column buffer that stays in L2/L3 between im2col and the GEMM


def conv_params(kernel_hw, stride, padding, dilation, op="conv2d"):
    """Normalise and check (kh, kw), stride, padding, dilation pairs."""
    kh, kw = ntuple(kernel_hw, 2, "kernel_size", op)
    sh, sw = ntuple(stride, 2, "stride", op)
    ph, pw = ntuple(padding, 2, "padding", op)
    dh, dw = ntuple(dilation, 2, "dilation", op)
    if kh < 1 or kw < 1 or sh < 1 or sw < 1 or dh < 1 or dw < 1 or ph < 0 or pw < 0:
        raise ValueError(
            f"{op}: kernel_size {kh, kw}, stride {sh, sw} and dilation {dh, dw} must be >= 1 "
            f"and padding {ph, pw} >= 0"
        )
    return kh, kw, sh, sw, ph, pw, dh, dw


def conv_output_size(h, w, kh, kw, sh, sw, ph, pw, dh, dw):
    """PyTorch's output size: floor((H + 2p - d (k - 1) - 1) / s) + 1 per axis."""
    return (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1


class _Plan:
    """Shapes, reordered weights, chunk plan and buffers for one convolution call."""

    def __init__(self, x_shape, w, stride, padding, dilation, dtype, impl, xp, op):
        n, c, h, wd = x_shape
        co, cw, kh, kw = w.shape
        if cw != c:
            raise ValueError(f"{op}: input has {c} channels but weight {tuple(w.shape)} expects {cw}")
        self.p = conv_params((kh, kw), stride, padding, dilation, op)
        self.oh, self.ow = conv_output_size(h, wd, *self.p)
        if self.oh < 1 or self.ow < 1:
            raise ValueError(
                f"{op}: input {tuple(x_shape)} is too small for kernel {(kh, kw)} with stride "
                f"{self.p[2:4]}, padding {self.p[4:6]}, dilation {self.p[6:8]}"
            )
        self.n, self.c, self.h, self.w, self.co = n, c, h, wd, co
        self.k = kh * kw * c
        self.xp, self.impl, self.dtype = xp, impl, dtype
        self.empty = n * c * co * kh * kw == 0  # no multiply-adds: empty batch, zero channels
        if self.empty:
            self.chunks, self.max_rows, self.max_samples = [], 0, 0
            return
        itemsize = xp.dtype(dtype).itemsize
        self.gpu = _k._on_gpu(w)
        target = get_memory_budget() if self.gpu else min(get_memory_budget(), _CPU_CHUNK_BYTES)
        row_bytes = self.ow * self.k * itemsize
        fmas = n * self.oh * self.ow * self.k * co  # small jobs stay on one thread (see impl.workers)
        self.chunks = list(plan_chunks(n, self.oh, row_bytes, target, impl.workers(fmas)))
        self.max_rows = max((r1 - r0 for _, _, ch in self.chunks for r0, r1 in ch), default=0)  # n == 0: none
        self.max_samples = max((n1 - n0 for n0, n1, _ in self.chunks), default=0)

    def w2(self, w):
        """Weights as (C_out, kh * kw * C) in the (i, j, c) tap order of the column buffer."""
        return self.xp.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(self.co, self.k)

    def _buffer(self, slot, shape):
        if self.gpu:
            return self.xp.empty(shape, dtype=self.dtype)
        return scratch("conv2d." + slot, shape, self.dtype)

    def nhwc_buffer(self, slot):
        kh, kw, sh, sw, ph, pw, dh, dw = self.p
        return self._buffer(slot, (self.max_samples, self.h + 2 * ph, self.w + 2 * pw, self.c))

    def rows_buffer(self, slot, width):
        return self._buffer(slot, (self.max_rows * self.ow, width))


def _cpu_only_paths(pl) -> bool:
    """Whether the CPU-only paths (direct, Winograd, few-taps) may take this call: not on the GPU.  The
    CUDA-twin tests switch them off, so that the twins' im2col kernels run on the simulator's arrays."""
    return not pl.gpu


def _direct_path(pl):
    """The direct stride-1 CPU convolution (``kernels/cpu/conv_direct.py``) when it applies, else None."""
    if not _cpu_only_paths(pl):
        return None
    from kernels.cpu import conv_direct

    return conv_direct if conv_direct.applies(pl.p, pl.c, pl.ow) else None


def _vec_path(pl):
    """The channel-vector direct CPU forward (``kernels/cpu/conv_vec.py``) when it applies, else None."""
    if not _cpu_only_paths(pl):
        return None
    from kernels.cpu import conv_vec

    return conv_vec if conv_vec.applies(pl.p, pl.co, pl.k) else None


def _small_path(pl, backward=False, need_input=False):
    """The few-taps CPU path (``kernels/cpu/conv_small.py``) when it applies to this pass, else None."""
    if not _cpu_only_paths(pl):
        return None
    from kernels.cpu import conv_small

    column_bytes = pl.n * pl.k * pl.oh * pl.ow * pl.xp.dtype(pl.dtype).itemsize
    return conv_small if conv_small.applies(pl.k, column_bytes, get_memory_budget(), backward, need_input) else None


def _winograd_path(pl):
    """The Winograd F(2x2, 3x3) CPU path (``kernels/conv_winograd.py``) when it applies, else None."""
    if not _cpu_only_paths(pl):
        return None
    from kernels import conv_winograd

    tiles = ((pl.oh + 1) // 2) * ((pl.ow + 1) // 2)
    itemsize = pl.xp.dtype(pl.dtype).itemsize
    if conv_winograd.applies(pl.p, pl.c, pl.co, pl.ow, tiles, itemsize, get_memory_budget()):
        return conv_winograd
    return None


def _cast(a, dtype):
    return a if a is None or a.dtype == dtype else a.astype(dtype)


def _as_compute(a, xp):
    """Contiguous, and float32 for float16 (the kernels do their arithmetic in float32 or wider)."""
    a = xp.ascontiguousarray(a)
    if a.dtype == xp.float16:
        a = a.astype(xp.float32)
    return a


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """y = conv2d(x, w) + b, cross-correlation as in PyTorch; returns a new (N, C_out, OH, OW) array."""
    xp = _k.array_module(x)
    out_dtype = x.dtype
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"conv2d: expected x (N, C, H, W) and w (C_out, C, kh, kw), got {x.shape} and {w.shape}")
    if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        raise TypeError(f"conv2d: dtypes differ: x {x.dtype}, w {w.dtype}, b {None if b is None else b.dtype}")
    x, w = _as_compute(x, xp), _as_compute(w, xp)
    bias = _as_compute(b, xp) if b is not None else xp.empty(0, dtype=x.dtype)
    if b is not None and bias.shape != (w.shape[0],):
        raise ValueError(f"conv2d: bias shape {b.shape} does not match {w.shape[0]} output channels")
    impl = _k._impl(x, "conv")
    pl = _Plan(x.shape, w, stride, padding, dilation, x.dtype, impl, xp, "conv2d")
    if pl.empty:  # an empty batch (or no channels): PyTorch returns the empty/bias-only output
        y = xp.zeros((pl.n, pl.co, pl.oh, pl.ow), dtype=x.dtype)
        if b is not None:
            y += bias.reshape(1, -1, 1, 1)
        return _cast(y, out_dtype)
    fast = _direct_path(pl) or _winograd_path(pl) or _vec_path(pl) or _small_path(pl)
    if fast is not None:
        return _cast(fast.forward(x, w, bias if b is not None else None, pl.p, pl.oh, pl.ow), out_dtype)
    kh, kw, sh, sw, ph, pw, dh, dw = pl.p
    w2t = pl.w2(w).T
    y = xp.empty((pl.n, pl.co, pl.oh, pl.ow), dtype=x.dtype)

    def group(chunk):
        n0, n1, row_chunks = chunk
        xh, cols, out = pl.nhwc_buffer("xh"), pl.rows_buffer("cols", pl.k), pl.rows_buffer("out", pl.co)
        impl.nchw_to_nhwc_padded(x, xh, n0, n1, ph, pw)
        for r0, r1 in row_chunks:
            m = (r1 - r0) * pl.ow
            impl.im2col_nhwc(xh, n0, cols[:m], r0, r1, kh, kw, sh, sw, dh, dw, pl.oh, pl.ow)
            xp.matmul(cols[:m], w2t, out=out[:m])
            impl.rows_to_nchw(out[:m], y, bias, r0, r1, pl.oh, pl.ow)

    impl.map_chunks(group, pl.chunks)
    return y if y.dtype == out_dtype else y.astype(out_dtype)


def conv2d_backward(gy, x, w, stride=1, padding=0, dilation=1, need_input=True, need_weight=True, need_bias=True):
    """Gradients ``(gx, gw, gb)`` of conv2d; an entry is None when not asked for (and not computed)."""
    xp = _k.array_module(gy)
    dtypes = (x.dtype, w.dtype)
    gy, x, w = _as_compute(gy, xp), _as_compute(x, xp), _as_compute(w, xp)
    impl = _k._impl(x, "conv")
    pl = _Plan(x.shape, w, stride, padding, dilation, x.dtype, impl, xp, "conv2d backward")
    if gy.shape != (pl.n, pl.co, pl.oh, pl.ow):
        raise ValueError(f"conv2d backward: gradient shape {gy.shape} != output shape {(pl.n, pl.co, pl.oh, pl.ow)}")
    kh, kw, sh, sw, ph, pw, dh, dw = pl.p
    gb = gy.sum(axis=(0, 2, 3)).astype(w.dtype) if need_bias else None
    if pl.empty:  # nothing was multiplied: zero gradients of the right shapes
        gx = _cast(xp.zeros(x.shape, dtype=x.dtype), dtypes[0]) if need_input else None
        gw = _cast(xp.zeros(w.shape, dtype=w.dtype), dtypes[1]) if need_weight else None
        return gx, gw, _cast(gb, dtypes[1])
    gx = gw = None
    wino = _winograd_path(pl)
    if _cpu_only_paths(pl):  # the direct CPU paths take whichever gradients they can; the rest go on below
        from kernels.cpu import conv_direct, conv_vec, conv_vec_grad

        if need_weight and _direct_path(pl) is not None:
            gw, need_weight = conv_direct.weight_grad(gy, x, w, pl.p), False
        if need_input and conv_direct.applies_input_grad(pl.p, pl.co, pl.w):
            gx, need_input = conv_direct.input_grad(gy, w, pl.p, x.shape), False
        if (need_input and wino is None
                and conv_vec.applies_input_grad(pl.p, pl.c, pl.co, pl.h * pl.w, pl.oh * pl.ow)):
            gx, need_input = conv_vec.input_grad(gy, w, pl.p, x.shape), False
        if need_weight and wino is None and _vec_path(pl) is not None:
            gw, need_weight = conv_vec_grad.weight_grad(gy, x, w, pl.p), False
    if wino is not None and (need_input or need_weight):
        gx2, gw2 = wino.backward(gy, x, w, pl.p, need_input, need_weight)
        gx, gw = gx if gx2 is None else gx2, gw if gw2 is None else gw2
        need_input = need_weight = False
    small = _small_path(pl, backward=True, need_input=need_input)
    if small is not None and need_weight:
        gw, need_weight = small.weight_grad(gy, x, w, pl.p), False
    if need_input or need_weight:
        w2 = pl.w2(w)
        if need_input:
            gx = xp.empty(x.shape, dtype=x.dtype)

        def group(chunk):
            """One sample group: returns its share of the (C_out, K) weight gradient (or None)."""
            n0, n1, row_chunks = chunk
            gw2 = None
            if need_weight:
                xh, cols = pl.nhwc_buffer("xh"), pl.rows_buffer("cols", pl.k)
                gw2 = xp.zeros((pl.co, pl.k), dtype=x.dtype)
                impl.nchw_to_nhwc_padded(x, xh, n0, n1, ph, pw)
            if need_input:
                gxh, dcols = pl.nhwc_buffer("gxh"), pl.rows_buffer("dcols", pl.k)
            split = len(row_chunks) > 1
            if need_input and split:
                gxh[: n1 - n0].fill(0)
            for r0, r1 in row_chunks:
                m = (r1 - r0) * pl.ow
                # the output gradient is used in place, one (C_out, pixels) matrix per sample: no transpose
                if split:
                    oh0 = r0 - n0 * pl.oh
                    g3 = gy[n0, :, oh0 : oh0 + (r1 - r0)].reshape(1, pl.co, m)
                else:
                    g3 = gy[n0:n1].reshape(n1 - n0, pl.co, pl.oh * pl.ow)
                nb = g3.shape[0]
                if need_weight:
                    impl.im2col_nhwc(xh, n0, cols[:m], r0, r1, kh, kw, sh, sw, dh, dw, pl.oh, pl.ow)
                    # one GEMM over the chunk's samples (a batched one would materialise nb products)
                    g2 = g3[0] if nb == 1 else xp.ascontiguousarray(g3.transpose(1, 0, 2)).reshape(pl.co, m)
                    gw2 += xp.matmul(g2, cols[:m])
                if need_input:
                    xp.matmul(g3.transpose(0, 2, 1), w2, out=dcols[:m].reshape(nb, m // nb, pl.k))
                    impl.col2im_nhwc(dcols[:m], gxh, n0, r0, r1, kh, kw, sh, sw, dh, dw, pl.oh, pl.ow, not split)
            if need_input:
                impl.nhwc_padded_to_nchw(gxh, gx, n0, n1, ph, pw)
            return gw2

        parts = impl.map_chunks(group, pl.chunks)
        if need_weight:
            gw2 = parts[0] if parts else xp.zeros((pl.co, pl.k), dtype=x.dtype)  # no samples: a zero gradient
            for part in parts[1:]:  # in chunk order: deterministic
                gw2 += part
            gw = xp.ascontiguousarray(gw2.reshape(pl.co, kh, kw, pl.c).transpose(0, 3, 1, 2))
    return _cast(gx, dtypes[0]), _cast(gw, dtypes[1]), _cast(gb, dtypes[1])


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """All patches of ``x`` (N, C, H, W) as one (N*OH*OW, kh*kw*C) array, taps in (i, j, c) order."""
    xp = _k.array_module(x)
    x = _as_compute(x, xp)
    n, c, h, w = x.shape
    kh, kw, sh, sw, ph, pw, dh, dw = conv_params(kernel_size, stride, padding, dilation, "im2col")
    oh, ow = conv_output_size(h, w, kh, kw, sh, sw, ph, pw, dh, dw)
    if oh < 1 or ow < 1:
        raise ValueError(f"im2col: input {x.shape} too small for kernel {(kh, kw)}")
    impl = _k._impl(x, "conv")
    xh = xp.empty((n, h + 2 * ph, w + 2 * pw, c), dtype=x.dtype)
    impl.nchw_to_nhwc_padded(x, xh, 0, n, ph, pw)
    cols = xp.empty((n * oh * ow, kh * kw * c), dtype=x.dtype)
    impl.im2col_nhwc(xh, 0, cols, 0, n * oh, kh, kw, sh, sw, dh, dw, oh, ow)
    return cols


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1):
    """Adjoint of ``im2col``: sum every patch entry back onto its input pixel; returns (N, C, H, W)."""
    xp = _k.array_module(cols)
    cols = _as_compute(cols, xp)
    n, c, h, w = (int(v) for v in x_shape)
    kh, kw, sh, sw, ph, pw, dh, dw = conv_params(kernel_size, stride, padding, dilation, "col2im")
    oh, ow = conv_output_size(h, w, kh, kw, sh, sw, ph, pw, dh, dw)
    if cols.shape != (n * oh * ow, kh * kw * c):
        raise ValueError(f"col2im: columns {cols.shape} do not match input {tuple(x_shape)} (want {(n * oh * ow, kh * kw * c)})")
    impl = _k._impl(cols, "conv")
    gxh = xp.empty((n, h + 2 * ph, w + 2 * pw, c), dtype=cols.dtype)
    impl.col2im_nhwc(cols, gxh, 0, 0, n * oh, kh, kw, sh, sw, dh, dw, oh, ow, True)
    gx = xp.empty((n, c, h, w), dtype=cols.dtype)
    impl.nhwc_padded_to_nchw(gxh, gx, 0, n, ph, pw)
    return gx
