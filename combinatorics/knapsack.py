"""``knapsack()``: the public 0/1 knapsack entry point, method selection and pre-processing.

Pre-processing (all methods): items heavier than the capacity are dropped, zero-weight items are
taken (they cost nothing), the rest go to the chosen method.  Methods:

- ``"greedy"``: ``greedy_order`` "density" (default), "value", "weight" or "half" (see
  ``knapsack_greedy``); ``bound`` is the Dantzig LP bound, ``optimal`` true only if they meet.
- ``"dp"``: dynamic programming over capacity (``knapsack_dp``); integer weights only.
- ``"branch_and_bound"``: the exact search of ``knapsack_search``: a local-search incumbent, the
  cardinality (Lagrangian) bound, item fixing, Martello–Toth depth-first search (``knapsack_bb``)
  with a node budget, then the expanding core (``knapsack_core``), per item count when few counts
  are left.  Works on real-valued data and capacities far too large for DP.
- ``"core"``: the same without the depth-first stage.
- ``"milp"``: HiGHS through ``scipy.optimize.milp`` (the reference; SciPy needed).
- ``"auto"``: "branch_and_bound"; when weights are integers and the DP table is small (n *
  capacity <= 2e7), it first gets about the time the DP would take, and "dp" runs if it has not
  finished by then (so "auto" is never much slower than the DP on small tables).

``time_limit`` (seconds) stops the exact methods; the best solution found comes back with
``optimal=False`` and the best proven upper bound.

Real-valued weights are summed in float64, which can land a few ulps above the exact sum: 0.1 + 0.2 +
... may exceed a capacity it equals in decimal.  A subset therefore fits when its float weight exceeds
the capacity by at most the worst-case rounding of such a sum, ``(n + 1) * eps * (sum(w) + capacity)``
(a feasibility tolerance, as LP/MIP solvers have one); integer weights are compared exactly.

Integer instances are first reduced exactly (``_knapsack_input.scale_knapsack``: values and weights
divided by their gcds, the capacity cut to what the items can use), then each method's arithmetic
limit is checked (``_exact_arith``): the float64 methods need integer sums <= 2**53, the DP integer
values summing to <= 2**63-1 ("auto" takes the DP when only it can); beyond them a ValueError names
the limit.  ``value`` and ``weight`` are summed exactly (Python ints for integer data) from the
caller's numbers, and a selection heavier than the capacity is never returned (a RuntimeError, an
internal error, would say so).
"""
import time

import numpy as np

from ._exact_arith import FLOAT_EXACT, exact_sum
from ._knapsack_input import check_knapsack, check_limits, scale_knapsack
from .knapsack_dp import solve_dp
from .knapsack_greedy import dantzig_bound, greedy
from .knapsack_search import exact_search as _search
from .results import KnapsackResult

#: "auto" falls back to DP up to this many table cells
AUTO_DP_CELLS = 2e7
#: DP kernel speed assumed for that time budget (cells per second, about this machine's)
DP_CELLS_PER_S = 1.5e9


def _rounding_slack(w, cap):
    """How far above its exact value a float64 sum of some of ``w`` can land (see the module docstring)."""
    return (w.size + 1) * float(np.finfo(np.float64).eps) * (float(w.sum()) + float(cap))


def _integer_bound(bound, exact):
    """A float upper bound on integer values (solver units), floored; widened past its float64
    rounding first when the values sum beyond 2**53 (``exact`` False: only the DP runs there)."""
    if not exact:
        bound = bound * (1.0 + 1e-12) + 1.0
    return int(np.floor(bound + 1e-9))


def knapsack(values, weights, capacity, method="auto", greedy_order="density", time_limit=None):
    """Solve max sum(values[x]) s.t. sum(weights[x]) <= capacity over 0/1 vectors x.

    Returns a ``KnapsackResult(value, weight, items, optimal, bound, method, stats)`` with
    ``items`` the sorted chosen indices.  Raises ValueError on bad input (see ``_knapsack_input``)
    and on instances beyond the method's arithmetic (see the module docstring).
    """
    v0, w0, cap0 = check_knapsack(values, weights, capacity, method, greedy_order, time_limit)
    S = scale_knapsack(v0, w0, cap0)
    method = check_limits(method, S)
    v, w, cap = S.values, S.weights, S.capacity
    slack = 0.0
    if w.dtype != np.int64:
        slack = _rounding_slack(w, cap)
        cap = cap + slack
    t0 = time.perf_counter()
    deadline = np.inf if time_limit is None else t0 + float(time_limit)
    integral = v.dtype == np.int64
    free = np.flatnonzero(w == 0)
    live = np.flatnonzero((w > 0) & (w <= cap))
    vl, wl = v[live], w[live]
    stats = {"n_live": int(live.size), "n_free": int(free.size),
             "value_scale": S.value_scale, "weight_scale": S.weight_scale}
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
    value, weight = exact_sum(v0[chosen]), exact_sum(w0[chosen])
    if not (weight <= cap0 or weight <= cap0 + slack):
        raise RuntimeError(f"knapsack: internal error: method={method!r} chose items weighing {weight} "
                           f"over the capacity {capacity}")
    exact = not integral or exact_sum(vl) <= FLOAT_EXACT
    if bound is None:
        bound = value
    elif integral:
        bound = (_integer_bound(bound, exact) + exact_sum(v[free])) * S.value_scale
    else:
        bound = float(bound) + exact_sum(v[free])
    if optimal is None:  # greedy: optimal only if it meets the bound
        optimal = bool(value >= bound - (0 if integral else 1e-9 * max(1.0, abs(bound))))
    stats["time_s"] = time.perf_counter() - t0
    return KnapsackResult(value=value, weight=weight, items=chosen.tolist(), optimal=bool(optimal),
                          bound=max(bound, value), method=method, stats=stats)
