"""torch's unary elementwise maths: tan, asin/acos/atan, sinc, sinh/cosh, asinh/acosh/atanh, erf/erfc/erfinv,
log2/log10/log1p/exp2/expm1, rsqrt/reciprocal, and the rounding family (floor, ceil, trunc, round
with ``decimals``, sign).

Each differentiable op is one Function: forward on raw arrays, backward from Tensor ops of this module
(so every one is twice differentiable).  Integer or bool input to a floating function gives torch's
default float32.  The rounding family has gradient zero everywhere, as torch.  erf/erfinv come from
:mod:`engine.ops._special` (exact, on the host).
"""
from __future__ import annotations

import math as _m

import numpy as np

from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._special import erf_host, erfinv_host
from .elementwise import where
from ._util import operand
from .promotion import DEFAULT_FLOAT, cast, cast_array, float_dtype

# ---- differentiable unary functions -----------------------------------------------------------
class _Unary(Function):
    """``y = f(x)`` with ``dy/dx = df(x, y)`` written in Tensor ops."""

    f = None
    df = None

    @classmethod
    def forward(cls, ctx, x):
        y = cast_array(cls.f(get_array_module(x), x), x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @classmethod
    def backward(cls, ctx, gy):
        x, y = ctx.saved_tensors
        return gy * cls.df(x, y)


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


def _sinc(xp, x):
    """torch's sinc, normalised: sin(pi x) / (pi x), 1 at 0 (NumPy's np.sinc is the same function)."""
    return xp.sinc(x)


def _dsinc(x, y):
    """d/dx sinc(x) = (cos(pi x) - sinc(x)) / x, 0 at 0 (the division is made safe there, as torch)."""
    at0 = x == 0
    safe = where(at0, 1.0, x)
    return where(at0, 0.0, ((safe * _m.pi).cos() - y) / safe)


class Sinc(_Unary):
    f = staticmethod(_sinc)
    df = staticmethod(_dsinc)


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
    f = staticmethod(lambda xp, x: erf_host(x))
    df = staticmethod(lambda x, y: _TWO_OVER_SQRT_PI * (-(x * x)).exp())


class Erfc(_Unary):
    f = staticmethod(lambda xp, x: 1.0 - erf_host(x))
    df = staticmethod(lambda x, y: -_TWO_OVER_SQRT_PI * (-(x * x)).exp())


class Erfinv(_Unary):
    f = staticmethod(lambda xp, x: erfinv_host(x))
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
        return cast_array(cls.f(get_array_module(x), x, *args), x.dtype)

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



# ---- user functions ----------------------------------------------------------------------------
def _unary_float(cls, x):
    x = operand(x)
    if not isinstance(x, Tensor):
        x = Tensor._wrap(np.asarray(x, dtype=DEFAULT_FLOAT))
    return cls.apply(cast(x, float_dtype(x.dtype)))


def tan(x):
    return _unary_float(Tan, x)


def asin(x):
    return _unary_float(Asin, x)


def acos(x):
    return _unary_float(Acos, x)


def atan(x):
    return _unary_float(Atan, x)


def sinc(x):
    """torch.sinc: the normalised sinc, sin(pi x) / (pi x), 1 at 0.  (Kiln's activation ``F.sinc`` /
    ``nn.Sinc`` is the unnormalised sin(x) / x of the course notes; it is not torch's and not ``engine.sinc``.)"""
    return _unary_float(Sinc, x)


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
