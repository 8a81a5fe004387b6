"""torch's elementwise ops without a gradient: bitwise ops and shifts (integer and bool tensors only),
logical ops, isinf/isnan/isfinite, the comparison functions (eq, ne, lt, le, gt, ge and aliases),
``equal``, ``isclose`` and ``allclose``.  Each returns a new tensor outside the graph (bool, or the
promoted integer dtype for the bitwise ops); ``equal`` and ``allclose`` return Python bools.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import check_same_device, operand, shape_of
from .promotion import scalar_dtype, result_dtype

# ---- ops without a gradient --------------------------------------------------------------------
def _raw(x):
    return x.array if isinstance(x, Tensor) else x


def _nograd(name, fn, *xs):
    xs = [operand(x) for x in xs]
    check_same_device(name, *[x for x in xs if isinstance(x, Tensor)])
    raws = [_raw(x) for x in xs]
    xp = get_array_module(next((r for r in raws if hasattr(r, "dtype")), None))
    try:
        out = fn(xp, *raws)
    except TypeError as e:
        dts = ", ".join(str(getattr(r, "dtype", type(r).__name__)) for r in raws)
        raise RuntimeError(f"{name}: not supported for dtypes ({dts})") from e
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"{name}: cannot broadcast shapes {[shape_of(r) for r in raws]}") from None
        raise
    return Tensor._wrap(get_array_module(out).asarray(out))


def _integral(name, *xs):
    for x in xs:
        dt = x.dtype if isinstance(x, Tensor) else scalar_dtype(x)
        if np.dtype(dt).kind not in "iub":
            raise RuntimeError(f"{name}: only integer and bool tensors are supported, got {np.dtype(dt)}")


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
    return tuple(shape_of(a)) == tuple(shape_of(b)) and bool(eq(a, b).array.all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """``|a - b| <= atol + rtol * |b|`` elementwise (torch.isclose; infinities equal themselves)."""
    a, b = operand(input), operand(other)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
        raise RuntimeError(f"isclose: input dtype {a.dtype} and other dtype {b.dtype} differ")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    return _nograd("isclose", lambda xp, x, y: xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """True when every element is close (torch.allclose): a Python bool."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).array.all())
