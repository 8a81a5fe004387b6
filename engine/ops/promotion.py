"""torch's dtype rules for the ops of engine/ops/{math,arith,logic,index,views}.py.

:func:`result_dtype` is torch's type promotion: operands rank as tensors with dims, then 0-d tensors,
then Python numbers; a lower rank decides the result only when its category (bool < int < float <
complex) is higher, and a Python float then gives the default float32.  Within a rank, tensors of one
category promote as NumPy does, and a higher category wins outright (float32 with int64 is float32).
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._util import check_same_device, operand

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
DEFAULT_FLOAT = np.dtype(np.float32)


def _category(dtype) -> int:
    return _CATEGORY[np.dtype(dtype).kind]


def scalar_dtype(v):
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
            groups[2].append(scalar_dtype(x))
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


def cast(x, dtype):
    """A Tensor operand cast to ``dtype`` (differentiable); Python numbers pass through."""
    if isinstance(x, Tensor):
        if x.dtype != dtype:
            from .shape import astype

            return astype(x, dtype)
        return x
    return x


def promote_operands(name, *xs, floating=False):
    xs = [operand(x) if x is not None else None for x in xs]
    dt = result_dtype(*xs)
    if floating:
        dt = float_dtype(dt)
    check_same_device(name, *[x for x in xs if isinstance(x, Tensor)])
    if not any(isinstance(x, Tensor) for x in xs):
        xs[0] = Tensor._wrap(np.asarray(xs[0], dtype=dt))
    return [cast(x, dt) for x in xs], dt


def cast_array(y, dtype):
    return y.astype(dtype, copy=False) if y.dtype != dtype else y


