"""Checking and normalising knapsack input at the door (``knapsack`` calls ``check_knapsack``).

Every problem is reported as a ValueError naming the operation and the offending value before any
work starts.  Values and weights must be finite and non-negative; the capacity non-negative.
Integer-valued data (Python ints, integer dtypes, or floats with no fractional part) is kept as
int64 so that the exact methods can use integral bounds; anything else becomes float64.
"""
import numbers

import numpy as np

METHODS = ("auto", "greedy", "dp", "branch_and_bound", "core", "milp")
GREEDY_ORDERS = ("density", "value", "weight", "half")


def _as_vector(name, x):
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"knapsack: {name} must be a 1-D sequence of numbers ({exc})") from None
    if a.ndim != 1:
        raise ValueError(f"knapsack: {name} must be 1-D, got shape {a.shape}")
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        if a.size and a.dtype == object:
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"knapsack: {name} must hold numbers, got dtype {a.dtype}") from None
        elif a.size:
            raise ValueError(f"knapsack: {name} must hold numbers, got dtype {a.dtype}")
        else:
            a = a.astype(np.int64)
    if np.issubdtype(a.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise ValueError(f"knapsack: {name} must be finite; {name}[{bad[0]}] = {a[bad[0]]}")
    neg = np.flatnonzero(a < 0)
    if neg.size:
        raise ValueError(f"knapsack: {name} must be non-negative; {name}[{neg[0]}] = {a[neg[0]]}")
    return _integral(a)


def _integral(a):
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.int64)
    if a.size == 0 or (np.all(a == np.floor(a)) and np.all(a < 2**62)):
        return a.astype(np.int64)
    return a.astype(np.float64)


def check_knapsack(values, weights, capacity, method, greedy_order, time_limit):
    """Validate; return ``(values, weights, capacity)`` as int64 or float64 arrays / number."""
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
    if isinstance(capacity, bool) or not isinstance(capacity, (numbers.Real, np.integer, np.floating)):
        raise ValueError(f"knapsack: capacity must be a number, got {capacity!r}")
    if not np.isfinite(capacity):
        raise ValueError(f"knapsack: capacity must be finite, got {capacity}")
    if capacity < 0:
        raise ValueError(f"knapsack: capacity must be >= 0, got {capacity}")
    if time_limit is not None and not (isinstance(time_limit, numbers.Real) and time_limit > 0):
        raise ValueError(f"knapsack: time_limit must be a positive number of seconds or None, got {time_limit!r}")
    cap = int(capacity) if float(capacity) == int(capacity) else float(capacity)
    if method == "dp":
        if w.dtype != np.int64:
            frac = np.flatnonzero(w != np.floor(w))
            raise ValueError(
                f"knapsack: method='dp' needs integer weights; weights[{frac[0]}] = {w[frac[0]]}")
    return v, w, cap
