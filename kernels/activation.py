"""Fused activations, device-agnostic: layout choice and parameter reductions around the twin kernels.

``activation_forward(x, name, alpha, beta, bias, weight, axis)`` computes ``act(x + bias)`` in one pass
(bias and PReLU's ``weight`` broadcast along ``axis``, the channel axis, 1 by default).
``activation_backward(gy, x, name, y, ...)`` returns ``(gx, gbias, gweight)`` in one pass; ``y`` (the
forward output) is needed by the activations whose derivative reads it (``reads_y`` in the spec), and
recomputed when not given.  Names and parameters: ``kernels.act_spec`` (``alpha``, ``beta``: the row's
first and second parameter, its defaults where None).  The arguments were checked at the op's door
(``engine/ops/activation.py``); nothing is checked again here.  float16 is computed in float32.
"""
import kernels as _k
from kernels.act_spec import spec


class _Prepared:
    def __init__(self, x, name, alpha, beta, bias, weight, axis):
        self.row = row = spec(name)
        self.xp = xp = _k.array_module(x)
        self.dtype = x.dtype
        self.cdt = xp.float32 if x.dtype == xp.float16 else x.dtype
        self.a, self.b = row.scalars((alpha, beta))
        weight = weight if row.slope_weight else None
        self.wsize = 0 if weight is None else weight.size
        n = x.size
        if bias is None and self.wsize <= 1:
            self.layout, self.shape = "cb", (1, 1, n)
        else:
            ax = axis % x.ndim
            a = 1
            for s in x.shape[:ax]:
                a *= s
            c = x.shape[ax]
            b = n // max(1, a * c) if a * c else 0
            self.layout, self.shape = ("rc", (a, c)) if b == 1 else ("cb", (a, c, b))
        C = self.shape[1]
        self.has_bias = bias is not None
        self.bias = xp.zeros(C, self.cdt) if bias is None else xp.ascontiguousarray(bias.reshape(C), dtype=self.cdt)
        if weight is None:
            self.weight = xp.zeros(C, self.cdt)
        else:
            self.weight = xp.array(xp.broadcast_to(weight.reshape(-1), (C,)), dtype=self.cdt)  # a writable copy
        self.impl = _k._impl(x, "activation")

    def view(self, a):
        return self.xp.ascontiguousarray(a, dtype=self.cdt).reshape(self.shape)

    def out(self, a, shape):
        a = a.reshape(shape)
        return a if a.dtype == self.dtype else a.astype(self.dtype)


def activation_forward(x, name, alpha=None, beta=None, bias=None, weight=None, axis=1):
    """y = act(x + bias) in one pass; see the module docstring."""
    p = _Prepared(x, name, alpha, beta, bias, weight, axis)
    xv = p.view(x)
    y = p.xp.empty_like(xv)
    p.impl.forward(p.layout, p.row.name, xv, p.bias, p.weight, y, p.a, p.b)
    return p.out(y, x.shape)


def activation_backward(gy, x, name, y=None, alpha=None, beta=None, bias=None, weight=None, axis=1,
                        need_bias=False, need_weight=False):
    """(gx, gbias or None, gweight or None) of ``act(x + bias)`` for upstream gradient ``gy``."""
    p = _Prepared(x, name, alpha, beta, bias, weight, axis)
    xv = p.view(x)
    if p.row.reads_y:
        if y is None:
            y = p.xp.empty_like(xv)
            p.impl.forward(p.layout, p.row.name, xv, p.bias, p.weight, y, p.a, p.b)
        yv = p.view(y)
    else:
        yv = xv
    gx = p.xp.empty_like(xv)
    need_weight = need_weight and p.row.slope_weight
    sums = (need_bias and p.has_bias) or need_weight
    part_b, part_w = p.impl.backward(p.layout, p.row.name, p.view(gy), xv, yv, p.bias, p.weight, gx, p.a, p.b,
                                     sums)
    gb = gw = None
    if sums:
        A, C = p.shape[0], p.shape[1]
        if p.layout == "cb":
            red = lambda part: part.reshape(A, C, -1).sum(axis=(0, 2))  # noqa: E731
        else:
            red = lambda part: part.sum(axis=0)  # noqa: E731
        if need_bias and p.has_bias:
            gb = red(part_b).astype(p.dtype)
        if need_weight:
            gw = red(part_w)
            gw = (gw.sum() if p.wsize == 1 else gw).reshape(weight.shape).astype(weight.dtype)
    return p.out(gx, x.shape), gb, gw
