"""Elementwise ops: arithmetic with NumPy broadcasting, and the unary maths functions.

Each op is one Function subclass (forward on raw arrays, backward in Tensor ops, so every one is
twice differentiable) plus one user function.  Binary ops broadcast like NumPy and send each input
the gradient summed back to its own shape.  ``relu``, ``sigmoid`` and ``tanh`` live here as plain
NumPy/CuPy expressions; the fused-kernel activations of the course list live in ``ops.activation``.
At a tie, ``maximum``/``minimum`` split the gradient evenly between the two inputs (as PyTorch does).

Dtypes promote as torch's (``engine.dtypes.result_type``): float32 op float64 -> float64, an integer
tensor op a Python float -> the default float dtype, int / int -> the default float dtype; a 0-d
tensor or a Python scalar does not widen a tensor of the same category.  ``//`` (floor_divide, no
gradient, as torch has none) and ``%`` (remainder) round toward minus infinity, as Python and torch.
``x ** p`` follows torch at the edges: the gradient for x is 0 where p == 0, and the gradient for p
is 0 where x == 0 and p >= 0; ``c ** x`` with a negative Python c gives nan gradients, not an error.
The float functions (exp, log, sqrt, sin, ...) turn integer input into the default float dtype.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, constant, operand, shape_of, sum_to


def _cast(x, target):
    from .shape import astype

    return x if not isinstance(x, Tensor) or x.array.dtype == target else astype(x, target)


def promote(a, b, true_div=False):
    """Cast tensor operands to torch's result dtype (Python scalars stay: NumPy treats them as weak)."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if a.array.dtype == b.array.dtype and (not true_div or a.array.dtype.kind in "fc"):
            return a, b
    elif ta or tb:
        t, s = (a, b) if ta else (b, a)
        kind = t.array.dtype.kind
        if (kind in "fc" and not isinstance(s, complex)) or (kind in "iu" and not true_div and
                                                              isinstance(s, (int, np.integer))):
            return a, b
    target = _dt.result_type(a.array if ta else a, b.array if tb else b)
    if true_div and target.kind not in "fcV":
        target = _dt.get_default_dtype().dtype
    return _cast(a, target), _cast(b, target)


def _binary(cls, name, a, b, *args, true_div=False):
    """Operands made tensors/scalars, on one device, promoted as torch, then ``cls.apply(a, b, *args)``;
    NumPy's broadcasting failure becomes a ValueError naming the op and both shapes."""
    if not isinstance(a, Tensor):
        a = operand(a)
    if not isinstance(b, Tensor):
        b = operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.array.__class__ is not b.array.__class__:
        check_same_device(name, a, b)
    a, b = promote(a, b, true_div)
    try:
        return cls.apply(a, b, *args)
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


class _BinaryKeepingOutput(Function):
    """Base of a binary op whose backward reads both inputs and the output: ``forward`` runs ``compute(a, b)``
    and keeps the three and the input shapes (``ctx.shapes``)."""

    compute = None

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        y = cls.compute(a, b)
        ctx.save_for_backward(a, b, y)
        return y


class Pow(_BinaryKeepingOutput):
    """``x ** p`` where either side may be a tensor or a Python scalar."""

    compute = staticmethod(lambda x, p: x**p)

    @staticmethod
    def backward(ctx, gy):
        x, p, y = ctx.saved_tensors
        sx, sp = ctx.shapes
        nx, np_ = ctx.needs_input_grad
        gx = gp = None
        if nx:
            if isinstance(p, Tensor):  # torch: 0 where the exponent is 0 (not 0 * x ** -1)
                gx = sum_to(where(constant(p.array == 0), 0.0, gy * p * x ** (p - 1)), sx)
            elif p == 0:
                gx = constant(get_array_module(gy.array).zeros(sx, gy.dtype))
            else:
                gx = sum_to(gy * p * x ** (p - 1), sx)
        if np_:
            if isinstance(x, Tensor):
                at0 = constant(np.logical_and(x.array == 0, p.array >= 0))
                gp = where(at0, 0.0, gy * y * log(x))
            else:  # a Python base: log(c) is nan for c < 0 and -inf at 0, as torch
                with np.errstate(divide="ignore", invalid="ignore"):
                    logc = float(np.log(np.float64(x)))
                gp = gy * y * logc
                if x == 0:
                    gp = where(constant(p.array >= 0), 0.0, gp)
            gp = sum_to(gp, sp)
        return gx, gp


def _unary_function(name, ufunc, save, derivative):
    """A Function ``y = xp.<ufunc>(x)`` whose gradient ``derivative(gy, saved)`` reads the saved input
    (``save="x"``) or output (``save="y"``); written with Tensor ops, so twice differentiable."""
    keep_output = save == "y"

    def forward(ctx, x):
        y = getattr(get_array_module(x), ufunc)(x)
        ctx.save_for_backward(y if keep_output else x)
        return y

    def backward(ctx, gy):
        (saved,) = ctx.saved_tensors
        return derivative(gy, saved)

    return type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                                    "__module__": __name__, "__qualname__": name})


Exp = _unary_function("Exp", "exp", "y", lambda gy, y: gy * y)
Log = _unary_function("Log", "log", "x", lambda gy, x: gy / x)
Sqrt = _unary_function("Sqrt", "sqrt", "y", lambda gy, y: gy * 0.5 / y)
Sin = _unary_function("Sin", "sin", "x", lambda gy, x: gy * cos(x))
Cos = _unary_function("Cos", "cos", "x", lambda gy, x: -gy * sin(x))
Tanh = _unary_function("Tanh", "tanh", "y", lambda gy, y: gy * (1 - y * y))


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


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """torch's ``F.hardtanh`` (``relu6`` is ``hardtanh(x, 0, 6)``); bounds must satisfy min_val <= max_val."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} is greater than max_val {max_val}")
    from .arith import Clamp  # number bounds: the strict-interior gradient hardtanh has

    return Clamp.apply(operand(x), float(min_val), float(max_val))


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
    """True division: integer operands give the default float dtype, as torch."""
    return _binary(Div, "div", a, b, true_div=True)


def power(x, p):
    return _binary(Pow, "power", x, p)


pow = power  # noqa: A001  (torch's name)


def _check_integer_divisor(name, a, b):
    """Integer division by zero raises (as torch), instead of NumPy's silent 0 and a warning."""
    ra, rb = (a.array if isinstance(a, Tensor) else a), (b.array if isinstance(b, Tensor) else b)
    a_int = getattr(ra, "dtype", np.dtype(type(ra))).kind in "iub"
    b_int = getattr(rb, "dtype", np.dtype(type(rb))).kind in "iub"
    if a_int and b_int and bool((rb == 0).any() if hasattr(rb, "any") else rb == 0):
        raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")


def remainder(a, b):
    """``a % b``, the sign of ``b`` (Python's and torch's); differentiable."""
    _check_integer_divisor("remainder", a, b)
    from .arith import remainder as arith_remainder  # the one Remainder Function (engine/ops/arith.py)

    return arith_remainder(a, b)


def floor_divide(a, b):
    """``a // b`` rounded toward minus infinity (torch's ``//``); no gradient, as torch has none."""
    a = a if isinstance(a, Tensor) else operand(a)
    b = b if isinstance(b, Tensor) else operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        check_same_device("floor_divide", a, b)
    a, b = promote(a, b)
    ra, rb = (a.array if isinstance(a, Tensor) else a), (b.array if isinstance(b, Tensor) else b)
    xp = get_array_module(ra if hasattr(ra, "dtype") else rb)
    _check_integer_divisor("floor_divide", a, b)
    return constant(xp.asarray(xp.floor_divide(ra, rb)))


def _floating(x):
    """Integer/bool input to the float functions becomes the default float dtype, as torch."""
    x = operand(x)
    if isinstance(x, Tensor) and x.array.dtype.kind in "biu":
        from .shape import astype

        return astype(x, _dt.get_default_dtype().dtype)
    return x


def _unary(cls, name, floating):
    """The user function of a one-input op: ``floating`` ones turn integer/bool input into the default float."""
    prepare = _floating if floating else operand

    def op(x):
        return cls.apply(prepare(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"torch.{name}, elementwise and differentiable" + (
        " (integer or bool input becomes the default float dtype)" if floating else "")
    return op


neg = _unary(Neg, "neg", floating=False)
abs = _unary(Abs, "abs", floating=False)  # noqa: A001  (torch's name)
relu = _unary(Relu, "relu", floating=False)
exp = _unary(Exp, "exp", floating=True)
log = _unary(Log, "log", floating=True)
sqrt = _unary(Sqrt, "sqrt", floating=True)
sin = _unary(Sin, "sin", floating=True)
cos = _unary(Cos, "cos", floating=True)
tanh = _unary(Tanh, "tanh", floating=True)
sigmoid = _unary(Sigmoid, "sigmoid", floating=True)


def maximum(a, b):
    return _binary(Maximum, "maximum", a, b)


def minimum(a, b):
    return _binary(Minimum, "minimum", a, b)


def where(cond, a, b):
    """Elements of ``a`` where ``cond`` holds, else of ``b`` (NumPy broadcasting)."""
    c = cond.array if isinstance(cond, Tensor) else cond
    a, b = operand(a), operand(b)
    check_same_device("where", a, b)
    a, b = promote(a, b)
    return Where.apply(get_array_module(c).asarray(c, dtype=bool), a, b)
