"""2-D convolution, the part both devices share: compute dtype, empty inputs, then the twin.

``params`` is the ``Conv2dParams`` built and checked at the op's door (``engine/ops/conv_params.py``);
nothing here checks it again.  float16 is computed in float32 and cast back (both devices).  An empty
batch or zero channels (``params.empty``) gives zeros (plus the bias) without calling a kernel, in every pass.
Everything else is the twin's ``forward`` / ``backward`` / ``im2col`` / ``col2im``
(``kernels/cpu/conv.py``: capability table of fast paths, then im2col; ``kernels/cuda/conv.py``: im2col
reading NCHW, one Numba launch per pass).
"""
import kernels as _k


def _cast(a, dtype):
    return a if a is None or a.dtype == dtype else a.astype(dtype)


def _as_compute(a, xp):
    """Contiguous, and float32 for float16 (the kernels do their arithmetic in float32 or wider)."""
    a = xp.ascontiguousarray(a)
    return a.astype(xp.float32) if a.dtype == xp.float16 else a


def forward(x, w, b, params, keep_columns=False):
    """``(y, columns)``: y = conv2d(x, w) + b; ``columns`` is the im2col matrix for the backward when
    ``keep_columns`` and the twin keeps them (else None)."""
    xp = _k.array_module(x)
    out_dtype = x.dtype
    x, w = _as_compute(x, xp), _as_compute(w, xp)
    b = _as_compute(b, xp) if b is not None else None
    if params.empty:
        y = xp.zeros(params.y_shape, dtype=x.dtype)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return _cast(y, out_dtype), None
    y, cols = _k._impl(x, "conv").forward(x, w, b, params, keep_columns)
    return _cast(y, out_dtype), cols


def backward(gy, x, w, params, need_input, need_weight, need_bias, columns=None):
    """``(gx, gw, gb)``, None where not asked for.  ``x`` may be None when ``columns`` (from ``forward``)
    are given or no weight gradient is asked for: only its shape (``params.x_shape``) is needed then."""
    xp = _k.array_module(gy)
    x_dtype = gy.dtype if x is None else x.dtype
    w_dtype = w.dtype if w is not None else x_dtype
    gy = _as_compute(gy, xp)
    x = _as_compute(x, xp) if x is not None else None
    w = _as_compute(w, xp) if w is not None else None
    gb = _cast(gy.sum(axis=(0, 2, 3)), w_dtype) if need_bias else None
    if params.empty:
        gx = xp.zeros(params.x_shape, dtype=x_dtype) if need_input else None
        gw = xp.zeros(params.w_shape, dtype=w_dtype) if need_weight else None
        return gx, gw, gb
    if not (need_input or need_weight):
        return None, None, gb
    gx, gw = _k._impl(gy, "conv").backward(gy, x, w, params, need_input, need_weight, columns)
    return _cast(gx, x_dtype), _cast(gw, w_dtype), gb


def im2col(x, params):
    """torch's ``unfold``: the patches of ``x`` as (N, C*kh*kw, OH*OW), taps in (c, i, j) order."""
    xp = _k.array_module(x)
    if params.empty:
        n, c = params.x_shape[:2]
        return xp.zeros((n, params.taps, params.out_hw[0] * params.out_hw[1]), dtype=x.dtype)
    return _cast(_k._impl(x, "conv").im2col(_as_compute(x, xp), params), x.dtype)


def col2im(cols, params):
    """torch's ``fold``, the adjoint of ``im2col``: each column entry summed onto its input pixel."""
    xp = _k.array_module(cols)
    if params.empty:
        return xp.zeros(params.x_shape, dtype=cols.dtype)
    return _cast(_k._impl(cols, "conv").col2im(_as_compute(cols, xp), params), cols.dtype)


# ---- depthwise (groups == C): the twins' conv_depthwise direct kernels, the same dtype and empty handling ----
def depthwise_forward(x, w, b, params):
    """y = conv2d(x, w, b, groups=C): x (N, C, H, W), w (C*m, 1, kh, kw)."""
    xp = _k.array_module(x)
    if params.empty:
        y = xp.zeros(params.y_shape, dtype=x.dtype)
        return y if b is None else y + b.reshape(1, -1, 1, 1)
    b = _as_compute(b, xp) if b is not None else None
    y = _k._impl(x, "conv_depthwise").forward(_as_compute(x, xp), _as_compute(w, xp), b, params)
    return _cast(y, x.dtype)


def depthwise_input_grad(gy, w, params):
    """The input gradient of ``depthwise_forward`` (its adjoint in x), shape ``params.x_shape``."""
    return _depthwise_grad("input_grad", gy, w, params, params.x_shape)


def depthwise_weight_grad(gy, x, params):
    """The weight gradient of ``depthwise_forward``, shape ``params.w_shape``."""
    return _depthwise_grad("weight_grad", gy, x, params, params.w_shape)


def _depthwise_grad(kind, gy, other, params, shape):
    xp = _k.array_module(gy)
    if params.empty:
        return xp.zeros(shape, dtype=gy.dtype)
    twin = _k._impl(gy, "conv_depthwise")
    return _cast(getattr(twin, kind)(_as_compute(gy, xp), _as_compute(other, xp), params), gy.dtype)
