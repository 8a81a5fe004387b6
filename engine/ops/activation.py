"""Fused activations as engine ops, one kernel pass each way, all generated from ``kernels.act_spec``.

``FusedActivation`` is one Function for the whole family: ``act(x + bias)`` with an optional bias and, for
PReLU, a slope broadcast along the channel axis (``axis``, 1 by default).  Its backward applies
``ActivationGrad`` (``gy * act'(z)`` in one kernel pass: Chainer's ``ReLUGrad2``), whose own backward is
written with differentiable ops (the row's second derivative, and ``ActivationGrad`` again), so every
activation is differentiable to any order; the bias and slope gradients are channel sums of it.

The user functions are generated from the spec rows, with torch's signatures (``leaky_relu(input,
negative_slope=0.01, inplace=False)``; ``inplace`` is accepted and ignored: a new tensor is returned):
``FUNCTIONS`` maps every name and alias to its function (``nn.functional`` re-exports them all; ``engine``
those rows marked ``engine``).  Rows with a ``core`` op (``relu``, ``sigmoid``, ``tanh``, ``abs_rectifier``)
run the engine's elementwise op instead of the kernel; ``bias_act`` reaches every kernel, bias-add fused
(for Linear / Conv outputs).  The arguments are checked here, once, before the kernels run.
"""
from __future__ import annotations

from kernels import activation_backward, activation_forward
from kernels.act_spec import ACTIVATIONS, spec

from ..function import Function
from . import elementwise
from ._util import autocasting, check_same_device, constant, operand


class FusedActivation(Function):
    @staticmethod
    def forward(ctx, x, bias, weight, name, alpha, beta, axis):
        y = activation_forward(x, name, alpha, beta, bias, weight, axis)
        ctx.conf = (name, alpha, beta, axis, y if spec(name).reads_y else None)
        ctx.save_for_backward(x, bias, weight)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, bias, weight = ctx.saved_tensors
        name, alpha, beta, axis, y = ctx.conf
        gx = ActivationGrad.apply(gy, x, bias, weight, name, alpha, beta, axis, y)
        nx, nb, nw = ctx.needs_input_grad[:3]
        gb = _channel_sum(gx, axis, bias) if nb else None
        gw = _slope_grad(gy, _z(x, bias, axis), weight, axis) if nw else None
        return (gx if nx else None), gb, gw, None, None, None, None


class ActivationGrad(Function):
    """``gy * act'(x + bias)`` as one kernel pass; its backward (for the second derivative) is built from
    differentiable ops: ``ActivationGrad`` itself for the ``gy`` input, the spec row's second derivative for
    ``x`` and the bias, and the slope mask for PReLU's weight."""

    @staticmethod
    def forward(ctx, gy, x, bias, weight, name, alpha, beta, axis, y):
        ctx.conf = (name, alpha, beta, axis, y)
        ctx.save_for_backward(gy, x, bias, weight)
        return activation_backward(gy, x, name, y, alpha, beta, bias, weight, axis)[0]

    @staticmethod
    def backward(ctx, h):
        import engine

        gy, x, bias, weight = ctx.saved_tensors
        name, alpha, beta, axis, y = ctx.conf
        n_gy, n_x, n_b, n_w = ctx.needs_input_grad[:4]
        g_gy = ActivationGrad.apply(h, x, bias, weight, name, alpha, beta, axis, y) if n_gy else None
        second = spec(name).second
        z = _z(x, bias, axis) if (n_x or n_b or n_w) else None
        g_z = h * gy * second(z, alpha, beta, engine) if (n_x or n_b) and second is not None else None
        g_b = _channel_sum(g_z, axis, bias) if n_b and g_z is not None else None
        g_w = _channel_sum(h * gy * _negative(z), axis, weight) if n_w else None  # d act'(z) / d slope
        return g_gy, (g_z if n_x else None), g_b, g_w, None, None, None, None, None


def _channel_shape(ndim, axis, c):
    shape = [1] * ndim
    shape[axis % ndim] = c
    return tuple(shape)


def _z(x, bias, axis):
    return x if bias is None else x + bias.reshape(_channel_shape(x.ndim, axis, bias.shape[0]))


def _channel_sum(t, axis, param):
    """``t`` summed over every axis but the channel axis, shaped like ``param`` ((C,) or (1,))."""
    if param.numel() == 1:
        return t.sum().reshape(param.shape)
    return t.sum(dim=tuple(i for i in range(t.ndim) if i != axis % t.ndim))


def _negative(z):
    """The constant mask ``z <= 0`` (where PReLU's slope applies)."""
    return constant((z.array <= 0).astype(z.dtype))


def _slope_grad(g, z, weight, axis):
    """d/d slope of ``sum(g * prelu(z))``: ``g * z`` summed per channel where ``z <= 0``."""
    return _channel_sum(g * z * _negative(z), axis, weight)


def _apply(x, row, values, bias=None, weight=None, axis=1):
    """Check the arguments once (the kernels check nothing) and run the fused op."""
    name = row.name
    x = operand(x)
    alpha, beta = row.scalars(values)
    bias = None if bias is None else operand(bias)
    weight = None if weight is None or not row.slope_weight else operand(weight)
    if row.slope_weight and weight is None:
        raise ValueError(f"{name}: needs a weight (slope) tensor")
    check_same_device(name, x, *(t for t in (bias, weight) if t is not None))
    if bias is not None or (weight is not None and weight.numel() != 1):
        if x.ndim < 2 and not (x.ndim == 1 and bias is not None and axis in (0, -1)):
            raise ValueError(f"{name}: a per-channel parameter needs an input with a channel axis, got shape {x.shape}")
        c = x.shape[axis]
        where = f"the {c} channels (axis {axis}) of input {x.shape}"
        if weight is not None and weight.numel() not in (1, c):
            raise ValueError(f"{name}: {weight.numel()} slopes do not match {where}")
        if bias is not None and bias.shape != (c,):
            raise ValueError(f"{name}: bias of shape {bias.shape} does not match {where}")
    for what, t in (("bias", bias), ("weight", weight)):
        if t is not None and t.dtype != x.dtype and not autocasting(x):
            raise TypeError(f"{name}: {what} dtype {t.dtype} differs from input dtype {x.dtype}")
    if x.dtype.kind != "f" and not autocasting(x):
        raise TypeError(f"{name}: expected a floating-point input, got {x.dtype}")
    return FusedActivation.apply(x, bias, weight, name, alpha, beta, axis)


def bias_act(x, bias, activation="identity", axis=1, alpha=None, beta=None, weight=None):
    """``activation(x + bias)`` with ``bias`` along ``axis`` (1 for NCHW, -1 for Linear outputs), fused;
    ``alpha``, ``beta``: the activation's first and second parameter (its defaults where None)."""
    return _apply(x, spec(activation), (alpha, beta), bias, weight, axis)


def _public(row):
    """The user function of ``row``, with torch's signature (generated, so that it binds like torch's)."""
    args = ["input"] + (["weight"] if row.slope_weight else []) + [f"{p.name}={p.default!r}" for p in row.params]
    args += ["inplace=False"] if row.inplace else []
    values = "".join(f"{p.name}, " for p in row.params)
    if row.core:
        body = f"return _core(input)  # the engine's {row.core} op"
    elif row.name == "identity":
        body = "return input"
    else:
        body = f"return _apply(input, _row, ({values}){', weight=weight' if row.slope_weight else ''})"
    ns = {"_apply": _apply, "_row": row, "_core": getattr(elementwise, row.core or "abs")}
    exec(f"def {row.name}({', '.join(args)}):\n    {body}\n", ns)  # noqa: S102  (fixed text built from the spec)
    fn = ns[row.name]
    fn.__module__ = __name__
    extra = "; ``inplace`` is accepted for torch's signature and ignored (a new tensor is returned)"
    extra = extra if row.inplace else ""
    names = ", ".join(p.name for p in row.params)
    params = f" Parameters ({names}): torch's defaults." if names else ""
    fn.__doc__ = f"{row.doc}{extra}.{params}"
    return fn


FUNCTIONS = {}
for _row in ACTIVATIONS:
    _fn = _public(_row)
    for _name in (_row.name,) + _row.aliases:
        FUNCTIONS[_name] = _fn
globals().update({n: f for n, f in FUNCTIONS.items() if spec(n).engine})
#: the names ``engine`` exports (``from engine.ops.activation import *``)
__all__ = sorted(n for n in FUNCTIONS if spec(n).engine) + ["bias_act"]
del _row, _fn, _name
