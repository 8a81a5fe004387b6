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
from engine import Tensor
from engine.backend import get_array_module, scatter_add
from engine.ops.norm import BatchNormFn  # noqa: F401  (batch norm lives in engine/ops/norm.py)

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
