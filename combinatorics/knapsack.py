"""``knapsack()``: the public 0/1 knapsack entry point, method selection and pre-processing.

Pre-processing (all methods): items heavier than the capacity are dropped, zero-weight items are
taken (they cost nothing), the rest go to the chosen method.  Methods:

- ``"greedy"``: ``greedy_order`` "density" (default), "value", "weight" or "half" (see
  ``knapsack_greedy``); ``bound`` is the Dantzig LP bound, ``optimal`` true only if they meet.
- ``"dp"``: dynamic programming over capacity (``knapsack_dp``); integer weights only.
- ``"branch_and_bound"``: Martello–Toth depth-first search (``knapsack_bb``) with a node budget;
  if the budget runs out, the expanding-core search (``knapsack_core``) finishes the job.  Works
  on real-valued data and capacities far too large for DP.
- ``"core"``: the expanding-core search alone.
- ``"milp"``: HiGHS through ``scipy.optimize.milp`` (the reference; SciPy needed).
- ``"auto"``: "branch_and_bound"; when weights are integers and the DP table is small (n *
  capacity <= 2e7), it first gets about the time the DP would take, and "dp" runs if it has not
  finished by then (so "auto" is never much slower than the DP on small tables).

``time_limit`` (seconds) stops the exact methods; the best solution found comes back with
``optimal=False`` and the best proven upper bound.
"""
import time

import numpy as np

from ._knapsack_input import check_knapsack
from .knapsack_bb import bb_search
from .knapsack_bounds import cardinality_bound, cardinality_limits, rounding_slack
from .knapsack_core import core_search
from .knapsack_dp import solve_dp
from .knapsack_greedy import dantzig_bound, density_order, greedy
from .knapsack_heuristic import initial_incumbent
from .knapsack_reduce import reduce_items
from .results import KnapsackResult

#: "auto" falls back to DP up to this many table cells
AUTO_DP_CELLS = 2e7
#: DP kernel speed assumed for that time budget (cells per second, about this machine's)
DP_CELLS_PER_S = 1.5e9
#: depth-first nodes before "branch_and_bound" switches to the expanding core
BB_NODE_LIMIT = 200_000


def _num(x, integral):
    return int(round(float(x))) if integral else float(x)


def knapsack(values, weights, capacity, method="auto", greedy_order="density", time_limit=None):
    """Solve max sum(values[x]) s.t. sum(weights[x]) <= capacity over 0/1 vectors x.

    Returns a ``KnapsackResult(value, weight, items, optimal, bound, method, stats)`` with
    ``items`` the sorted chosen indices.  Raises ValueError on bad input (see ``_knapsack_input``).
    """
    v, w, cap = check_knapsack(values, weights, capacity, method, greedy_order, time_limit)
    t0 = time.perf_counter()
    deadline = np.inf if time_limit is None else t0 + float(time_limit)
    integral = v.dtype == np.int64
    free = np.flatnonzero(w == 0)
    live = np.flatnonzero((w > 0) & (w <= cap))
    vl, wl = v[live], w[live]
    stats = {"n_live": int(live.size), "n_free": int(free.size)}
    dp_fallback = False
    if method == "auto":
        cells = live.size * min(cap, float(wl.sum()) if live.size else 0.0)
        dp_fallback = w.dtype == np.int64 and cells <= AUTO_DP_CELLS
        method = "branch_and_bound"
        if dp_fallback:
            search_deadline = min(deadline, t0 + max(1e-3, cells / DP_CELLS_PER_S))
    if method == "greedy":
        mask, _, _ = greedy(vl, wl, cap, greedy_order)
        bound = dantzig_bound(vl, wl, cap) if live.size else 0.0
        stats["greedy_order"] = greedy_order
        optimal = None
    elif method == "milp":
        from .milp import knapsack_milp

        mask, optimal, bound = knapsack_milp(vl, wl, cap, time_limit)
    elif method == "dp":
        mask, _, finished, rows = solve_dp(vl, wl, cap, deadline)
        stats["rows_done"] = rows
        optimal = finished
        bound = None if finished else dantzig_bound(vl, wl, cap)
    else:
        mask, optimal, bound = _search(vl, wl, cap, integral, method,
                                       search_deadline if dp_fallback else deadline, stats)
        if dp_fallback and not optimal and time.perf_counter() < deadline:
            method = "dp"
            dp_mask, dp_value, optimal, stats["rows_done"] = solve_dp(vl, wl, cap, deadline)
            if optimal or dp_value > vl[mask].sum():
                mask = dp_mask
            bound = None if optimal else min(bound, dantzig_bound(vl, wl, cap))
    chosen = np.sort(np.concatenate([free, live[mask]])).astype(np.int64)
    value = v[chosen].sum() if chosen.size else 0
    weight = w[chosen].sum() if chosen.size else 0
    v_free = v[free].sum() if free.size else 0
    if bound is None:
        bound = value
    else:
        bound = bound + v_free
        if integral:
            bound = np.floor(bound + 1e-9)
    if optimal is None:  # greedy: optimal only if it meets the bound
        optimal = bool(value >= bound - (0 if integral else 1e-9 * max(1.0, abs(bound))))
    stats["time_s"] = time.perf_counter() - t0
    return KnapsackResult(
        value=_num(value, integral), weight=_num(weight, w.dtype == np.int64),
        items=chosen.tolist(), optimal=bool(optimal),
        bound=_num(max(bound, value), integral), method=method, stats=stats)


def _search(v, w, cap, integral, method, deadline, stats):
    """Branch and bound / expanding core on the live items; returns (mask, optimal, bound).

    Both start from the best of the density greedy and the best-swap heuristic and stop as soon
    as the incumbent meets the global bound: the smaller of Dantzig's and the cardinality bound.
    """
    n = v.shape[0]
    if n == 0:
        return np.zeros(0, bool), True, 0.0
    order = density_order(v, w)
    p = v[order].astype(np.float64)
    ws = w[order].astype(np.float64)
    c = float(cap)
    x0, z0 = initial_incumbent(p, ws, c)
    upper = dantzig_bound(v, w, cap, order) + rounding_slack(p, ws, c, 0.0, 0)
    if integral:
        upper = float(np.floor(upper))
    mu, k_cap = 0.0, 0
    if z0 < upper:
        k_max, k_min = cardinality_limits(p, ws, c, z0)
        stats["k_max"], stats["k_min"] = k_max, k_min
        card, mu = cardinality_bound(p, ws, c, k_max, k_min, z0, integral)
        k_cap = k_max if mu >= 0 else k_min
        upper = min(upper, max(card, z0))
    stats["root_bound"] = upper
    if z0 >= upper:
        stats["finished_by"] = "bounds"
        return _unsort(x0, order), True, None
    if method == "branch_and_bound":  # depth-first search first, in plain density order
        x0, z0, done, _ = _fix_and_search(_bb, p, ws, c, integral, x0, z0, upper, 0.0, 0, deadline, stats)
        if done:
            return _unsort(x0, order), True, None
    if mu != 0.0:  # the cardinality bound is the stronger one: the core works in Lagrangian order
        stats["mu"] = mu
        lag = np.argsort(-(p - mu) / ws, kind="stable")
        order, p, ws, x0 = order[lag], p[lag], ws[lag], x0[lag]
    x0, z0, done, bound = _fix_and_search(_core, p, ws, c, integral, x0, z0, upper, mu, k_cap, deadline, stats)
    return _unsort(x0, order), done, None if done else bound


def _fix_and_search(search, p, w, c, integral, x0, z0, upper, mu, k_cap, deadline, stats):
    """Fix items (``knapsack_reduce``), then let ``search`` look among the free items for a
    solution worth more than the incumbent ``(x0, z0)``.  Returns ``(x, z, proven, bound)``."""
    free, fixed_in, c_left = reduce_items(p, w, c, z0, integral, mu, k_cap)
    stats["n_unfixed"] = int(free.size)
    if free.size == 0:
        return x0, z0, True, z0
    base = float(p[fixed_in].sum())
    xs, z, proven, bound = search(p[free], w[free], c_left, integral, z0 - base, upper - base, mu,
                                  k_cap - fixed_in.size, deadline, stats)
    if xs is not None:
        x0 = np.zeros(p.shape[0], bool)
        x0[fixed_in] = True
        x0[free[xs]] = True
        z0 = z + base
    return x0, z0, proven, max(bound + base, z0)


def _bb(p, w, c, integral, z0, upper, mu, k_cap, deadline, stats):
    """Depth-first search for a solution worth more than z0: ``(mask or None, z, proven, bound)``."""
    xs, z, finished, nodes = bb_search(p, w, c, integral, z0, np.zeros(p.shape[0], bool), BB_NODE_LIMIT,
                                       deadline, upper)
    stats["bb_nodes"] = int(nodes)
    if finished:
        stats["finished_by"] = "branch_and_bound"
    return (xs if z > z0 else None), z, finished, (z if finished else upper)


def _core(p, w, c, integral, z0, upper, mu, k_cap, deadline, stats):
    """Expanding core for a solution worth more than z0: ``(mask or None, z, proven, bound)``."""
    xs, z, improved, bound, finished, steps, max_states, core = core_search(
        p, w, c, integral, deadline, z0, upper, mu, k_cap)
    stats.update(core_steps=int(steps), core_max_states=int(max_states), core_size=int(core))
    if finished:
        stats["finished_by"] = "core"
    return (xs if improved else None), z, finished, bound


def _unsort(sorted_mask, order):
    mask = np.zeros(sorted_mask.shape[0], bool)
    mask[order[sorted_mask]] = True
    return mask
