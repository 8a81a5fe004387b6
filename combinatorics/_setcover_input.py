"""Checking set-cover input at the door and turning it into sparse arrays (``check_set_cover``).

Elements may be any hashable values; they are numbered 0..m-1 in order of first appearance in
``universe`` (or in the subsets when no universe is given).  The result holds both sparse
orientations as int64 arrays: ``col_ptr``/``col_rows`` (the rows of each subset, CSC) and
``row_ptr``/``row_cols`` (the subsets covering each row, CSR), plus float64 ``costs``.  Errors
(ValueError, raised before any work): costs of the wrong length, negative or non-finite costs, a
subset element outside the given universe, an element of the universe that no subset covers, costs
beyond the solvers' float64 arithmetic (``_check_costs``).
"""
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._exact_arith import FLOAT_EXACT, REAL_LIMIT, check_finite_nonnegative, limit_name

METHODS = ("auto", "greedy", "exact", "milp")


@dataclass
class CoverProblem:
    m: int
    n: int
    col_ptr: np.ndarray
    col_rows: np.ndarray
    row_ptr: np.ndarray
    row_cols: np.ndarray
    costs: np.ndarray
    integral: bool
    elements: list
    cost_scale: int = 1  # the caller's costs are ``costs * cost_scale`` (integer costs divided by their gcd)


def _check_costs(costs, n):
    """Return ``(float64 costs the solvers see, cost_scale)``; integer costs are divided by their gcd
    (exactly, in Python ints) and must then sum to at most 2**53, so that float64 holds them and every
    partial sum exactly; real-valued costs must sum to at most 2**300 (``_exact_arith``)."""
    if costs is None:
        return np.ones(n), 1
    c = np.asarray(costs)
    if c.ndim != 1 or c.shape[0] != n:
        raise ValueError(f"set_cover: costs has shape {c.shape} but there are {n} subsets")
    ints = None
    if c.dtype == object and all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in c.tolist()):
        ints = [int(x) for x in c.tolist()]
        c = np.array([float(x) if abs(x) < 2**1000 else np.inf for x in ints])
    if c.size and not (np.issubdtype(c.dtype, np.integer) or np.issubdtype(c.dtype, np.floating)):
        raise ValueError(f"set_cover: costs must be numbers, got dtype {c.dtype}")
    if np.issubdtype(c.dtype, np.integer):
        ints = c.tolist()
    c = c.astype(np.float64)
    check_finite_nonnegative("set_cover", "costs", c)
    if ints is None and np.all(c == np.floor(c)):
        ints = [int(x) for x in c.tolist()]  # integral floats, exactly
    if ints is None:
        with np.errstate(over="ignore"):
            total = float(c.sum())
        if not total <= REAL_LIMIT:
            raise ValueError(f"set_cover: real-valued costs sum to {total}, more than {limit_name(REAL_LIMIT)}: they "
                             f"must stay below it so that float64 sums and bounds cannot overflow")
        return c, 1
    scale = math.gcd(*ints) or 1
    total = sum(ints) // scale
    if total > FLOAT_EXACT:
        raise ValueError(f"set_cover: integer costs sum to {total} after division by their gcd, more than "
                         f"{limit_name(FLOAT_EXACT)}: float64, which the solvers compute in, holds integer sums "
                         f"exactly only up to it")
    return np.array([x // scale for x in ints], np.float64), scale


def _int_array(universe):
    """The universe as a 1-D integer array when it is a range or an integer array/list, else None."""
    if universe is None or not isinstance(universe, (range, np.ndarray, list)):
        return None
    try:
        u = np.asarray(universe)
    except (ValueError, TypeError):
        return None
    return u if u.ndim == 1 and np.issubdtype(u.dtype, np.integer) else None


def _rows_in_universe(u, flat, lens):
    """Row numbers of the elements ``flat`` in the integer universe ``u`` (rows in order of first
    appearance in ``u``); returns ``(elements, rows)``."""
    values, first = np.unique(u, return_index=True)
    order = np.argsort(first, kind="stable")  # order[r]: the sorted position of row r's element
    row_of = np.empty(values.shape[0], np.int64)
    row_of[order] = np.arange(values.shape[0])
    pos = np.minimum(np.searchsorted(values, flat), max(values.shape[0] - 1, 0))
    missing = np.flatnonzero(values[pos] != flat) if values.size else np.arange(flat.shape[0])
    if missing.size:
        k = int(missing[0])
        j = int(np.searchsorted(np.cumsum(lens), k, side="right"))
        raise ValueError(f"set_cover: subsets[{j}] contains {int(flat[k])!r}, which is not in the universe")
    return values[order], row_of[pos]


def _fast_int_subsets(subsets):
    return all(isinstance(s, np.ndarray) and np.issubdtype(s.dtype, np.integer) and s.ndim == 1 for s in subsets)


def check_set_cover(subsets, costs, universe, method, time_limit, remove_redundant=True):
    if method not in METHODS:
        raise ValueError(f"set_cover: unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if not isinstance(remove_redundant, (bool, np.bool_)):
        raise ValueError(f"set_cover: remove_redundant must be True or False, got {remove_redundant!r}")
    if not remove_redundant and method != "greedy":
        raise ValueError(f"set_cover: remove_redundant=False applies to method='greedy' only, got method={method!r}")
    if time_limit is not None and not (isinstance(time_limit, numbers.Real) and time_limit > 0):
        raise ValueError(f"set_cover: time_limit must be a positive number of seconds or None, got {time_limit!r}")
    try:
        subsets = list(subsets)
    except TypeError:
        raise ValueError("set_cover: subsets must be a sequence of collections of elements") from None
    n = len(subsets)
    c, cost_scale = _check_costs(costs, n)
    int_universe = _int_array(universe)
    if (universe is None or int_universe is not None) and _fast_int_subsets(subsets):
        lens = np.array([s.shape[0] for s in subsets], np.int64)
        flat = np.concatenate(subsets) if n else np.zeros(0, np.int64)
        if universe is None:
            elements, rows = np.unique(flat, return_inverse=True)
        else:
            elements, rows = _rows_in_universe(int_universe, flat, lens)
        elements = elements.tolist()
    else:
        index = {}
        if universe is not None:
            for e in universe:
                index.setdefault(e, len(index))
        rows_l, lens_l = [], []
        for j, s in enumerate(subsets):
            try:
                items = list(s)
            except TypeError:
                raise ValueError(f"set_cover: subsets[{j}] is not a collection of elements: {s!r}") from None
            k = 0
            for e in set(items) if len(items) > 1 else items:
                if e not in index:
                    if universe is not None:
                        raise ValueError(f"set_cover: subsets[{j}] contains {e!r}, which is not in the universe")
                    index[e] = len(index)
                rows_l.append(index[e])
                k += 1
            lens_l.append(k)
        elements = list(index)
        rows = np.array(rows_l, np.int64)
        lens = np.array(lens_l, np.int64)
    m = len(elements)
    col_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(lens, out=col_ptr[1:])
    cols = np.repeat(np.arange(n, dtype=np.int64), lens)
    # de-duplicate (row, col) pairs, sort by column then row
    key = np.unique(cols * max(m, 1) + rows)
    cols, rows = key // max(m, 1), key % max(m, 1)
    col_ptr = np.searchsorted(cols, np.arange(n + 1)).astype(np.int64)
    count = np.bincount(rows, minlength=m)
    missing = np.flatnonzero(count == 0)
    if missing.size:
        raise ValueError(f"set_cover: element {elements[missing[0]]!r} of the universe is in no subset")
    order = np.lexsort((cols, rows))
    row_cols = cols[order].astype(np.int64)
    row_ptr = np.zeros(m + 1, np.int64)
    np.cumsum(count, out=row_ptr[1:])
    integral = bool(np.all(c == np.round(c)))
    return CoverProblem(m, n, col_ptr, rows.astype(np.int64), row_ptr, row_cols, c, integral, elements, cost_scale)
