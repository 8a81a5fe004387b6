"""``set_cover()``: the public set-cover entry point and method selection.

- ``"greedy"``: the notes' greedy (``setcover_greedy``), then, with ``remove_redundant=True`` (the
  default), redundant-set removal; ``remove_redundant=False`` returns exactly the course's plain
  greedy.  The result's ``remove_redundant`` field says which ran.  The lower bound reported is the
  Lagrangian bound from a short subgradient run, so the gap is a proven one.
- ``"exact"``: Lagrangian branch and bound (``setcover_exact``), no SciPy needed.
- ``"milp"``: HiGHS via ``scipy.optimize.milp`` (the reference).
- ``"auto"``: "exact".

``chosen`` lists subset indices in increasing order; ``stats["prices"]`` (greedy) maps each element
to the price it was charged.
"""
import time

import numpy as np

from ._lagrangian import subgradient
from ._setcover_input import check_set_cover
from .results import SetCoverResult
from .setcover_exact import solve_exact
from .setcover_greedy import greedy_cover, remove_redundant


def _greedy(P, strip_redundant):
    picked = np.zeros(P.n, np.bool_)
    order, price, _ = greedy_cover(P.col_ptr, P.col_rows, P.row_ptr, P.row_cols, P.costs,
                                   np.ones(P.n, np.bool_), np.zeros(P.m, np.bool_), picked)
    before = int(picked.sum())
    if strip_redundant:
        remove_redundant(P.col_ptr, P.col_rows, P.costs, picked, order, P.m)
    return picked, order, price, before


def _quick_bound(P, target):
    u = np.zeros(P.m)
    per = P.costs / np.maximum(np.diff(P.col_ptr), 1)
    for i in range(P.m):
        u[i] = per[P.row_cols[P.row_ptr[i]:P.row_ptr[i + 1]]].min()
    val, _ = subgradient(P.col_ptr, P.col_rows, P.costs, np.zeros(P.n, np.int8), np.ones(P.m, np.bool_),
                         u, target, np.inf, 300, 2.0, 20)
    return float(np.ceil(val - 1e-6)) if P.integral else float(val)


def set_cover(subsets, costs=None, universe=None, method="auto", time_limit=None, remove_redundant=True):
    """Cover every element of ``universe`` (default: the union of ``subsets``) at least cost.

    ``costs`` defaults to 1 per subset (unicost).  ``remove_redundant`` (method "greedy" only):
    drop redundant sets after the greedy (True) or return the plain greedy (False).  Returns
    ``SetCoverResult(cost, chosen, optimal, lower_bound, method, stats, remove_redundant)``, the
    last None for the exact methods.  Raises ValueError on bad input (see ``_setcover_input``).
    """
    P = check_set_cover(subsets, costs, universe, method, time_limit, remove_redundant)
    t0 = time.perf_counter()
    deadline = np.inf if time_limit is None else t0 + float(time_limit)
    if method == "auto":
        method = "exact"
    stats = {"n_rows": P.m, "n_subsets": P.n}
    if P.m == 0:
        picked, optimal, lower = np.zeros(P.n, bool), True, 0.0
    elif method == "greedy":
        picked, order, price, before = _greedy(P, remove_redundant)
        cost = float(P.costs[picked].sum())
        lower = min(_quick_bound(P, cost), cost)
        optimal = cost <= lower + 1e-9
        stats.update(picked_before_removal=before, order=[int(j) for j in order],
                     prices={P.elements[i]: float(price[i]) * P.cost_scale for i in range(P.m)})
    elif method == "milp":
        from scipy import sparse

        from .milp import set_cover_milp

        A = sparse.csc_matrix((np.ones(P.col_rows.shape[0]), P.col_rows, P.col_ptr), shape=(P.m, P.n))
        picked, optimal, lower = set_cover_milp(A, P.costs, time_limit)
    else:
        picked, optimal, lower, st = solve_exact(P, deadline)
        stats.update(st)
    cost = float(P.costs[picked].sum())
    if optimal:
        lower = cost
    if P.integral:  # exact Python ints in the caller's units
        cost, lower = int(round(cost)) * P.cost_scale, int(round(min(lower, cost))) * P.cost_scale
    stats["time_s"] = time.perf_counter() - t0
    return SetCoverResult(cost=cost, chosen=[int(j) for j in np.flatnonzero(picked)], optimal=bool(optimal),
                          lower_bound=lower, method=method, stats=stats,
                          remove_redundant=bool(remove_redundant) if method == "greedy" else None)
