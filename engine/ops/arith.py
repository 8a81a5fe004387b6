"""torch's binary (and ternary) elementwise maths: atan2, copysign, logaddexp, fmod, remainder,
``div(rounding_mode=)``, pow, clamp (alias clip) with number or tensor bounds, lerp.

Each differentiable op is one Function whose backward is built from Tensor ops (twice
differentiable); operands promote by torch's rules (:mod:`engine.ops.promotion`).  ``div`` with a
rounding mode has gradient zero, as in torch; ``a // b`` (``floor_divide``, engine/ops/elementwise.py) has no
gradient at all, as torch's.
Integer division by zero raises ZeroDivisionError naming the op (torch's error), before any work.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, is_array
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, constant, operand, shape_of, sum_to
from .elementwise import _BinaryKeepingOutput, _binary
from .math import reciprocal
from .promotion import cast, cast_array, promote_operands, result_dtype

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


class LogAddExp(_BinaryKeepingOutput):
    compute = staticmethod(lambda a, b: get_array_module(a).logaddexp(a, b))

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
    """Clamp between ``lo`` and ``hi`` (each None, a number or an array of the input's dtype and shape); where
    ``lo > hi`` the result is ``hi``.  Gradients as torch's (2.x):

    - number bounds: ``x`` gets it strictly inside, ``lo < x < hi`` (0 at the bounds and at nan; so
      ``hardtanh`` is this op too);
    - tensor bounds: ``lo`` where ``x < lo <= hi``, ``hi`` where ``x > hi`` or ``hi < lo``, ``x`` elsewhere
      (bounds included, nan included).

    Masks are made only when a gradient is wanted."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = get_array_module(x)
        ctx.shapes = (shape_of(lo), shape_of(hi))
        ctx.masks = None
        if any(ctx.needs_input_grad):
            ctx.masks = _clamp_masks(xp, x, lo, hi)
        return cast_array(xp.asarray(xp.clip(x, lo, hi)), x.dtype)

    @staticmethod
    def backward(ctx, gy):
        sl, sh = ctx.shapes
        inside, take_lo, take_hi = ctx.masks
        nx, nl, nh = ctx.needs_input_grad
        gx = gy * constant(inside.astype(gy.dtype)) if nx else None
        gl = sum_to(gy * constant(take_lo.astype(gy.dtype)), sl) if nl else None
        gh = sum_to(gy * constant(take_hi.astype(gy.dtype)), sh) if nh else None
        return gx, gl, gh


def _clamp_masks(xp, x, lo, hi):
    """``(x gets the gradient, lo gets it, hi gets it)`` as bool arrays (None for a missing bound)."""
    if not (is_array(lo) or is_array(hi)):  # number bounds: the strict interior
        inside = x > lo if lo is not None else None
        if hi is not None:
            inside = x < hi if inside is None else inside & (x < hi)
        return inside, None, None
    take_lo = x < lo if lo is not None else None
    take_hi = None
    if hi is not None:
        take_hi = (x if take_lo is None else xp.where(take_lo, lo, x)) > hi
        if take_lo is not None:
            take_lo = take_lo & ~take_hi
    taken = take_hi if take_lo is None else take_lo if take_hi is None else take_lo | take_hi
    return ~taken, take_lo, take_hi


def _binary_promoted(cls, name, a, b, *args, floating=False):
    """Operands promoted as torch (``floating``: to a floating dtype), then ``cls.apply(a, b, *args)``."""
    (a, b), _ = promote_operands(name, a, b, floating=floating)
    return _binary(cls, name, a, b, *args)


def atan2(input, other):  # noqa: A002  (torch's argument names)
    return _binary_promoted(Atan2, "atan2", input, other, floating=True)


arctan2 = atan2


def copysign(input, other):  # noqa: A002
    return _binary_promoted(Copysign, "copysign", input, other, floating=True)


def logaddexp(input, other):  # noqa: A002
    return _binary_promoted(LogAddExp, "logaddexp", input, other, floating=True)


def _check_int_divisor(name, a, b):
    bd = b.array if isinstance(b, Tensor) else b
    ad = a.array if isinstance(a, Tensor) else a
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

        (a, b), dt = promote_operands("div", input, other, floating=True)
        return true_div(a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    _check_int_divisor("div", input, other)
    return _binary_promoted(RoundedDiv, "div", input, other, rounding_mode)


divide = true_divide = div


def pow(input, exponent):  # noqa: A001,A002  (torch's name)
    """torch.pow: either side a tensor or a number; dtypes promote as torch."""
    from .elementwise import power

    (a, b), _ = promote_operands("pow", input, exponent)
    return power(a, b)


def clamp(input, min=None, max=None):  # noqa: A001,A002  (torch's names)
    """Clamp to ``[min, max]``; each bound None, a number or a tensor (broadcast, promoted as torch).
    ``clip`` is its alias (as torch's)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    x = operand(input)
    lo, hi = operand(min) if min is not None else None, operand(max) if max is not None else None
    if isinstance(x, Tensor) and not isinstance(lo, Tensor) and not isinstance(hi, Tensor) and (
            x.dtype.kind in "fc" or all(isinstance(b, (int, type(None))) for b in (lo, hi))):
        return Clamp.apply(x, lo, hi)  # number bounds that keep the input's dtype
    check_same_device("clamp", *[t for t in (x, lo, hi) if isinstance(t, Tensor)])
    dt = result_dtype(x, lo, hi)
    x, lo, hi = cast(x, dt), cast(lo, dt), cast(hi, dt)
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
