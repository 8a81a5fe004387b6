"""The exact knapsack search behind ``knapsack(method="branch_and_bound" | "core")``.

On the live items (0 < weight <= capacity), sorted by value/weight, with integer capacities
rounded down to a multiple of the weights' gcd:

1. incumbent: density greedy and break solution, each improved by best exchange + fill-in
   (``knapsack_heuristic``);
2. root bound: the smaller of Dantzig's and the cardinality (Lagrangian) bound
   (``knapsack_bounds``); if the incumbent meets it, done;
3. "branch_and_bound" only: Martello–Toth depth-first search (``knapsack_bb``) with a node
   budget, on the items left free by fixing (``knapsack_reduce``);
4. expanding core (``knapsack_core``) on the free items.  When only a few item counts k can
   still beat the incumbent, each count gets its own search (see below); otherwise one search, in
   Lagrangian density order when the cardinality bound was the stronger one at the root.

Count classes: every solution has some count k in [k_min, k_max].  Fixing the count, the LP bound
B(k) = min over mu of (mu k + LP(p - mu)) is far tighter than any bound over all counts (on almost
strongly correlated data it is within a few units of the optimum), and it is valid with a
multiplier of either sign.  B is concave in k with its maximum at the LP's own item count, so the
counts with B(k) > z form an interval found by walking out from there.  Each such count is
searched with its own multiplier, order, fixing and core, best bound first, skipping any whose
bound the incumbent has reached meanwhile.  Solutions found in one class (any count, as long as
they fit) are incumbents for all.

Every stage only looks for solutions better than the incumbent and stops when the incumbent
meets its upper bound; ``deadline`` stops it with the best proven bound.
"""
import numpy as np

from .knapsack_bb import bb_search
from .knapsack_bounds import cardinality_bound, cardinality_limits, lagrangian_lp, rounding_slack
from .knapsack_core import core_search
from .knapsack_greedy import dantzig_bound, density_order
from .knapsack_heuristic import initial_incumbent
from .knapsack_reduce import reduce_items

#: depth-first nodes before "branch_and_bound" switches to the expanding core
BB_NODE_LIMIT = 200_000
#: the core searches counts separately when at most this many can beat the incumbent
MAX_COUNT_CLASSES = 12


def exact_search(v, w, cap, integral, method, deadline, stats):
    """Branch and bound / expanding core on the live items; returns (mask, optimal, bound)."""
    n = v.shape[0]
    if n == 0:
        return np.zeros(0, bool), True, 0.0
    if w.dtype == np.int64:  # integer weights: no solution uses capacity beyond a multiple of their gcd
        g = int(np.gcd.reduce(w))
        cap = cap // g * g
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
    searches = [_bb] if method == "branch_and_bound" else []  # depth-first first, plain order
    searches.append(lambda *a: _core_any_order(*a, mu, k_cap))
    for search in searches:  # both on the items left free by plain fixing
        xs, z, done, bound = _fix_and_search(search, p, ws, c, integral, z0, upper, 0.0, 0, deadline, stats)
        if xs is not None:
            x0, z0 = xs, z
        if done:
            return _unsort(x0, order), True, None
    return _unsort(x0, order), False, bound


def _fix_and_search(search, p, w, c, integral, z0, upper, mu, k_cap, deadline, stats):
    """Fix items (``knapsack_reduce``: items sorted by (p - mu) / w, bounds with ``mu * k_cap``),
    then let ``search(p, w, c, integral, z, upper, n_fixed_in, deadline, stats)`` look among the
    free items for a solution worth more than ``z0``.  Returns ``(mask or None, z, proven,
    bound)``: the mask (over all items) only when it beats ``z0``."""
    free, fixed_in, c_left = reduce_items(p, w, c, z0, integral, mu, k_cap)
    stats["n_unfixed"] = min(stats.get("n_unfixed", p.shape[0]), int(free.size))
    base = float(p[fixed_in].sum())
    if free.size == 0:  # the fixed-in items alone are the only candidate
        if base <= z0:
            return None, z0, True, z0
        mask = np.zeros(p.shape[0], bool)
        mask[fixed_in] = True
        return mask, base, True, base
    xs, z, proven, bound = search(p[free], w[free], c_left, integral, z0 - base, upper - base,
                                  fixed_in.size, deadline, stats)
    mask = None
    if xs is not None:
        mask = np.zeros(p.shape[0], bool)
        mask[fixed_in] = True
        mask[free[xs]] = True
        z0 = z + base
    return mask, z0, proven, max(bound + base, z0)


def _core_any_order(p, w, c, integral, z0, upper, n_fixed_in, deadline, stats, mu, k_cap):
    """The expanding core on plain-fixed items: by count class when few counts can beat ``z0``,
    else one search (in Lagrangian order when the root multiplier ``mu`` is not 0; ``k_cap``
    counts the ``n_fixed_in`` items fixed in)."""
    classes = _count_classes(p, w, c, z0, integral)
    if classes is None:
        classes = [(upper, mu, k_cap - n_fixed_in)]
    else:
        stats["count_classes"] = len(classes)
    best = None
    left = []  # bounds of classes not closed
    for bound, mu, k in classes:
        if z0 >= bound:
            continue
        if not left:  # nothing has run out of time yet
            lag = np.argsort(-(p - mu) / w, kind="stable") if mu != 0.0 else np.arange(p.shape[0])
            search = lambda *a, mu=mu, k=k: _core(*a, mu, k)  # noqa: E731
            xs, z0, done, bound = _fix_and_search(search, p[lag], w[lag], c, integral, z0, bound, mu, k,
                                                  deadline, stats)
            if xs is not None:
                best = np.zeros(p.shape[0], bool)
                best[lag[xs]] = True
            if done:
                continue
        left.append(bound)
    proven = not any(b > z0 for b in left)
    return best, z0, proven, max(left + [z0])


def _count_classes(p, w, c, z, integral):
    """``[(bound, mu, k)]``, best first, for the counts k whose bound B(k) beats ``z``; None when
    there are more than ``MAX_COUNT_CLASSES`` of them."""
    k_max, k_min = cardinality_limits(p, w, c, z)
    _, x_lp = lagrangian_lp(p, w, c, 0.0, np.empty(p.shape[0], np.int64), np.empty(p.shape[0]))
    k_up = int(np.ceil(x_lp))  # B is non-increasing from here up and non-decreasing below
    out = []
    for k, step in ((k_up, 1), (k_up - 1, -1)):
        while k_min <= k <= k_max:
            bound, mu = cardinality_bound(p, w, c, k, k, z, integral)
            if bound <= z:
                break
            out.append((bound, mu, k))
            if len(out) > MAX_COUNT_CLASSES:
                return None
            k += step
    return sorted(out, reverse=True)


def _bb(p, w, c, integral, z0, upper, n_fixed_in, deadline, stats):
    """Depth-first search for a solution worth more than z0: ``(mask or None, z, proven, bound)``."""
    xs, z, finished, nodes = bb_search(p, w, c, integral, z0, np.zeros(p.shape[0], bool), BB_NODE_LIMIT,
                                       deadline, upper)
    stats["bb_nodes"] = int(nodes)
    if finished:
        stats["finished_by"] = "branch_and_bound"
    return (xs if z > z0 else None), z, finished, (z if finished else upper)


def _core(p, w, c, integral, z0, upper, n_fixed_in, deadline, stats, mu, k_cap):
    """Expanding core for a solution worth more than z0: ``(mask or None, z, proven, bound)``;
    ``k_cap`` counts the ``n_fixed_in`` items fixed in."""
    xs, z, improved, bound, finished, steps, max_states, core = core_search(
        p, w, c, integral, deadline, z0, upper, mu, k_cap - n_fixed_in)
    stats["core_steps"] = stats.get("core_steps", 0) + int(steps)
    stats["core_max_states"] = max(stats.get("core_max_states", 0), int(max_states))
    stats["core_size"] = max(stats.get("core_size", 0), int(core))
    if finished:
        stats["finished_by"] = "core"
    return (xs if improved else None), z, finished, bound


def _unsort(sorted_mask, order):
    mask = np.zeros(sorted_mask.shape[0], bool)
    mask[order[sorted_mask]] = True
    return mask
