"""Fused differentiable ops behind nn's layers: linear, batch norm, layer norm, embedding (moved here from
nn/_fused.py so that every Function lives under engine/ops, registered and tested like the rest).

Each is one ``engine.Function`` (one graph node per layer instead of five to fifteen).  Linear, layer norm
and embedding compute their gradients in one *Grad Function* (``LinearGrad``, ``LayerNormGrad``,
``EmbeddingGrad``: Chainer's ``ReLUGrad2`` pattern): its forward works on raw arrays (the fast first-order
backward) and only the gradients the inputs need, and its own backward is written with differentiable ops, so
the ops are twice (and more) differentiable without asking whether a graph of the backward is wanted.
BatchNormFn (engine/ops/norm.py, re-exported here) follows the same pattern with ``BatchNormGrad``.
"""
from __future__ import annotations

import engine
from engine import Tensor
from engine.backend import get_array_module, index_add_rows
from engine.ops.norm import BatchNormFn  # noqa: F401  (batch norm lives in engine/ops/norm.py)

__all__ = ["LinearFn", "BatchNormFn", "LayerNormFn", "EmbeddingFn"]


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
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return _spread(LinearGrad.apply(gy, x, w, needs), needs)


class LinearGrad(engine.Function):
    """LinearFn's gradients ``(gy @ W, gy^T x, sum gy)``, only those asked for, in one node.

    Its own backward (the second derivative) is linear in each argument again, written with LinearFn
    and matmul, so the op is differentiable to any order."""

    @staticmethod
    def forward(ctx, gy, x, w, needs):
        nx, nw, nb = needs[:3]
        ctx.needs = needs
        ctx.save_for_backward(gy, x, w)
        out = []
        if nx:
            out.append(gy @ w)
        if nw or nb:
            g2 = gy.reshape(-1, gy.shape[-1]) if gy.ndim != 2 else gy
            if nw:
                out.append(g2.T @ (x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x))
            if nb:
                out.append(g2.sum(axis=0))
        return tuple(out)

    @staticmethod
    def backward(ctx, *upstream):
        gy, x, w = ctx.saved_tensors
        a, bw, bb = _spread(upstream, ctx.needs)  # upstream gradients of gx, gw, gb
        ngy, nx, nw = ctx.needs_input_grad[:3]
        dgy = dx = dw = None
        if ngy:
            terms = ([LinearFn.apply(a, w, None)] if a is not None else []) + (
                [LinearFn.apply(x, bw, bb)] if bw is not None else [])
            dgy = terms[0] if terms else None
            for t in terms[1:]:
                dgy = dgy + t
            if bw is None and bb is not None:
                dgy = _plus(dgy, bb, gy.shape)
        if nx and bw is not None:
            dx = gy @ bw
        if nw and a is not None:
            dw = gy.reshape(-1, gy.shape[-1]).T @ a.reshape(-1, a.shape[-1])
        return dgy, dx, dw, None


def _spread(present, needs):
    """The gradients a Grad Function computed (only the needed ones) put back in argument order."""
    it = iter(present)
    return tuple(next(it) if n else None for n in needs[:3])


def _plus(total, term, shape):
    """``total + term`` broadcast to ``shape`` (``total`` may be None)."""
    from .shape import broadcast_to

    return broadcast_to(term, shape) if total is None else total + term


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
        x, w, xhat, invstd = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        grads = LayerNormGrad.apply(gy, x, w, xhat.array, invstd.array, ctx.k, ctx.eps, needs)
        return _spread(grads, needs) + (None, None)


class LayerNormGrad(engine.Function):
    """LayerNormFn's gradients, only those asked for, in one node:
    ``gx = s (g - mean(g) - xhat mean(g xhat))`` with ``g = gy * w`` and ``s`` the inverse standard deviation,
    ``gw = sum(gy * xhat)``, ``gb = sum(gy)`` over the leading axes.

    Its backward (the second derivative) is written with Tensor ops, recomputing ``xhat`` and ``s`` from ``x``
    so that it is differentiable again; ``A``, ``Bw``, ``Bb`` are the upstream gradients of gx, gw, gb::

        d_gy = s (A - mean(A) - xhat Q) w + Bw xhat + Bb                 Q = mean(A xhat), M = mean(g xhat)
        d_w  = sum(s (A - mean(A) - xhat Q) gy)
        d_x  = s (D - mean(D) - xhat mean(D xhat)) - sum(A (g - mean(g) - xhat M)) s^2 xhat / m
               with D = Bw gy - s (A M + g Q), m the number of normalised elements.
    """

    @staticmethod
    def forward(ctx, gy, x, w, xhat, invstd, k, eps, needs):
        nx, nw, nb = needs
        ctx.k, ctx.eps, ctx.needs = k, eps, needs
        ctx.save_for_backward(gy, x, w)
        lead = tuple(range(x.ndim - k))
        axes = tuple(range(x.ndim - k, x.ndim))
        out = []
        if nx:
            g = gy * w if w is not None else gy
            out.append(invstd * (g - g.mean(axis=axes, keepdims=True)
                                 - xhat * (g * xhat).mean(axis=axes, keepdims=True)))
        if nw:
            out.append((gy * xhat).sum(axis=lead))
        if nb:
            out.append(gy.sum(axis=lead))
        return tuple(out)

    @staticmethod
    def backward(ctx, *upstream):
        gy, x, w = ctx.saved_tensors
        a, bw, bb = _spread(upstream, ctx.needs)
        ngy, nx, nw = ctx.needs_input_grad[:3]
        axes = tuple(range(x.ndim - ctx.k, x.ndim))
        lead = tuple(range(x.ndim - ctx.k))
        m = 1
        for ax in axes:
            m *= x.shape[ax]

        def mean(t):
            return t.mean(axis=axes, keepdims=True)

        xc = x - mean(x)
        s = 1.0 / (mean(xc * xc) + ctx.eps).sqrt()
        xhat = xc * s
        g = gy * w if w is not None else gy
        dgy = d = dw = None
        ds = 0.0
        if bw is not None:
            dgy = bw * xhat
            d = bw * gy
        if a is not None:
            q, mm = mean(a * xhat), mean(g * xhat)
            dg = s * (a - mean(a) - xhat * q)
            dgy = _plus(dgy, dg * w if w is not None else dg, gy.shape)
            dw = (dg * gy).sum(axis=lead) if nw else None
            dxhat = -s * (a * mm + g * q)
            d = dxhat if d is None else d + dxhat
            ds = (a * (g - mean(g) - xhat * mm)).sum(axis=axes, keepdims=True)
        if bb is not None:
            dgy = _plus(dgy, bb, gy.shape)
        dx = None
        if nx and d is not None:
            dx = s * (d - mean(d) - xhat * mean(d * xhat))
            if a is not None:
                dx = dx - ds * s * s * xhat * (1.0 / m)
        return dgy if ngy else None, dx, dw, None, None, None, None, None


class EmbeddingFn(engine.Function):
    """Rows ``W[idx]`` for an integer index array of any shape; the row ``padding_idx`` gets no gradient."""

    @staticmethod
    def forward(ctx, w, idx, padding_idx):
        # a copy: the caller's index tensor may be written in place before backward
        ctx.idx, ctx.padding_idx, ctx.num = idx.copy(), padding_idx, w.shape[0]
        return w[idx]

    @staticmethod
    def backward(ctx, gy):
        return EmbeddingGrad.apply(gy, ctx.idx, ctx.padding_idx, ctx.num), None, None


class EmbeddingGrad(engine.Function):
    """EmbeddingFn's weight gradient: the rows of ``gy`` added up per index (the padding row left zero).
    Its backward gathers the rows again (EmbeddingFn), so the op is differentiable to any order."""

    @staticmethod
    def forward(ctx, gy, idx, pad, num):
        ctx.idx, ctx.pad = idx, pad
        g = index_add_rows(num, idx.reshape(-1), gy.reshape((-1,) + gy.shape[idx.ndim:]))
        if pad is not None:
            g[pad] = 0
        return g

    @staticmethod
    def backward(ctx, h):
        idx, pad = ctx.idx, ctx.pad
        rows = EmbeddingFn.apply(h, idx, None)
        if pad is not None:
            keep = (idx != pad).astype(h.dtype).reshape(idx.shape + (1,) * (h.ndim - 1))
            rows = rows * Tensor._wrap(keep)
        return rows, None, None, None
