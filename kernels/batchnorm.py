"""Batch normalisation, device-agnostic: (N, C, S) views, buffers, then the twin kernel.

Nothing is checked here: the op's door (``engine.ops.norm_params.check_batch_norm``, called by
``BatchNormFn``) has checked the shapes and dtypes, and the backward receives what the forward returned.

``batch_norm_forward(x, weight, bias, mean, var, eps)`` normalises over every axis but axis 1 of an
``(N, C, *spatial)`` input.  Training (``mean`` and ``var`` None) returns ``(y, batch_mean,
batch_var_biased, invstd)``; evaluation returns ``(y, mean, var, invstd)`` with the given statistics.
``batch_norm_backward(gy, x, weight, mean, invstd, training, need_input, need_weight, need_bias)``
returns ``(gx, gw, gb)``, None for what was not asked (and not computed).  The kernels recompute
``xhat = (x - mean) * invstd`` instead of storing it.

Dtypes: weight, bias and given statistics must have the input's dtype.  float16 is computed in float32
and the outputs (y, gx, gw, gb) cast back; the statistics and ``invstd`` come back in the compute
dtype (float32 for float16 input, as PyTorch saves them), and ``batch_norm_backward`` takes them in
any floating dtype.  Sums are accumulated in float64 and the variance is a centred second pass (CPU) or a
sum shifted by one of the channel's values (CUDA), so data far from zero keeps its precision (see the twins).
"""
import kernels as _k


def _compute_dtype(dtype, xp):
    return xp.dtype(xp.float32) if dtype == xp.float16 else dtype


def _as_ncs(x, xp):
    """x as a contiguous (N, C, S) array of the compute dtype."""
    n, c = x.shape[:2]
    s = 1
    for d in x.shape[2:]:
        s *= d
    return xp.ascontiguousarray(x, dtype=_compute_dtype(x.dtype, xp)).reshape(n, c, s)


def _per_channel(a, c, fill, dtype, xp):
    """``a`` as a contiguous (C,) array of ``dtype``, or ``fill`` everywhere when None."""
    if a is None:
        return xp.full(c, fill, dtype=dtype)
    return xp.ascontiguousarray(a, dtype=dtype)


def _affine_coefs(mean, invstd64, w, b, cdt, xp):
    """(C, 4) of the compute dtype: mean split hi + lo, scale w * invstd, shift b (evaluation)."""
    m64 = mean.astype(xp.float64)
    coef = xp.empty((mean.shape[0], 4), dtype=cdt)
    coef[:, 0] = m64
    coef[:, 1] = m64 - coef[:, 0].astype(xp.float64)
    coef[:, 2] = w.astype(xp.float64) * invstd64
    coef[:, 3] = b
    return coef


def _cast(a, dtype):
    return a if a.dtype == dtype else a.astype(dtype)


def batch_norm_forward(x, weight=None, bias=None, mean=None, var=None, eps=1e-5):
    """Batch norm of x (N, C, *spatial); see the module docstring for what comes back."""
    training = mean is None
    xp = _k.array_module(x)
    x3 = _as_ncs(x, xp)
    cdt, c = x3.dtype, x3.shape[1]
    w = _per_channel(weight, c, 1, cdt, xp)
    b = _per_channel(bias, c, 0, cdt, xp)
    y3 = xp.empty_like(x3)
    impl = _k._impl(x, "batchnorm")
    if training:
        mean, var, invstd = (xp.empty(c, dtype=cdt) for _ in range(3))
        impl.forward_train(x3, w, b, float(eps), y3, mean, var, invstd, xp.empty((c, 4), dtype=cdt))
    else:
        invstd64 = 1.0 / xp.sqrt(var.astype(xp.float64) + eps)
        invstd = invstd64.astype(cdt)
        impl.forward_affine(x3, y3, _affine_coefs(mean, invstd64, w, b, cdt, xp))
    return _cast(y3.reshape(x.shape), x.dtype), mean, var, invstd


def batch_norm_backward(gy, x, weight, mean, invstd, training, need_input=True, need_weight=True, need_bias=True):
    """(gx, gw, gb) of batch norm; ``mean``/``invstd`` as the forward returned them."""
    need_sums = bool(need_weight or need_bias or (need_input and training))
    if not (need_input or need_sums):
        return None, None, None
    xp = _k.array_module(x)
    x3, gy3 = _as_ncs(x, xp), _as_ncs(gy, xp)
    cdt, c = x3.dtype, x3.shape[1]
    gx3 = xp.empty_like(x3) if need_input else x3[:0]
    gw64, gb64 = xp.zeros(c, dtype=xp.float64), xp.zeros(c, dtype=xp.float64)
    coef = xp.empty((c, 5), dtype=cdt)
    coef[:, 0] = mean
    _k._impl(x, "batchnorm").backward(
        gy3, x3, _per_channel(weight, c, 1, cdt, xp), xp.ascontiguousarray(mean, dtype=xp.float64),
        xp.ascontiguousarray(invstd, dtype=xp.float64), bool(training), bool(need_input), need_sums,
        gx3, gw64, gb64, coef)
    gx = _cast(gx3.reshape(x.shape), x.dtype) if need_input else None
    gw = _cast(gw64, x.dtype) if need_weight else None
    gb = _cast(gb64, x.dtype) if need_bias else None
    return gx, gw, gb
