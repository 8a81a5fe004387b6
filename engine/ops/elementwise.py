"""Elementwise ops: arithmetic with NumPy broadcasting, and the unary maths functions.

Each op is one Function subclass (forward on raw arrays, backward in Tensor ops, so every one is
twice differentiable) plus one user function.  Binary ops broadcast like NumPy and send each input
the gradient summed back to its own shape.  ``relu``, ``sigmoid`` and ``tanh`` live here as plain
NumPy/CuPy expressions; the fused-kernel activations of the course list live in ``ops.activation``.
At a tie, ``maximum``/``minimum`` split the gradient evenly between the two inputs (as PyTorch does).
"""
from __future__ import annotations

import math

from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, constant, operand, shape_of, sum_to


def _binary(cls, name, a, b):
    if not isinstance(a, Tensor):
        a = operand(a)
    if not isinstance(b, Tensor):
        b = operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.__class__ is not b.data.__class__:
        check_same_device(name, a, b)
    try:
        return cls.apply(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"{name}: cannot broadcast shapes {shape_of(a)} and {shape_of(b)}") from None
        raise


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return a + b

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (sum_to(gy, sa) if na else None, sum_to(gy, sb) if nb else None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return a - b

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (sum_to(gy, sa) if na else None, sum_to(-gy, sb) if nb else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)  # only what backward reads, as torch
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (sum_to(gy * b, sa) if na else None, sum_to(gy * a, sb) if nb else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # only what backward reads, as torch
        return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        ga = sum_to(gy / b, sa) if na else None
        gb = sum_to(-gy * a / (b * b), sb) if nb else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return -gy


class Pow(Function):
    """``x ** p`` where either side may be a tensor or a Python scalar."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.shapes = (shape_of(x), shape_of(p))
        y = x**p
        ctx.save_for_backward(x, p, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, p, y = ctx.saved_tensors
        sx, sp = ctx.shapes
        nx, np_ = ctx.needs_input_grad
        gx = sum_to(gy * p * x ** (p - 1), sx) if nx else None
        gp = None
        if np_:
            logx = log(x) if hasattr(x, "data") else math.log(x)
            gp = sum_to(gy * y * logx, sp)
        return gx, gp


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * 0.5 / y


class Abs(Function):
    """|x|; the gradient at 0 is 0 (sign(0) = 0, as NumPy and PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.sign = xp.sign(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * constant(ctx.sign)


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cos(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * sin(x)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1 - y * y)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        # stable for large |x|: 0.5 * (1 + tanh(x / 2)) == 1 / (1 + exp(-x))
        y = (xp.tanh(x * 0.5) + 1) * 0.5
        y = y.astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * (1 - y)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.mask = x > 0
        return xp.maximum(x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return gy * constant(ctx.mask.astype(gy.dtype))


class Clip(Function):
    """Clip to [a_min, a_max]; the gradient passes where the input lies inside (bounds included)."""

    @staticmethod
    def forward(ctx, x, a_min, a_max):
        xp = get_array_module(x)
        mask = xp.ones(x.shape, dtype=bool)
        if a_min is not None:
            mask &= x >= a_min
        if a_max is not None:
            mask &= x <= a_max
        ctx.mask = mask
        return xp.clip(x, a_min, a_max)

    @staticmethod
    def backward(ctx, gy):
        return gy * constant(ctx.mask.astype(gy.dtype)), None, None


class _Extremum(Function):
    """Elementwise maximum/minimum; ``pick(a, b)`` is the bool array of where ``a`` wins."""

    pick = None
    combine = None

    @classmethod
    def forward(cls, ctx, a, b):
        xp = get_array_module(a if hasattr(a, "dtype") else b)
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.wa = cls.pick(a, b) + 0.5 * (a == b)
        return getattr(xp, cls.combine)(a, b)

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        wa = constant(ctx.wa.astype(gy.dtype))
        return (sum_to(gy * wa, sa) if na else None, sum_to(gy * (1 - wa), sb) if nb else None)


class Maximum(_Extremum):
    pick = staticmethod(lambda a, b: a > b)
    combine = "maximum"


class Minimum(_Extremum):
    pick = staticmethod(lambda a, b: a < b)
    combine = "minimum"


class Where(Function):
    """``where(cond, a, b)``: ``cond`` is a bool array/tensor and gets no gradient."""

    @staticmethod
    def forward(ctx, cond, a, b):
        xp = get_array_module(cond)
        ctx.cond = cond.copy()  # the caller's mask may be written in place before backward
        ctx.shapes = (shape_of(a), shape_of(b))
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        _, na, nb = ctx.needs_input_grad
        m = constant(ctx.cond.astype(gy.dtype))
        return None, (sum_to(gy * m, sa) if na else None), (sum_to(gy * (1 - m), sb) if nb else None)


# ---- user functions ---------------------------------------------------------------------------
def add(a, b):
    return _binary(Add, "add", a, b)


def sub(a, b):
    return _binary(Sub, "sub", a, b)


def mul(a, b):
    return _binary(Mul, "mul", a, b)


def div(a, b):
    return _binary(Div, "div", a, b)


def power(x, p):
    return _binary(Pow, "power", x, p)


def neg(x):
    return Neg.apply(x)


def exp(x):
    return Exp.apply(operand(x))


def log(x):
    return Log.apply(operand(x))


def sqrt(x):
    return Sqrt.apply(operand(x))


def abs(x):  # noqa: A001  (NumPy's name)
    return Abs.apply(operand(x))


def sin(x):
    return Sin.apply(operand(x))


def cos(x):
    return Cos.apply(operand(x))


def tanh(x):
    return Tanh.apply(operand(x))


def sigmoid(x):
    return Sigmoid.apply(operand(x))


def relu(x):
    return Relu.apply(operand(x))


def clip(x, a_min=None, a_max=None):
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    return Clip.apply(operand(x), a_min, a_max)


def maximum(a, b):
    return _binary(Maximum, "maximum", a, b)


def minimum(a, b):
    return _binary(Minimum, "minimum", a, b)


def where(cond, a, b):
    """Elements of ``a`` where ``cond`` holds, else of ``b`` (NumPy broadcasting)."""
    c = cond.data if isinstance(cond, Tensor) else cond
    a, b = operand(a), operand(b)
    check_same_device("where", a, b)
    return Where.apply(get_array_module(c).asarray(c, dtype=bool), a, b)
