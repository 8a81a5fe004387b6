"""Batch normalisation as one fused op: ``BatchNormFn`` (forward), ``BatchNormGrad`` (its backward), and the
door that checks their arguments once (``check_batch_norm``).

``BatchNormFn.apply(x, weight|None, bias|None, mean|None, var|None, eps)`` normalises over every axis but
axis 1 of x (N, C, ...), then scales and shifts per channel.  With ``mean``/``var`` None the batch
statistics are used (training) and returned as two extra non-differentiable outputs ``(batch_mean,
batch_var_biased)`` for the running averages; otherwise the given statistics are constants (evaluation)
and only ``y`` is returned.  Both directions run the fused kernels (``kernels.batch_norm_forward`` /
``batch_norm_backward``: float64 sums, xhat recomputed rather than stored); weight, bias and statistics of
another floating dtype are cast to the input's first, and the gradients back to their parameters' dtypes.

Backward follows the engine's one idiom: ``BatchNormFn.backward`` applies ``BatchNormGrad``, a Function
whose forward is the fused backward kernel, so the first derivative costs one kernel pass and
``create_graph=True`` records one node.  ``BatchNormGrad``'s backward (the second derivative of batch
norm) differentiates the same gradient written in Tensor ops (``_grad_formula``) with the engine's own
autograd; a third derivative is not offered and raises (``once_differentiable``), as torch's batch norm
double backward is itself not differentiable in every input.
"""
from __future__ import annotations

import kernels

from ..function import Function, once_differentiable
from ..functional import grad
from ..grad_mode import enable_grad
from ..tensor import Tensor

__all__ = ["BatchNormFn", "BatchNormGrad", "check_batch_norm"]


def check_batch_norm(op, x, weight, bias, mean, var):
    """Raise a clear error for batch norm arguments the kernels cannot take (arrays or Tensors)."""
    if x.ndim < 2:
        raise ValueError(
            f"{op}: expected an input of shape (N, C, ...) with at least 2 dimensions, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    if (mean is None) != (var is None):
        raise ValueError(f"{op}: give both mean and var (evaluation) or neither (training)")
    c = x.shape[1]
    for name, a in (("weight", weight), ("bias", bias), ("mean", mean), ("var", var)):
        if a is None:
            continue
        if tuple(a.shape) != (c,):
            raise ValueError(f"{op}: {name} of shape {tuple(a.shape)} does not match the {c} channels of input "
                             f"{tuple(x.shape)}")
        if a.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be floating-point, got {a.dtype}")
    if mean is None and c > 0 and x.size == 0:
        raise ValueError(f"{op}: no values per channel to take batch statistics over, input {tuple(x.shape)}")


def _as_dtype(a, dtype):
    return a if a is None or a.dtype == dtype else a.astype(dtype)


class BatchNormFn(Function):
    """See the module docstring."""

    @staticmethod
    def forward(ctx, x, w, b, mean, var, eps):
        check_batch_norm("batch_norm", x, w, b, mean, var)
        training = mean is None
        dt = x.dtype
        y, m, v, invstd = kernels.batch_norm_forward(
            x, _as_dtype(w, dt), _as_dtype(b, dt), _as_dtype(mean, dt), _as_dtype(var, dt), eps)
        ctx.stats = (m, invstd, mean, var, float(eps), training)
        ctx.dtypes = (None if w is None else w.dtype, None if b is None else b.dtype)
        ctx.save_for_backward(x, w)
        if training:
            m, v = m.astype(dt, copy=False), v.astype(dt, copy=False)
            ctx.mark_non_differentiable(m, v)
            return y, m, v
        return y

    @staticmethod
    def backward(ctx, gy, *_):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        need = (nx, nw and w is not None, nb and ctx.dtypes[1] is not None)
        if not any(need):
            return None, None, None, None, None, None
        grads = list(BatchNormGrad.apply(gy, x, w, ctx.stats, ctx.dtypes, need))
        gx, gw, gb = (grads.pop(0) if asked else None for asked in need)
        return gx, gw, gb, None, None, None


class BatchNormGrad(Function):
    """(gx, gw, gb) of batch norm, only those ``need`` asks for (in that order), by the fused kernel."""

    @staticmethod
    def forward(ctx, gy, x, w, stats, dtypes, need):
        m, invstd, _, _, _, training = stats
        dt = x.dtype
        gx, gw, gb = kernels.batch_norm_backward(_as_dtype(gy, dt), x, _as_dtype(w, dt), m, invstd, training,
                                                 *need)
        ctx.save_for_backward(gy, x, w)
        ctx.stats, ctx.need = stats, need
        outs = (gx, _as_dtype(gw, dtypes[0]), _as_dtype(gb, dtypes[1]))
        return tuple(o for o, asked in zip(outs, need) if asked)

    @staticmethod
    @once_differentiable("batch_norm double backward")
    def backward(ctx, *ggs):
        gy, x, w = ctx.saved_arrays
        with enable_grad():
            leaves = [None if a is None else Tensor._wrap(a).requires_grad_() for a in (gy, x, w)]
            outs = _grad_formula(*leaves, ctx.stats, ctx.need)
            pairs = [(o, Tensor._wrap(g)) for o, g in zip(outs, ggs) if g is not None]
            wrt = [t for t in leaves if t is not None]
            res = list(grad([o for o, _ in pairs], wrt, [g for _, g in pairs], allow_unused=True)) if pairs else []
        res = [None if r is None else r.array for r in res]
        g_gy, g_x, g_w = (None if t is None or not res else res.pop(0) for t in leaves)
        return g_gy, g_x, g_w, None, None, None


def _grad_formula(gy, x, w, stats, need):
    """The asked ones of (gx, gw, gb) as Tensor ops of (gy, x, w): what the kernel computes, differentiable."""
    _, _, mean, var, eps, training = stats
    axes = tuple(i for i in range(x.ndim) if i != 1)
    bs = tuple(x.shape[1] if i == 1 else 1 for i in range(x.ndim))
    if training:  # the statistics depend on x
        mean = x.mean(axis=axes)
        xc = x - mean.reshape(bs)
        var = (xc * xc).mean(axis=axes)
    else:
        xc = x - Tensor._wrap(mean.astype(x.dtype, copy=False)).reshape(bs)
        var = Tensor._wrap(var.astype(x.dtype, copy=False))
    invstd = 1.0 / (var + eps).sqrt()
    xhat = xc * invstd.reshape(bs)
    gb = gy.sum(axis=axes)
    gw = (gy * xhat).sum(axis=axes)
    scale = invstd * w if w is not None else invstd
    if training:
        n = x.numel() // x.shape[1]
        gx = (scale * (1.0 / n)).reshape(bs) * (gy * n - gb.reshape(bs) - xhat * gw.reshape(bs))
    else:
        gx = gy * scale.reshape(bs)
    return tuple(o for o, asked in zip((gx, gw, gb), need) if asked)
