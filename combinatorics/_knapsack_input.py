"""Checking and normalising knapsack input at the door (``knapsack`` calls ``check_knapsack``, then
``scale_knapsack`` and ``check_limits``).

Every problem is reported as a ValueError naming the operation and the offending value before any
work starts.  Values and weights must be finite and non-negative; the capacity non-negative.
Integer-valued data (Python ints, integer dtypes, or floats with no fractional part) is kept as
int64 so that the exact methods can use integral bounds; anything else becomes float64.  Integers
that do not fit in int64 are refused (never rounded to a float).

``scale_knapsack`` then makes the instance small without changing its answer (exactly, in Python
ints): integer values are divided by their gcd, integer weights and the capacity by the weights'
gcd (the capacity floored), and the capacity is cut to the total weight of the items that fit.
``check_limits`` refuses what the chosen method cannot then compute exactly (``_exact_arith``):
float64 methods ("greedy", "branch_and_bound", "core", "milp") need integer sums <= 2**53, the DP
integer values summing to <= 2**63-1; "auto" takes the DP when only it can.
"""
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._exact_arith import (FLOAT_EXACT, INT64_MAX, REAL_LIMIT, array_gcd, check_finite_nonnegative, exact_sum,
                           limit_name)
from .knapsack_dp import MAX_TABLE_BYTES, table_bytes

METHODS = ("auto", "greedy", "dp", "branch_and_bound", "core", "milp")
GREEDY_ORDERS = ("density", "value", "weight", "half")


def _python_ints(name, a):
    """An object array of Python ints as int64, refusing any outside the int64 range."""
    for i, x in enumerate(a.tolist()):
        if abs(x) > INT64_MAX:
            raise ValueError(f"knapsack: {name}[{i}] = {x} does not fit in int64 (integers must lie within "
                             f"+-(2**63-1))")
    return a.astype(np.int64)


def _as_vector(name, x):
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"knapsack: {name} must be a 1-D sequence of numbers ({exc})") from None
    if a.ndim != 1:
        raise ValueError(f"knapsack: {name} must be 1-D, got shape {a.shape}")
    if a.dtype == np.uint64 and a.size and int(a.max()) > INT64_MAX:
        a = a.astype(object)
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        if a.size and a.dtype == object:
            if all(isinstance(e, numbers.Integral) and not isinstance(e, bool) for e in a.tolist()):
                a = _python_ints(name, a)
            else:
                try:
                    a = a.astype(np.float64)
                except (TypeError, ValueError, OverflowError):
                    raise ValueError(f"knapsack: {name} must hold numbers, got dtype {a.dtype}") from None
        elif a.size:
            raise ValueError(f"knapsack: {name} must hold numbers, got dtype {a.dtype}")
        else:
            a = a.astype(np.int64)
    check_finite_nonnegative("knapsack", name, a)
    return _integral(a)


def _integral(a):
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.int64)
    if a.size == 0 or (np.all(a == np.floor(a)) and np.all(a < 2**62)):
        return a.astype(np.int64)
    return a.astype(np.float64)


def _capacity(capacity):
    """The capacity as an exact Python int when it is integral, else a float."""
    if isinstance(capacity, bool) or not isinstance(capacity, (numbers.Real, np.integer, np.floating)):
        raise ValueError(f"knapsack: capacity must be a number, got {capacity!r}")
    if isinstance(capacity, (numbers.Integral, np.integer)):
        cap = int(capacity)
    else:
        try:
            cap = float(capacity)
        except OverflowError:
            cap = math.inf
        if not math.isfinite(cap):
            raise ValueError(f"knapsack: capacity must be finite, got {capacity}")
        cap = int(cap) if cap.is_integer() else cap
    if cap < 0:
        raise ValueError(f"knapsack: capacity must be >= 0, got {capacity}")
    return cap


def check_knapsack(values, weights, capacity, method, greedy_order, time_limit):
    """Validate; return ``(values, weights, capacity)`` as int64 or float64 arrays and a Python
    int (integral capacity) or float."""
    if method not in METHODS:
        raise ValueError(f"knapsack: unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if greedy_order not in GREEDY_ORDERS:
        raise ValueError(
            f"knapsack: unknown greedy_order {greedy_order!r}; expected one of {', '.join(GREEDY_ORDERS)}")
    v = _as_vector("values", values)
    w = _as_vector("weights", weights)
    if v.shape != w.shape:
        raise ValueError(
            f"knapsack: values and weights differ in length: values has {v.shape[0]}, weights has {w.shape[0]}")
    cap = _capacity(capacity)
    if time_limit is not None and not (isinstance(time_limit, numbers.Real) and time_limit > 0):
        raise ValueError(f"knapsack: time_limit must be a positive number of seconds or None, got {time_limit!r}")
    if method == "dp":
        if w.dtype != np.int64:
            frac = np.flatnonzero(w != np.floor(w))
            raise ValueError(
                f"knapsack: method='dp' needs integer weights; weights[{frac[0]}] = {w[frac[0]]}")
    return v, w, cap


@dataclass
class ScaledKnapsack:
    """The instance the solvers see: ``values / value_scale``, ``weights / weight_scale`` and the
    capacity likewise scaled (floored) and cut to the total weight of the items that fit."""
    values: np.ndarray
    weights: np.ndarray
    capacity: object
    value_scale: int
    weight_scale: int


def scale_knapsack(v, w, cap):
    """Exact reduction of a checked instance (see the module docstring)."""
    value_scale = weight_scale = 1
    if v.dtype == np.int64 and array_gcd(v) > 1:
        value_scale = array_gcd(v)
        v = v // value_scale
    if w.dtype == np.int64:
        cap = math.floor(cap)  # integer weights: a fractional capacity changes nothing
        if array_gcd(w) > 1:
            weight_scale = array_gcd(w)
            w = w // weight_scale
            cap //= weight_scale
    else:  # compared in float64: no solution weighs more than all items (a Python int may be far larger)
        cap = min(cap, exact_sum(w))
        cap = float(cap) if cap < 2.0**1000 else math.inf
    fits = w <= cap
    cap = min(cap, exact_sum(w[fits]))
    return ScaledKnapsack(v, w, cap, value_scale, weight_scale)


def _over(name, dtype, total):
    if dtype == np.int64:
        return f"the integer {name} of the items that fit sum to {total} after division by their gcd"
    return f"the real-valued {name} of the items that fit sum to {total}"


def check_limits(method, S):
    """Return the method to run ("auto" may become "dp"); raise ValueError when the instance is
    beyond what it computes exactly (see the module docstring and ``_exact_arith``)."""
    v, w = S.values, S.weights
    live = (w > 0) & (w <= S.capacity)
    vs, ws = exact_sum(v[live]), exact_sum(w[live])
    for name, a, total in (("values", v, vs), ("weights", w, ws)):
        if a.dtype != np.int64 and not total <= REAL_LIMIT:
            raise ValueError(f"knapsack: {_over(name, a.dtype, total)}, more than {limit_name(REAL_LIMIT)}: "
                             f"real-valued sums must stay below it so that float64 sums and bounds cannot overflow")
    if w.dtype != np.int64 and live.any() and w[live].min() < 1.0 / REAL_LIMIT:
        j = np.flatnonzero(live)[np.argmin(w[live])]
        raise ValueError(f"knapsack: real-valued weights must be 0 or at least 2**-300 (about 4.9e-91), so that "
                         f"densities cannot overflow; weights[{j}] = {w[j]}")
    beyond_float = [(name, a.dtype, total) for name, a, total in (("values", v, vs), ("weights", w, ws))
                    if a.dtype == np.int64 and total > FLOAT_EXACT]
    if not beyond_float:
        return method
    dp_reason = None
    if w.dtype != np.int64:
        dp_reason = "method='dp' needs integer weights"
    elif v.dtype == np.int64 and vs > INT64_MAX:
        dp_reason = (f"method='dp' keeps values in int64 (at most {limit_name(INT64_MAX)}), and "
                     f"{_over('values', v.dtype, vs)}")
    elif table_bytes(int(live.sum()), S.capacity) > MAX_TABLE_BYTES:
        dp_reason = (f"method='dp' would need a {table_bytes(int(live.sum()), S.capacity) / 2**30:.1f} GiB "
                     f"table for capacity {S.capacity}")
    if method == "dp":
        if dp_reason is not None:
            raise ValueError(f"knapsack: {dp_reason}")
        return method
    if method == "auto" and dp_reason is None:
        return "dp"
    name, dtype, total = beyond_float[0]
    shown = "'branch_and_bound'" if method == "auto" else repr(method)
    raise ValueError(f"knapsack: method={shown} computes in float64, exact only up to {limit_name(FLOAT_EXACT)}, "
                     f"and {_over(name, dtype, total)}"
                     + (f"; {dp_reason}" if dp_reason else "; method='dp' can solve it"))
