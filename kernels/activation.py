"""Fused activations, device-agnostic: layout choice, parameters and reductions around the twin kernels.

``activation_forward(x, name, alpha, beta, bias, weight, axis)`` computes ``act(x + bias)`` in one pass
(bias and PReLU's ``weight`` broadcast along ``axis``, the channel axis, 1 by default).
``activation_backward(gy, x, name, y, ...)`` returns ``(gx, gbias, gweight)`` in one pass; ``y`` (the
forward output) is needed by sigmoid, tanh and ELU, whose derivatives read it, and recomputed when not
given.  Names and parameters: ``kernels._act_codes``.  float16 is computed in float32 (both devices).
"""
import kernels as _k
from kernels import _act_codes as codes

_READS_Y = (codes.SIGMOID, codes.TANH, codes.ELU)


def _params(op, alpha, beta):
    da, db = codes.DEFAULTS.get(op, (0.0, 0.0))
    a = da if alpha is None else float(alpha)
    b = db if beta is None else float(beta)
    if op == codes.SOFTPLUS and a == 0:
        raise ValueError("softplus: beta must be non-zero")
    return a, b


def _layout(x, axis, per_channel, op_name):
    """('cb', (A, C, B)) or ('rc', (R, C)): how x is viewed by the kernels."""
    n = x.size
    if not per_channel:
        return "cb", (1, 1, n)
    if x.ndim == 0:
        raise ValueError(f"{op_name}: a per-channel bias or weight needs an input with a channel axis")
    ax = axis % x.ndim
    a = 1
    for s in x.shape[:ax]:
        a *= s
    c = x.shape[ax]
    b = n // max(1, a * c) if a * c else 0
    if b == 1:
        return "rc", (a, c)
    return "cb", (a, c, b)


class _Prepared:
    def __init__(self, x, name, alpha, beta, bias, weight, axis):
        self.op = codes.code(name)
        self.xp = xp = _k.array_module(x)
        self.dtype = x.dtype
        if x.dtype.kind != "f":
            raise TypeError(f"{name}: expected a floating-point input, got {x.dtype}")
        self.cdt = xp.float32 if x.dtype == xp.float16 else x.dtype
        self.a, self.b = _params(self.op, alpha, beta)
        if self.op == codes.PRELU:
            if weight is None:
                raise ValueError("prelu: needs a weight (slope) array")
        else:
            weight = None
        wsize = 0 if weight is None else weight.size
        per_channel = bias is not None or wsize > 1
        self.layout, self.shape = _layout(x, axis, per_channel, name)
        C = self.shape[1]
        for what, arr in (("bias", bias), ("weight", weight)):
            if arr is not None and arr.size not in (1, C) or (what == "bias" and arr is not None and arr.size != C):
                raise ValueError(f"{name}: {what} of shape {arr.shape} does not match {C} channels of input {x.shape}")
        self.has_bias = bias is not None
        self.bias = xp.zeros(C, self.cdt) if bias is None else xp.ascontiguousarray(bias.reshape(C), dtype=self.cdt)
        if weight is None:
            self.weight = xp.zeros(C, self.cdt)
        else:
            self.weight = xp.array(xp.broadcast_to(weight.reshape(-1), (C,)), dtype=self.cdt)  # a writable copy
        self.wsize = wsize
        self.impl = _k._impl(x, "activation")

    def view(self, a):
        return self.xp.ascontiguousarray(a, dtype=self.cdt).reshape(self.shape)


def activation_forward(x, name, alpha=None, beta=None, bias=None, weight=None, axis=1):
    """y = act(x + bias) in one pass; see the module docstring."""
    p = _Prepared(x, name, alpha, beta, bias, weight, axis)
    xv = p.view(x)
    y = p.xp.empty_like(xv)
    p.impl.forward(p.layout, p.op, xv, p.bias, p.weight, y, p.a, p.b)
    y = y.reshape(x.shape)
    return y if y.dtype == p.dtype else y.astype(p.dtype)


def activation_backward(gy, x, name, y=None, alpha=None, beta=None, bias=None, weight=None, axis=1,
                        need_bias=False, need_weight=False):
    """(gx, gbias or None, gweight or None) of ``act(x + bias)`` for upstream gradient ``gy``."""
    p = _Prepared(x, name, alpha, beta, bias, weight, axis)
    if gy.shape != x.shape:
        raise ValueError(f"{name} backward: gradient shape {gy.shape} != input shape {x.shape}")
    xv = p.view(x)
    if p.op in _READS_Y:
        if y is None:
            y = p.xp.empty_like(xv)
            p.impl.forward(p.layout, p.op, xv, p.bias, p.weight, y, p.a, p.b)
        yv = p.view(y)
    else:
        yv = xv
    gx = p.xp.empty_like(xv)
    need_weight = need_weight and p.op == codes.PRELU
    sums = (need_bias and p.has_bias) or need_weight
    part_b, part_w = p.impl.backward(p.layout, p.op, p.view(gy), xv, yv, p.bias, p.weight, gx, p.a, p.b, sums)
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
            if p.wsize == 1:
                gw = gw.sum().reshape(weight.shape)
            else:
                gw = gw.reshape(weight.shape)
            gw = gw.astype(weight.dtype)
    gx = gx.reshape(x.shape)
    return (gx if gx.dtype == p.dtype else gx.astype(p.dtype)), gb, gw
