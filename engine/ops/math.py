"""torch's elementwise maths beyond the core arithmetic: trig and hyperbolic functions and their
inverses, erf/erfc/erfinv, log2/log10/log1p/exp2/expm1, rsqrt/reciprocal, the rounding family,
atan2, copysign, logaddexp, fmod/remainder, ``div(rounding_mode=)``, ``clamp`` with tensor bounds,
and the ops without a gradient (bitwise and logical ops, shifts, isclose, isinf/isnan/isfinite).

Each differentiable op is one Function: forward on raw arrays, backward from Tensor ops of this
module (so every one of them is twice differentiable).  Dtypes follow torch: integer or bool input to
a floating function (``tan``, ``erf``, ...) gives the default float32; binary ops promote by torch's
rules (:func:`result_dtype`: tensors with dimensions outrank 0-d tensors, which outrank Python
numbers, unless a lower rank has a higher category bool < int < float).  The rounding family
(floor, ceil, trunc, round, sign) and ``div`` with a rounding mode have gradient zero, as in torch;
``a // b`` on floating tensors is ``div(a, b, rounding_mode="floor")`` and so also gets a zero
gradient (torch raises on it instead).  ``erf``/``erfinv`` are computed with ``math.erf`` per element
on the host (no SciPy needed): exact, but slower than a NumPy ufunc.
"""
from __future__ import annotations

import builtins
import math as _m

import numpy as np

from ..backend import device_of, get_array_module, to_device, to_numpy
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, constant, operand, shape_of, sum_to

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
DEFAULT_FLOAT = np.dtype(np.float32)


def _category(dtype) -> int:
    return _CATEGORY[np.dtype(dtype).kind]


def _scalar_dtype(v):
    if isinstance(v, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(v, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(v, (float, np.floating)):
        return DEFAULT_FLOAT
    return np.dtype(np.complex64)


def result_dtype(*operands) -> np.dtype:
    """The dtype torch gives a binary/ternary op on ``operands`` (Tensors, arrays or Python numbers)."""
    groups = ([], [], [])  # tensors with dims, 0-d tensors, Python numbers
    for x in operands:
        if x is None:
            continue
        if isinstance(x, Tensor) or hasattr(x, "dtype") and hasattr(x, "ndim"):
            groups[0 if x.ndim else 1].append(np.dtype(x.dtype))
        else:
            groups[2].append(_scalar_dtype(x))
    best = None
    for dts in groups:
        if not dts:
            continue
        dt = dts[0]
        for d in dts[1:]:
            cd, ct = _category(d), _category(dt)
            dt = np.promote_types(dt, d) if cd == ct else (d if cd > ct else dt)
        if best is None:
            best = dt
        elif _category(dt) > _category(best):
            best = DEFAULT_FLOAT if groups[2] is dts and _category(dt) == 2 else dt
            if groups[2] is dts and _category(dt) == 3:
                best = np.dtype(np.complex64)
    return best


def float_dtype(dtype) -> np.dtype:
    """``dtype`` itself when it is floating (or complex), else torch's default float32."""
    return np.dtype(dtype) if np.dtype(dtype).kind in "fc" else DEFAULT_FLOAT


def _as(x, dtype):
    """A Tensor operand cast to ``dtype`` (differentiable); Python numbers pass through."""
    if isinstance(x, Tensor):
        if x.dtype != dtype:
            from .shape import astype

            return astype(x, dtype)
        return x
    return x


def _operands(name, *xs, floating=False):
    xs = [operand(x) if x is not None else None for x in xs]
    dt = result_dtype(*xs)
    if floating:
        dt = float_dtype(dt)
    check_same_device(name, *[x for x in xs if isinstance(x, Tensor)])
    if not any(isinstance(x, Tensor) for x in xs):
        xs[0] = Tensor._wrap(np.asarray(xs[0], dtype=dt))
    return [_as(x, dt) for x in xs], dt


def _cast(y, dtype):
    return y.astype(dtype, copy=False) if y.dtype != dtype else y


# ---- differentiable unary functions -----------------------------------------------------------
class _Unary(Function):
    """``y = f(x)`` with ``dy/dx = df(x, y)`` written in Tensor ops."""

    f = None
    df = None

    @classmethod
    def forward(cls, ctx, x):
        y = _cast(cls.f(get_array_module(x), x), x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @classmethod
    def backward(cls, ctx, gy):
        x, y = ctx.saved_tensors
        return gy * cls.df(x, y)


def _erf_host(x):
    xp_ = get_array_module(x)
    out = np.frompyfunc(_m.erf, 1, 1)(to_numpy(x)).astype(np.float64)
    return out if xp_ is np else to_device(out, device_of(x))


def _erfinv_host(y):
    """Inverse erf: Giles' single-precision approximation, then Newton steps on ``math.erf``."""
    yn = to_numpy(y).astype(np.float64)
    w = -np.log(np.maximum((1.0 - yn) * (1.0 + yn), 1e-300))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(w) - 3.0
    p1 = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
          -0.00417768164, 0.246640727, 1.50140941]
    p2 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
          0.00943887047, 1.00167406, 2.83297682]
    a, b = np.full_like(yn, p1[0]), np.full_like(yn, p2[0])
    for c1, c2 in zip(p1[1:], p2[1:]):
        a, b = c1 + a * ws, c2 + b * wl
    x = np.where(small, a, b) * yn
    erf = np.frompyfunc(_m.erf, 1, 1)
    inner = np.abs(yn) < 1
    for _ in range(3):
        err = erf(x).astype(np.float64) - yn
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = err / (2.0 / _m.sqrt(_m.pi) * np.exp(-x * x))
        x = np.where(inner, x - step, x)
    x = np.where(yn == 1, np.inf, np.where(yn == -1, -np.inf, x))
    x = np.where(np.abs(yn) > 1, np.nan, x)
    return x if get_array_module(y) is np else to_device(x, device_of(y))


_TWO_OVER_SQRT_PI = 2.0 / _m.sqrt(_m.pi)


class Tan(_Unary):
    f = staticmethod(lambda xp, x: xp.tan(x))
    df = staticmethod(lambda x, y: 1 + y * y)


class Asin(_Unary):
    f = staticmethod(lambda xp, x: xp.arcsin(x))
    df = staticmethod(lambda x, y: rsqrt(1 - x * x))


class Acos(_Unary):
    f = staticmethod(lambda xp, x: xp.arccos(x))
    df = staticmethod(lambda x, y: -rsqrt(1 - x * x))


class Atan(_Unary):
    f = staticmethod(lambda xp, x: xp.arctan(x))
    df = staticmethod(lambda x, y: reciprocal(1 + x * x))


class Sinh(_Unary):
    f = staticmethod(lambda xp, x: xp.sinh(x))
    df = staticmethod(lambda x, y: cosh(x))


class Cosh(_Unary):
    f = staticmethod(lambda xp, x: xp.cosh(x))
    df = staticmethod(lambda x, y: sinh(x))


class Asinh(_Unary):
    f = staticmethod(lambda xp, x: xp.arcsinh(x))
    df = staticmethod(lambda x, y: rsqrt(x * x + 1))


class Acosh(_Unary):
    f = staticmethod(lambda xp, x: xp.arccosh(x))
    df = staticmethod(lambda x, y: rsqrt(x * x - 1))


class Atanh(_Unary):
    f = staticmethod(lambda xp, x: xp.arctanh(x))
    df = staticmethod(lambda x, y: reciprocal(1 - x * x))


class Erf(_Unary):
    f = staticmethod(lambda xp, x: _erf_host(x))
    df = staticmethod(lambda x, y: _TWO_OVER_SQRT_PI * (-(x * x)).exp())


class Erfc(_Unary):
    f = staticmethod(lambda xp, x: 1.0 - _erf_host(x))
    df = staticmethod(lambda x, y: -_TWO_OVER_SQRT_PI * (-(x * x)).exp())


class Erfinv(_Unary):
    f = staticmethod(lambda xp, x: _erfinv_host(x))
    df = staticmethod(lambda x, y: (0.5 * _m.sqrt(_m.pi)) * (y * y).exp())


class Log2(_Unary):
    f = staticmethod(lambda xp, x: xp.log2(x))
    df = staticmethod(lambda x, y: reciprocal(x * _m.log(2.0)))


class Log10(_Unary):
    f = staticmethod(lambda xp, x: xp.log10(x))
    df = staticmethod(lambda x, y: reciprocal(x * _m.log(10.0)))


class Log1p(_Unary):
    f = staticmethod(lambda xp, x: xp.log1p(x))
    df = staticmethod(lambda x, y: reciprocal(1 + x))


class Exp2(_Unary):
    f = staticmethod(lambda xp, x: xp.exp2(x))
    df = staticmethod(lambda x, y: y * _m.log(2.0))


class Expm1(_Unary):
    f = staticmethod(lambda xp, x: xp.expm1(x))
    df = staticmethod(lambda x, y: y + 1)


class Rsqrt(_Unary):
    f = staticmethod(lambda xp, x: 1 / xp.sqrt(x))
    df = staticmethod(lambda x, y: -0.5 * y * y * y)


class Reciprocal(_Unary):
    f = staticmethod(lambda xp, x: 1 / x)
    df = staticmethod(lambda x, y: -(y * y))


class _Flat(Function):
    """A piecewise-constant function: gradient zero everywhere (torch's convention at the jumps)."""

    f = None

    @classmethod
    def forward(cls, ctx, x, *args):
        ctx.n_args = len(args)
        return _cast(cls.f(get_array_module(x), x, *args), x.dtype)

    @staticmethod
    def backward(ctx, gy):
        return (gy * 0,) + (None,) * ctx.n_args


class Floor(_Flat):
    f = staticmethod(lambda xp, x: xp.floor(x))


class Ceil(_Flat):
    f = staticmethod(lambda xp, x: xp.ceil(x))


class Trunc(_Flat):
    f = staticmethod(lambda xp, x: xp.trunc(x))


class Round(_Flat):
    """Half to even, as torch; ``decimals`` rounds ``x * 10**decimals``."""

    f = staticmethod(lambda xp, x, decimals: xp.round(x, decimals))


class Sign(_Flat):
    f = staticmethod(lambda xp, x: xp.sign(x))


# ---- differentiable binary functions ----------------------------------------------------------
class Atan2(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(a, b)
        return get_array_module(a).arctan2(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        r = reciprocal(a * a + b * b)
        return (sum_to(gy * b * r, sa) if na else None, sum_to(-gy * a * r, sb) if nb else None)


class Copysign(Function):
    """|a| with the sign of b; d/da is +-1 (0 where a == 0, as torch), d/db is 0."""

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a)
        ctx.shapes = (shape_of(a), shape_of(b))
        y = xp.copysign(a, b)
        ctx.factor = xp.where(a == 0, 0, xp.sign(a) * xp.sign(y)).astype(y.dtype)
        return y

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (sum_to(gy * constant(ctx.factor), sa) if na else None, sum_to(gy * 0, sb) if nb else None)


class LogAddExp(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        y = get_array_module(a).logaddexp(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        return (sum_to(gy * (a - y).exp(), sa) if na else None, sum_to(gy * (b - y).exp(), sb) if nb else None)


class _Mod(Function):
    """``a - b * rounder(a / b)``: d/da = 1, d/db = -rounder(a / b)."""

    op = None
    rounder = None

    @classmethod
    def forward(cls, ctx, a, b):
        xp = get_array_module(a)
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.quot = cls.rounder(xp, a / b)
        return getattr(xp, cls.op)(a, b)

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        q = constant(ctx.quot.astype(gy.dtype, copy=False))
        return (sum_to(gy, sa) if na else None, sum_to(-gy * q, sb) if nb else None)


class Fmod(_Mod):
    op = "fmod"
    rounder = staticmethod(lambda xp, q: xp.trunc(q))


class Remainder(_Mod):
    op = "remainder"
    rounder = staticmethod(lambda xp, q: xp.floor(q))


class RoundedDiv(Function):
    """``div`` with ``rounding_mode`` "trunc" or "floor": piecewise constant, gradient zero."""

    @staticmethod
    def forward(ctx, a, b, mode):
        xp = get_array_module(a)
        ctx.shapes = (shape_of(a), shape_of(b))
        if a.dtype.kind in "iub":
            if mode == "floor":
                return xp.floor_divide(a, b)
            q = xp.floor_divide(a, b)
            fix = (q < 0) & (q * b != a)
            return q + fix
        return (xp.floor if mode == "floor" else xp.trunc)(a / b)

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad[:2]
        return (sum_to(gy * 0, sa) if na else None, sum_to(gy * 0, sb) if nb else None, None)


class Clamp(Function):
    """Clamp between ``lo`` and ``hi`` (each None, a number or a tensor); where ``lo > hi`` the
    result is ``hi`` (torch).  The gradient goes to whichever of x, lo, hi gives the value."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = get_array_module(x)
        y = x
        take_lo = take_hi = None
        if lo is not None:
            take_lo = x < lo
            y = xp.where(take_lo, lo, y)
        if hi is not None:
            take_hi = y > hi
            y = xp.where(take_hi, hi, y)
            if take_lo is not None:
                take_lo = take_lo & ~take_hi
        y = _cast(xp.asarray(y), x.dtype)
        ctx.masks = (take_lo, take_hi)
        ctx.shapes = (x.shape, shape_of(lo), shape_of(hi))
        return y

    @staticmethod
    def backward(ctx, gy):
        take_lo, take_hi = ctx.masks
        sx, sl, sh = ctx.shapes
        nx, nl, nh = ctx.needs_input_grad
        keep = 1
        if take_lo is not None:
            keep = keep - constant(take_lo.astype(gy.dtype))
        if take_hi is not None:
            keep = keep - constant(take_hi.astype(gy.dtype))
        gx = sum_to(gy * keep, sx) if nx else None
        gl = sum_to(gy * constant(take_lo.astype(gy.dtype)), sl) if nl else None
        gh = sum_to(gy * constant(take_hi.astype(gy.dtype)), sh) if nh else None
        return gx, gl, gh


# ---- user functions ----------------------------------------------------------------------------
def _unary_float(cls, x):
    x = operand(x)
    if not isinstance(x, Tensor):
        x = Tensor._wrap(np.asarray(x, dtype=DEFAULT_FLOAT))
    return cls.apply(_as(x, float_dtype(x.dtype)))


def tan(x):
    return _unary_float(Tan, x)


def asin(x):
    return _unary_float(Asin, x)


def acos(x):
    return _unary_float(Acos, x)


def atan(x):
    return _unary_float(Atan, x)


def sinh(x):
    return _unary_float(Sinh, x)


def cosh(x):
    return _unary_float(Cosh, x)


def asinh(x):
    return _unary_float(Asinh, x)


def acosh(x):
    return _unary_float(Acosh, x)


def atanh(x):
    return _unary_float(Atanh, x)


def erf(x):
    return _unary_float(Erf, x)


def erfc(x):
    return _unary_float(Erfc, x)


def erfinv(x):
    return _unary_float(Erfinv, x)


def log2(x):
    return _unary_float(Log2, x)


def log10(x):
    return _unary_float(Log10, x)


def log1p(x):
    return _unary_float(Log1p, x)


def exp2(x):
    return _unary_float(Exp2, x)


def expm1(x):
    return _unary_float(Expm1, x)


def rsqrt(x):
    return _unary_float(Rsqrt, x)


def reciprocal(x):
    return _unary_float(Reciprocal, x)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _flat(cls, x, *args):
    x = operand(x)
    if not isinstance(x, Tensor):
        x = Tensor._wrap(np.asarray(x))
    return cls.apply(x, *args)


def floor(x):
    return _flat(Floor, x)


def ceil(x):
    return _flat(Ceil, x)


def trunc(x):
    return _flat(Trunc, x)


fix = trunc


def round(x, decimals=0):  # noqa: A001  (torch's name)
    """Round half to even; ``decimals`` digits after the point (torch's ``round(decimals=)``)."""
    x = operand(x)
    if isinstance(x, Tensor) and x.dtype.kind in "iub" and decimals == 0:
        return _flat(Round, x, 0)
    return _flat(Round, x, int(decimals))


def sign(x):
    return _flat(Sign, x)


def sgn(x):
    return sign(x)


def _binary_float(cls, name, a, b):
    (a, b), _ = _operands(name, a, b, floating=True)
    try:
        return cls.apply(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"{name}: cannot broadcast shapes {shape_of(a)} and {shape_of(b)}") from None
        raise


def atan2(input, other):  # noqa: A002  (torch's argument names)
    return _binary_float(Atan2, "atan2", input, other)


arctan2 = atan2


def copysign(input, other):  # noqa: A002
    return _binary_float(Copysign, "copysign", input, other)


def logaddexp(input, other):  # noqa: A002
    return _binary_float(LogAddExp, "logaddexp", input, other)


def _binary_promoted(cls, name, a, b, *args):
    (a, b), _ = _operands(name, a, b)
    try:
        return cls.apply(a, b, *args)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"{name}: cannot broadcast shapes {shape_of(a)} and {shape_of(b)}") from None
        raise


def _check_int_divisor(name, a, b):
    bd = b.data if isinstance(b, Tensor) else b
    ad = a.data if isinstance(a, Tensor) else a
    dt = result_dtype(operand(a), operand(b))
    if dt.kind in "iu" and bool(get_array_module(bd).any(get_array_module(bd).asarray(bd) == 0)):
        raise ZeroDivisionError(f"{name}: integer division by zero (shapes {shape_of(ad)} and {shape_of(bd)})")


def fmod(input, other):  # noqa: A002
    """C's fmod: the remainder takes the sign of the dividend (torch.fmod)."""
    _check_int_divisor("fmod", input, other)
    return _binary_promoted(Fmod, "fmod", input, other)


def remainder(input, other):  # noqa: A002
    """Python's ``%``: the remainder takes the sign of the divisor (torch.remainder)."""
    _check_int_divisor("remainder", input, other)
    return _binary_promoted(Remainder, "remainder", input, other)


def div(input, other, rounding_mode=None):  # noqa: A002
    """torch.div: true division (integers give float32), or rounded with ``"trunc"``/``"floor"``."""
    if rounding_mode is None:
        from .elementwise import div as true_div

        (a, b), dt = _operands("div", input, other, floating=True)
        return true_div(a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    _check_int_divisor("div", input, other)
    return _binary_promoted(RoundedDiv, "div", input, other, rounding_mode)


divide = true_divide = div


def floor_divide(input, other):  # noqa: A002
    return div(input, other, rounding_mode="floor")


def pow(input, exponent):  # noqa: A001,A002  (torch's name)
    """torch.pow: either side a tensor or a number; dtypes promote as torch."""
    from .elementwise import power

    (a, b), _ = _operands("pow", input, exponent)
    return power(a, b)


def clamp(input, min=None, max=None):  # noqa: A001,A002  (torch's names)
    """Clamp to ``[min, max]``; each bound None, a number or a tensor (broadcast)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    x = operand(input)
    lo, hi = operand(min) if min is not None else None, operand(max) if max is not None else None
    if isinstance(x, Tensor) and not isinstance(lo, Tensor) and not isinstance(hi, Tensor) and (
            x.dtype.kind in "fc" or all(isinstance(b, (int, type(None))) for b in (lo, hi))) and (
            lo is None or hi is None or lo <= hi):
        from .elementwise import Clip

        return Clip.apply(x, lo, hi)  # number bounds: the plain clip (gradient 1 inside, bounds included)
    check_same_device("clamp", *[t for t in (x, lo, hi) if isinstance(t, Tensor)])
    dt = result_dtype(x, lo, hi)
    x, lo, hi = _as(x, dt), _as(lo, dt), _as(hi, dt)
    out_shape = np.broadcast_shapes(shape_of(x), shape_of(lo), shape_of(hi))
    if out_shape != tuple(x.shape):
        from .shape import broadcast_to

        x = broadcast_to(x, out_shape)
    return Clamp.apply(x, lo, hi)


clip = clamp


def lerp(input, end, weight):  # noqa: A002
    """``input + weight * (end - input)``; ``weight`` a number or a tensor."""
    start, end = operand(input), operand(end)
    return start + weight * (end - start)


# ---- ops without a gradient --------------------------------------------------------------------
def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _nograd(name, fn, *xs):
    xs = [operand(x) for x in xs]
    check_same_device(name, *[x for x in xs if isinstance(x, Tensor)])
    raws = [_raw(x) for x in xs]
    xp = get_array_module(next((r for r in raws if hasattr(r, "dtype")), None))
    try:
        out = fn(xp, *raws)
    except TypeError as e:
        dts = ", ".join(str(getattr(r, "dtype", type(r).__name__)) for r in raws)
        raise TypeError(f"{name}: not supported for dtypes ({dts})") from e
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"{name}: cannot broadcast shapes {[shape_of(r) for r in raws]}") from None
        raise
    return Tensor._wrap(get_array_module(out).asarray(out))


def _integral(name, *xs):
    for x in xs:
        dt = x.dtype if isinstance(x, Tensor) else _scalar_dtype(x)
        if np.dtype(dt).kind not in "iub":
            raise TypeError(f"{name}: only integer and bool tensors are supported, got {np.dtype(dt)}")


def _bitwise(name, ufunc, a, b):
    _integral(name, operand(a), operand(b))
    dt = result_dtype(operand(a), operand(b))
    return _nograd(name, lambda xp, x, y: getattr(xp, ufunc)(x, y).astype(dt, copy=False), a, b)


def bitwise_and(input, other):  # noqa: A002
    return _bitwise("bitwise_and", "bitwise_and", input, other)


def bitwise_or(input, other):  # noqa: A002
    return _bitwise("bitwise_or", "bitwise_or", input, other)


def bitwise_xor(input, other):  # noqa: A002
    return _bitwise("bitwise_xor", "bitwise_xor", input, other)


def bitwise_left_shift(input, other):  # noqa: A002
    return _bitwise("bitwise_left_shift", "left_shift", input, other)


def bitwise_right_shift(input, other):  # noqa: A002
    return _bitwise("bitwise_right_shift", "right_shift", input, other)


def bitwise_not(input):  # noqa: A002
    _integral("bitwise_not", operand(input))
    return _nograd("bitwise_not", lambda xp, x: xp.invert(x), input)


def logical_not(input):  # noqa: A002
    return _nograd("logical_not", lambda xp, x: xp.logical_not(x), input)


def logical_and(input, other):  # noqa: A002
    return _nograd("logical_and", lambda xp, x, y: xp.logical_and(x, y), input, other)


def logical_or(input, other):  # noqa: A002
    return _nograd("logical_or", lambda xp, x, y: xp.logical_or(x, y), input, other)


def logical_xor(input, other):  # noqa: A002
    return _nograd("logical_xor", lambda xp, x, y: xp.logical_xor(x, y), input, other)


def isinf(input):  # noqa: A002
    return _nograd("isinf", lambda xp, x: xp.isinf(x), input)


def isnan(input):  # noqa: A002
    return _nograd("isnan", lambda xp, x: xp.isnan(x), input)


def isfinite(input):  # noqa: A002
    return _nograd("isfinite", lambda xp, x: xp.isfinite(x), input)


def isposinf(input):  # noqa: A002
    return _nograd("isposinf", lambda xp, x: xp.isposinf(x), input)


def isneginf(input):  # noqa: A002
    return _nograd("isneginf", lambda xp, x: xp.isneginf(x), input)


def _compare(name, fn):
    def op(input, other):  # noqa: A002
        return _nograd(name, lambda xp, x, y: fn(x, y), input, other)

    op.__name__ = name
    op.__doc__ = f"torch.{name}: elementwise comparison, a bool tensor (no gradient)."
    return op


eq = _compare("eq", lambda a, b: a == b)
ne = _compare("ne", lambda a, b: a != b)
lt = _compare("lt", lambda a, b: a < b)
le = _compare("le", lambda a, b: a <= b)
gt = _compare("gt", lambda a, b: a > b)
ge = _compare("ge", lambda a, b: a >= b)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def equal(input, other) -> bool:  # noqa: A002
    """True when both have the same shape and the same elements (torch.equal)."""
    a, b = operand(input), operand(other)
    return tuple(shape_of(a)) == tuple(shape_of(b)) and bool(eq(a, b).data.all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """``|a - b| <= atol + rtol * |b|`` elementwise (torch.isclose; infinities equal themselves)."""
    a, b = operand(input), operand(other)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
        raise TypeError(f"isclose: input dtype {a.dtype} and other dtype {b.dtype} differ")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    return _nograd("isclose", lambda xp, x, y: xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """True when every element is close (torch.allclose): a Python bool."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).data.all())
