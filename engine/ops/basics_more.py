"""torch's smaller elementwise functions: ``frac``, ``deg2rad`` / ``rad2deg``, ``clamp_min`` / ``clamp_max``,
``positive``, ``rsub``, ``hypot``, ``xlogy``, ``logit``, ``heaviside``, ``nan_to_num``, ``float_power``,
``ldexp``, ``signbit``, ``lgamma``, ``digamma`` / ``polygamma`` and ``isin``.

Most are compositions of existing engine ops (differentiable for free).  Four are Functions: ``xlogy`` (torch's gradients at 0), ``hypot`` (NumPy's
overflow-free hypot forward), ``lgamma`` and ``polygamma`` (``digamma`` is ``polygamma(0, .)``).  The gamma
family is evaluated by SciPy's ``scipy.special`` on the host (an optional dependency, the ``solvers`` extra),
as erf is: a GPU array is copied to the host and back, so no device branch is needed here.  ``heaviside``,
``signbit`` and ``isin`` have no gradient, as in torch.
"""
from __future__ import annotations

import math as _m

import numpy as np

from .. import dtypes as _dt
from ..backend import device_of, get_array_module, to_device, to_numpy
from ..function import Function
from ..tensor import Tensor
from ._util import operand, shape_of, sum_to
from .arith import _binary_promoted, clamp
from .basics import _tensor, _torch_name
from .elementwise import _binary, _floating, log, mul, pow as _pow, sub, where
from .index import masked_fill
from .logic import _nograd, isinf, isnan
from .math import _Unary, _unary_float, trunc
from .promotion import result_dtype
from .shape import astype


def _no_integers(name, x):
    if x.dtype.kind in "iub":
        raise NotImplementedError(f'"{name}" not implemented for \'{_torch_name(x.dtype)}\'')


# ---- compositions -----------------------------------------------------------------------------
def frac(input):  # noqa: A002
    """torch.frac: ``input - trunc(input)`` (sign of ``input``; gradient 1); floating input only."""
    x = _tensor(input)
    _no_integers("frac", x)
    return sub(x, trunc(x))


def deg2rad(input):  # noqa: A002
    """torch.deg2rad: degrees to radians (integer or bool input gives the default float)."""
    return mul(_floating(_tensor(input)), _m.pi / 180.0)


def rad2deg(input):  # noqa: A002
    """torch.rad2deg: radians to degrees (integer or bool input gives the default float)."""
    return mul(_floating(_tensor(input)), 180.0 / _m.pi)


def clamp_min(input, min):  # noqa: A001,A002  (torch's names)
    """torch.clamp_min: ``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A001,A002
    """torch.clamp_max: ``clamp(input, max=max)``."""
    return clamp(input, max=max)


def positive(input):  # noqa: A002
    """torch.positive: ``input`` itself (refused for bool, as torch)."""
    x = _tensor(input)
    if x.dtype == np.bool_:
        raise NotImplementedError("The `+` operator, on a bool tensor is not supported.")
    return x


def rsub(input, other, *, alpha=1):  # noqa: A002
    """torch.rsub: ``other - alpha * input``."""
    x = _tensor(input)
    if x.dtype == np.bool_ and isinstance(other, Tensor) and other.dtype == np.bool_:
        raise NotImplementedError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                                  "`^` or `logical_xor()` operator instead.")
    return sub(other, x if alpha == 1 else mul(x, alpha))


def logit(input, eps=None):  # noqa: A002
    """torch.logit: ``log(p / (1 - p))``; with ``eps``, ``p`` is ``input`` clamped to ``[eps, 1 - eps]`` first
    (gradient zero outside, as torch)."""
    p = _floating(_tensor(input))
    if eps is not None:
        lo, hi = float(eps), 1.0 - float(eps)
        p = where(p < lo, lo, where(p > hi, hi, p))
    return log(p / (1 - p))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """torch.nan_to_num: NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's
    largest and lowest finite values by default); the replaced entries get gradient zero.  Integer input is
    returned as a copy."""
    from .basics import clone

    x = _tensor(input)
    if x.dtype.kind in "iub":
        return clone(x)
    info = np.finfo(x.dtype)
    hi = float(info.max) if posinf is None else posinf
    lo = float(info.min) if neginf is None else neginf
    x = masked_fill(x, isnan(x), nan)
    inf = isinf(x)
    return masked_fill(masked_fill(x, inf & (x > 0), hi), inf & (x < 0), lo)


def float_power(input, exponent):  # noqa: A002
    """torch.float_power: ``input ** exponent`` computed in float64 (complex128 for complex operands)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: input or exponent must be a Tensor, got two numbers")
    dt = np.dtype(np.complex128 if result_dtype(input, exponent).kind == "c" else np.float64)
    a = astype(input, dt) if isinstance(input, Tensor) else input
    b = astype(exponent, dt) if isinstance(exponent, Tensor) else exponent
    if not isinstance(a, Tensor):
        a = Tensor._wrap(get_array_module(b.array).asarray(a, dtype=dt))
    return _pow(a, b)


def ldexp(input, other):  # noqa: A002
    """torch.ldexp: ``input * 2 ** other`` (a floating result; integer operands give the default float)."""
    x = _tensor(input)
    return mul(_floating(x) if x.dtype.kind in "iub" else x, _pow(2.0, _floating(_tensor(other))))


def heaviside(input, values):  # noqa: A002
    """torch.heaviside: 0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive; both must have
    one dtype, as torch.  No gradient (torch has no derivative for it)."""
    x, v = _tensor(input), _tensor(values)
    if x.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _nograd("heaviside", lambda xp, a, b: xp.where(a == 0, b, a > 0).astype(a.dtype), x, v)


def signbit(input):  # noqa: A002
    """torch.signbit: True where the sign bit is set (-0.0 included); bool, no gradient."""
    return _nograd("signbit", lambda xp, a: xp.signbit(a) if a.dtype.kind == "f" else a < 0, _tensor(input))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """torch.isin: for each of ``elements``, whether it occurs in ``test_elements`` (either may be a number);
    bool, no gradient.  ``assume_unique`` is accepted for torch's signature (the answer is the same)."""
    del assume_unique
    e, t = _tensor(elements), _tensor(test_elements)
    return _nograd("isin", lambda xp, a, b: xp.isin(a, b, invert=invert), e, t)


# ---- Functions --------------------------------------------------------------------------------
class Hypot(Function):
    """``sqrt(a**2 + b**2)`` without overflow; d/da = a / y, d/db = b / y."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        y = get_array_module(a).hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad
        g = gy / y
        return (sum_to(g * a, sa) if na else None, sum_to(g * b, sb) if nb else None)


def hypot(input, other):  # noqa: A002
    """torch.hypot: ``sqrt(input**2 + other**2)`` elementwise, without overflow; floating operands only."""
    for x in (input, other):
        if isinstance(x, Tensor):
            _no_integers("hypot", x)
    return _binary_promoted(Hypot, "hypot", input, other, floating=True)


class Xlogy(Function):
    """``x * log(y)``, 0 where ``x == 0`` unless ``y`` is NaN.  Gradients are torch's: ``log(y)`` for ``x``
    (0 only where ``x == 0`` and ``y <= 0``) and ``x / y`` for ``y``."""

    @staticmethod
    def forward(ctx, x, y):
        xp = get_array_module(x)
        ctx.shapes = (shape_of(x), shape_of(y))
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), x * xp.log(y))

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        sx, sy = ctx.shapes
        nx, ny = ctx.needs_input_grad
        gx = masked_fill(xlogy(gy, y), (x == 0) & (y <= 0), 0) if nx else None
        return (sum_to(gx, sx) if nx else None, sum_to(gy * x / y, sy) if ny else None)


def xlogy(input, other):  # noqa: A002
    """torch.xlogy: ``input * log(other)``, 0 where ``input == 0`` unless ``other`` is NaN (then NaN), as torch;
    either may be a number; integer or bool operands give the default float."""
    dt = result_dtype(operand(input), operand(other))
    dt = dt if dt.kind == "c" or _dt.is_floating_dtype(dt) else np.dtype(np.float32)
    x, y = astype(_tensor(input), dt), astype(_tensor(other), dt)
    return _binary(Xlogy, "xlogy", x, y)


def _special(fn_name, x, *args):
    """``scipy.special.<fn_name>(*args, x)`` on the host, returned on ``x``'s device in ``x``'s dtype."""
    try:
        import scipy.special as sp
    except ImportError:  # pragma: no cover  (scipy is the optional ``solvers`` extra)
        raise ImportError(f"{fn_name}: needs SciPy (pip install scipy, or Kiln's 'solvers' extra)") from None
    out = np.asarray(getattr(sp, fn_name)(*args, to_numpy(x).astype(np.float64)), dtype=x.dtype)
    return out if get_array_module(x) is np else to_device(out, device_of(x))


class Lgamma(_Unary):
    f = staticmethod(lambda xp, x: xp.where(x == -np.inf, np.inf, _special("gammaln", x)))  # torch: +inf there
    df = staticmethod(lambda x, y: digamma(x))


class Polygamma(Function):
    """The ``n``-th derivative of digamma; its own derivative is ``polygamma(n + 1, .)``."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.n = n
        ctx.save_for_backward(x)
        return _special("psi", x) if n == 0 else _special("polygamma", x, n)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * Polygamma.apply(x, ctx.n + 1), None


def lgamma(input):  # noqa: A002
    """torch.lgamma: ``log|Gamma(input)|`` (integer or bool input gives the default float)."""
    return _unary_float(Lgamma, input)


def polygamma(n, input):  # noqa: A002
    """torch.polygamma: the ``n``-th derivative of digamma (``n >= 0``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n = {n!r}")
    return Polygamma.apply(_floating(_tensor(input)), int(n))


def digamma(input):  # noqa: A002
    """torch.digamma: ``d/dx log Gamma(x)`` (-inf at 0, +inf at -0.0, NaN at negative integers, as torch)."""
    return polygamma(0, input)
