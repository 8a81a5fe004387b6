"""Fixing items before the exact search (the reduction of Martello, Pisinger and Toth).

Items arrive sorted by non-increasing value/weight (float64 ``p``, ``w``) with an incumbent worth
``z``.  The break solution takes items 0..b-1.  For each item we bound the best solution that
disagrees with the break solution on that item:

- a taken item j < b left out: the other break items plus items b.. filling the room fractionally;
- a left-out item j >= b put in: j plus items 0.. filling the rest fractionally.

Both are Dantzig bounds (prefix sums and one binary search each, O(log n)); when the cardinality
bound is active they are taken in Lagrangian profits p - mu, in that density order, plus
``mu * k_cap`` (see ``knapsack_bounds``).  When the bound is no
better than ``z`` (floored for integer values), no solution better than ``z`` disagrees there, so
the item is fixed as in the break solution.  The search that follows only looks for solutions
better than ``z``, so it runs on the free items alone, with the fixed-in items' weight taken off
the capacity; if it finds nothing, the incumbent was optimal.  On large uncorrelated and weakly
correlated instances all but a few hundred items are fixed.
"""
import numpy as np
from numba import njit

from .knapsack_bounds import rounding_slack


@njit(cache=True)
def fix_items(p, w, c, z, integral, mu, k_cap):
    """Return ``free`` (bool per item): False where the item is fixed as in the break solution.

    Items are sorted by (p - mu) / w; bounds are Dantzig bounds in profits p - mu plus
    ``mu * k_cap`` (``knapsack_bounds``; mu = 0: plain Dantzig).  Items with p - mu <= 0 sit at the
    end and the LP never takes them.
    """
    n = p.shape[0]
    n_pos = 0
    while n_pos < n and p[n_pos] - mu > 0.0:
        n_pos += 1
    cw = np.zeros(n_pos + 1)
    cp = np.zeros(n_pos + 1)
    for i in range(n_pos):
        cw[i + 1] = cw[i] + w[i]
        cp[i + 1] = cp[i] + (p[i] - mu)
    b = np.searchsorted(cw, c, side="right") - 1  # items 0..b-1 fit
    free = np.ones(n, np.bool_)
    tol = rounding_slack(p, w, c, mu, k_cap)
    extra = mu * k_cap
    for j in range(n):
        if j < b:  # leave j out, refill from b on
            k = np.searchsorted(cw, c + w[j], side="right") - 1  # items b..k-1 fit whole
            ub = cp[k] - (p[j] - mu)
            if k < n_pos:
                ub += (c + w[j] - cw[k]) * (p[k] - mu) / w[k]
        else:  # put j in, fill from 0 on (items 0..k-1 whole, then a share of k; k < b <= j)
            room = c - w[j]
            if room < 0:
                free[j] = False
                continue
            k = np.searchsorted(cw, room, side="right") - 1
            ub = p[j] - mu + cp[k]
            if k < n_pos:
                ub += (room - cw[k]) * (p[k] - mu) / w[k]
        ub += extra
        ub += tol
        if integral:
            ub = np.floor(ub)
        if ub <= z:
            free[j] = False
    return free


def reduce_items(p, w, c, z, integral, mu=0.0, k_cap=0):
    """Return ``(free_idx, fixed_in_idx, c_left)``: indices of free items, of items fixed in, and
    the capacity left for the free items (free items heavier than that are fixed out too)."""
    free = fix_items(p, w, c, z, integral, mu, k_cap)
    pos = int(np.count_nonzero(p - mu > 0))
    b = int(np.searchsorted(np.cumsum(w[:pos]), c, side="right"))
    fixed_in = np.flatnonzero(~free[:b])
    c_left = c - float(w[fixed_in].sum())
    slack = 0.0 if integral else 1e-12 * max(1.0, c)  # float capacities: never drop an item that fits
    free_idx = np.flatnonzero(free & (w <= c_left + slack))
    return free_idx, fixed_in, c_left
