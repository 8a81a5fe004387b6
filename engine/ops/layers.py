"""Fused differentiable ops behind nn's layers: linear, batch norm, layer norm, embedding (moved here from
nn/_fused.py so that every Function lives under engine/ops, registered and tested like the rest).

Each is one ``engine.Function`` (one graph node per layer instead of five to fifteen), following the
engine's pattern.  Their backward passes are written once as *dual-mode* formulas: on raw arrays when
no graph of the backward is wanted (the fast, common case) and on Tensors when ``create_graph=True``
asked for one, so higher-order gradients stay exact.  The tensor path recomputes what the raw path
saved (normalised inputs, inverse standard deviations) from the saved inputs, so that gradient flows
through them too.
"""
from __future__ import annotations

import numpy as np

import engine
import kernels
from engine import Tensor
from engine.backend import get_array_module, scatter_add

__all__ = ["LinearFn", "BatchNormFn", "LayerNormFn", "EmbeddingFn"]


def _wrap(a):
    return None if a is None else Tensor._wrap(a)


def _graph_wanted() -> bool:
    return engine.is_grad_enabled()


class LinearFn(engine.Function):
    """``y = x @ W.T + b`` for ``x`` of shape (..., in), ``W`` (out, in), ``b`` (out,) or None."""

    @staticmethod
    def forward(ctx, x, w, b):
        y = x @ w.T
        if b is not None:
            y += b
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        nx, nw, nb = ctx.needs_input_grad
        if _graph_wanted():
            x, w = ctx.saved_tensors
        else:
            x, w = ctx.saved_arrays
            gy = gy.array
        gx = gy @ w if nx else None
        gw = gb = None
        if nw or nb:
            g2 = gy.reshape(-1, gy.shape[-1]) if gy.ndim != 2 else gy
            if nw:
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                gw = g2.T @ x2
            if nb:
                gb = g2.sum(axis=0)
        if isinstance(gy, Tensor):
            return gx, gw, gb
        return _wrap(gx), _wrap(gw), _wrap(gb)


def _bn_axes(ndim: int, channel_axis: int):
    return tuple(i for i in range(ndim) if i != channel_axis)


def _bshape(ndim: int, c: int, channel_axis: int):
    s = [1] * ndim
    s[channel_axis] = c
    return tuple(s)


class BatchNormFn(engine.Function):
    """Normalise over every axis but axis 1, then scale and shift per channel.

    ``forward(x, weight|None, bias|None, mean|None, var|None, eps)``: with ``mean``/``var`` None the
    batch statistics are used (training) and returned as two extra non-differentiable outputs
    ``(batch_mean, batch_var_biased)`` for the running averages; otherwise the given statistics are
    constants (evaluation) and only ``y`` is returned.

    On raw arrays both directions run the fused kernels (``kernels.batch_norm_forward`` /
    ``batch_norm_backward``: one sweep per channel, float64 sums, xhat recomputed rather than stored);
    weight, bias and statistics of another dtype are cast to the input's first, and the gradients back
    to their parameters' dtypes.  The ``create_graph`` backward is built from Tensor ops (below).
    """

    @staticmethod
    def forward(ctx, x, w, b, mean, var, eps):
        training = mean is None
        y, m, v, invstd = kernels.batch_norm_forward(
            x, _as_dtype(w, x.dtype), _as_dtype(b, x.dtype), _as_dtype(mean, x.dtype), _as_dtype(var, x.dtype), eps)
        ctx.training, ctx.eps, ctx.bias_dtype = training, eps, None if b is None else b.dtype
        ctx.save_for_backward(x, w, m, invstd, None if training else mean, None if training else var)
        if training:
            m, v = m.astype(x.dtype, copy=False), v.astype(x.dtype, copy=False)
            ctx.mark_non_differentiable(m, v)
            return y, m, v
        return y

    @staticmethod
    def backward(ctx, gy, *_):
        nx, nw, nb = ctx.needs_input_grad[:3]
        if _graph_wanted():
            return _batch_norm_backward_graph(ctx, gy, nx, nw, nb)
        x, w, m, invstd, _, _ = ctx.saved_arrays
        gx, gw, gb = kernels.batch_norm_backward(_as_dtype(gy.array, x.dtype), x, _as_dtype(w, x.dtype), m, invstd,
                                                 ctx.training, nx, nw and w is not None, nb)
        gw = None if gw is None else _as_dtype(gw, w.dtype)
        gb = None if gb is None or ctx.bias_dtype is None else _as_dtype(gb, ctx.bias_dtype)
        return _wrap(gx), _wrap(gw), _wrap(gb), None, None, None


def _as_dtype(a, dtype):
    return a if a is None or a.dtype == dtype else a.astype(dtype)


def _batch_norm_backward_graph(ctx, gy, nx, nw, nb):
    """BatchNormFn's backward as Tensor ops (``create_graph=True``), so it is differentiable again."""
    x, w, _, _, mean, var = ctx.saved_tensors
    axes = _bn_axes(x.ndim, 1)
    bs = _bshape(x.ndim, x.shape[1], 1)
    if ctx.training:  # recompute from x so the second derivative flows through the statistics
        mean = x.mean(axis=axes)
        xc = x - mean.reshape(bs)
        var = (xc * xc).mean(axis=axes)
    else:
        xc = x - mean.reshape(bs)
    invstd = 1.0 / (var + ctx.eps).sqrt()
    xhat = xc * invstd.reshape(bs)
    gb = gy.sum(axis=axes) if (nb or (nx and ctx.training)) else None
    gw = (gy * xhat).sum(axis=axes) if (nw or (nx and ctx.training)) else None
    gx = None
    if nx:
        scale = invstd * w if w is not None else invstd
        if ctx.training:
            n = (x.array.size if isinstance(x, Tensor) else x.size) // x.shape[1]
            gx = (scale * (1.0 / n)).reshape(bs) * (gy * n - gb.reshape(bs) - xhat * gw.reshape(bs))
        else:
            gx = gy * scale.reshape(bs)
    return gx, gw if nw else None, gb if nb else None, None, None, None


class LayerNormFn(engine.Function):
    """Normalise over the last ``k`` axes, then scale and shift elementwise (weight/bias may be None)."""

    @staticmethod
    def forward(ctx, x, w, b, k, eps):
        xp = get_array_module(x)
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = xc * invstd
        y = xhat * w if w is not None else xhat.copy()
        if b is not None:
            y += b
        ctx.k, ctx.eps = k, eps
        ctx.save_for_backward(x, w, xhat, invstd)
        return y

    @staticmethod
    def backward(ctx, gy):
        nx, nw, nb = ctx.needs_input_grad[:3]
        graph = _graph_wanted()
        if graph:
            x, w, _, _ = ctx.saved_tensors
            axes = tuple(range(x.ndim - ctx.k, x.ndim))
            xc = x - x.mean(axis=axes, keepdims=True)
            invstd = 1.0 / ((xc * xc).mean(axis=axes, keepdims=True) + ctx.eps).sqrt()
            xhat = xc * invstd
        else:
            x, w, xhat, invstd = ctx.saved_arrays
            gy = gy.array
            axes = tuple(range(x.ndim - ctx.k, x.ndim))
        lead = tuple(range(x.ndim - ctx.k))
        gw = (gy * xhat).sum(axis=lead) if nw else None
        gb = gy.sum(axis=lead) if nb else None
        gx = None
        if nx:
            m = 1
            for a in axes:
                m *= x.shape[a]
            g = gy * w if w is not None else gy
            gx = invstd * (g - g.mean(axis=axes, keepdims=True) - xhat * (g * xhat).mean(axis=axes, keepdims=True))
        out = (gx, gw, gb, None, None)
        return out if graph else tuple(_wrap(o) for o in out)


class EmbeddingFn(engine.Function):
    """Rows ``W[idx]`` for an integer index array of any shape; the row ``padding_idx`` gets no gradient."""

    @staticmethod
    def forward(ctx, w, idx, padding_idx):
        # a copy: the caller's index tensor may be written in place before backward
        ctx.idx, ctx.padding_idx, ctx.num = idx.copy(), padding_idx, w.shape[0]
        return w[idx]

    @staticmethod
    def backward(ctx, gy):
        idx, pad = ctx.idx, ctx.padding_idx
        if _graph_wanted():
            g = engine.ops.shape.IndexAdd.apply(gy, (ctx.num,) + tuple(gy.shape[idx.ndim:]), idx)
            if pad is not None:
                xp = get_array_module(g.array)
                mask = xp.ones((ctx.num,) + (1,) * (g.ndim - 1), dtype=g.dtype)
                mask[pad] = 0
                g = g * Tensor._wrap(mask)
            return g, None, None
        gy = gy.array
        xp = get_array_module(gy)
        d = gy.shape[idx.ndim:]
        flat_idx = idx.reshape(-1)
        flat_g = gy.reshape((-1,) + d)
        g = xp.zeros((ctx.num,) + d, dtype=gy.dtype)
        if xp is np and len(d) == 1:
            # sort-and-reduce is far faster than np.add.at for many rows
            order = np.argsort(flat_idx, kind="stable")
            sidx = flat_idx[order]
            if sidx.size:
                starts = np.flatnonzero(np.r_[True, sidx[1:] != sidx[:-1]])
                g[sidx[starts]] = np.add.reduceat(flat_g[order], starts, axis=0)
        else:
            scatter_add(g, flat_idx, flat_g)
        if pad is not None:
            g[pad] = 0
        return Tensor._wrap(g), None, None
