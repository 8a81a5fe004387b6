"""2-D pooling, device-agnostic: argument checks, PyTorch output sizes, buffers, then the twin kernel.

``max_pool2d_forward`` returns the pooled values and, per output, the int32 flat index ``h * W + w`` of
the chosen input within its (n, c) plane; ``max_pool2d_backward`` consumes those indexes.  Average
pooling uses PyTorch's ``count_include_pad=True`` by default.  Output sizes follow PyTorch, including
``ceil_mode`` (the last window must start inside the input or the left padding).  float16 is computed in
float32 and cast back.
"""
import kernels as _k
from kernels._tuples import ntuple


def pool_output_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size along one axis."""
    num = size + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        o = -(-num // s) + 1
        if (o - 1) * s >= size + p:
            o -= 1
    else:
        o = num // s + 1
    return o


def pool_params(x_shape, kernel_size, stride, padding, dilation, ceil_mode, op):
    """Checked (kh, kw, sh, sw, ph, pw, dh, dw, OH, OW) for an NCHW input."""
    if len(x_shape) != 4:
        raise ValueError(f"{op}: expected an (N, C, H, W) input, got shape {tuple(x_shape)}")
    kh, kw = ntuple(kernel_size, 2, "kernel_size", op)
    sh, sw = ntuple(kernel_size if stride is None else stride, 2, "stride", op)
    ph, pw = ntuple(padding, 2, "padding", op)
    dh, dw = ntuple(dilation, 2, "dilation", op)
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
        raise ValueError(f"{op}: kernel_size {kh, kw}, stride {sh, sw}, dilation {dh, dw} must be >= 1, padding {ph, pw} >= 0")
    if 2 * ph > (kh - 1) * dh + 1 or 2 * pw > (kw - 1) * dw + 1:
        raise ValueError(f"{op}: padding {ph, pw} must be at most half the (dilated) kernel size {kh, kw}")
    H, W = x_shape[2], x_shape[3]
    oh = pool_output_size(H, kh, sh, ph, dh, ceil_mode)
    ow = pool_output_size(W, kw, sw, pw, dw, ceil_mode)
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: input {tuple(x_shape)} is too small for kernel {(kh, kw)} (output would be {oh}x{ow})")
    return kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


def _prep(x, op):
    xp = _k.array_module(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    x = xp.ascontiguousarray(x)
    if x.dtype == xp.float16:
        x = x.astype(xp.float32)
    return x, xp


def max_pool2d_forward(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """(values, argmax indexes as int32 flat positions in each input plane)."""
    dt = x.dtype
    x, xp = _prep(x, "max_pool2d")
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = pool_params(x.shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    n, c = x.shape[:2]
    y = xp.empty((n, c, oh, ow), dtype=x.dtype)
    idx = xp.empty((n, c, oh, ow), dtype=xp.int32)
    impl = _k._impl(x, "pool")
    fast = (kh, kw, sh, sw, ph, pw, dh, dw) == (2, 2, 2, 2, 0, 0, 1, 1) and 2 * oh <= x.shape[2] and 2 * ow <= x.shape[3]
    if fast and hasattr(impl, "max_pool2d_fwd_2x2"):
        impl.max_pool2d_fwd_2x2(x, y, idx)
    else:
        impl.max_pool2d_fwd(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw)
    return (y if y.dtype == dt else y.astype(dt)), idx


def max_pool2d_backward(gy, idx, x_shape, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Input gradient from the output gradient and the forward's argmax indexes (same pooling arguments
    as the forward: the GPU gather walks the windows)."""
    dt = gy.dtype
    gy, xp = _prep(gy, "max_pool2d backward")
    x_shape = tuple(int(v) for v in x_shape)
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = pool_params(x_shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d backward")
    if idx.shape != gy.shape or gy.shape != x_shape[:2] + (oh, ow):
        raise ValueError(f"max_pool2d backward: gradient {gy.shape} / indexes {idx.shape} do not match output {x_shape[:2] + (oh, ow)}")
    gx = xp.empty(x_shape, dtype=gy.dtype)
    _k._impl(gy, "pool").max_pool2d_bwd(gy, xp.ascontiguousarray(idx), gx, kh, kw, sh, sw, ph, pw, dh, dw)
    return gx if gx.dtype == dt else gx.astype(dt)


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    dt = x.dtype
    x, xp = _prep(x, "avg_pool2d")
    kh, kw, sh, sw, ph, pw, _, _, oh, ow = pool_params(x.shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    y = xp.empty(x.shape[:2] + (oh, ow), dtype=x.dtype)
    _k._impl(x, "pool").avg_pool2d_fwd(x, y, kh, kw, sh, sw, ph, pw, bool(count_include_pad))
    return y if y.dtype == dt else y.astype(dt)


def avg_pool2d_backward(gy, x_shape, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    dt = gy.dtype
    gy, xp = _prep(gy, "avg_pool2d backward")
    x_shape = tuple(int(v) for v in x_shape)
    kh, kw, sh, sw, ph, pw, _, _, oh, ow = pool_params(x_shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    if gy.shape != x_shape[:2] + (oh, ow):
        raise ValueError(f"avg_pool2d backward: gradient {gy.shape} does not match output {x_shape[:2] + (oh, ow)}")
    gx = xp.empty(x_shape, dtype=gy.dtype)
    _k._impl(gy, "pool").avg_pool2d_bwd(gy, gx, kh, kw, sh, sw, ph, pw, bool(count_include_pad))
    return gx if gx.dtype == dt else gx.astype(dt)


def _out_pair(output_size, x_shape):
    oh, ow = ntuple(output_size, 2, "output_size", "adaptive_avg_pool2d")
    if oh < 1 or ow < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be >= 1, got {output_size!r}")
    return oh, ow


def adaptive_avg_pool2d_forward(x, output_size):
    """PyTorch's adaptive average pooling; output 1 uses the global-average kernel."""
    dt = x.dtype
    x, xp = _prep(x, "adaptive_avg_pool2d")
    if x.ndim != 4:
        raise ValueError(f"adaptive_avg_pool2d: expected an (N, C, H, W) input, got shape {x.shape}")
    oh, ow = _out_pair(output_size, x.shape)
    impl = _k._impl(x, "pool")
    if (oh, ow) == (1, 1):
        y = xp.empty(x.shape[:2], dtype=x.dtype)
        impl.global_avg_pool_fwd(x, y)
        y = y.reshape(x.shape[:2] + (1, 1))
    else:
        y = xp.empty(x.shape[:2] + (oh, ow), dtype=x.dtype)
        impl.adaptive_avg_pool2d_fwd(x, y)
    return y if y.dtype == dt else y.astype(dt)


def adaptive_avg_pool2d_backward(gy, x_shape):
    dt = gy.dtype
    gy, xp = _prep(gy, "adaptive_avg_pool2d backward")
    gx = xp.empty(tuple(int(v) for v in x_shape), dtype=gy.dtype)
    impl = _k._impl(gy, "pool")
    if gy.shape[2:] == (1, 1):
        impl.global_avg_pool_bwd(xp.ascontiguousarray(gy.reshape(gy.shape[:2])), gx)
    else:
        impl.adaptive_avg_pool2d_bwd(gy, gx)
    return gx if gx.dtype == dt else gx.astype(dt)


def global_avg_pool_forward(x):
    """Mean over (H, W): (N, C, H, W) -> (N, C)."""
    dt = x.dtype
    x, xp = _prep(x, "global_avg_pool")
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool: expected an (N, C, H, W) input, got shape {x.shape}")
    y = xp.empty(x.shape[:2], dtype=x.dtype)
    _k._impl(x, "pool").global_avg_pool_fwd(x, y)
    return y if y.dtype == dt else y.astype(dt)


def global_avg_pool_backward(gy, x_shape):
    dt = gy.dtype
    gy, xp = _prep(gy, "global_avg_pool backward")
    gx = xp.empty(tuple(int(v) for v in x_shape), dtype=gy.dtype)
    _k._impl(gy, "pool").global_avg_pool_bwd(gy, gx)
    return gx if gx.dtype == dt else gx.astype(dt)
