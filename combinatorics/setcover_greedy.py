"""Greedy set cover (the notes' algorithm) and redundant-set removal, as Numba kernels.

``greedy_cover``: while some row is uncovered, take the subset with the smallest
cost / (number of rows it would newly cover); ties go to the lowest subset index (deterministic).
Each newly covered element e gets price(e) = that ratio, so the cover's cost is the sum of prices
(the H_n-approximation argument of the notes).  The gain of every subset touching a newly covered
row drops by one: the update walks the row's subset list (CSR) instead of recomputing any set
differences, so one pick costs O(n + touched nonzeros).

``remove_redundant``: then drop chosen subsets whose rows are all covered at least twice, most
expensive first (ties: the later pick first), which never raises the cost.

Both take ``allowed`` (subsets that may be picked), ``covered`` (rows already covered) and
``picked`` (subsets already in), so the exact solver reuses them as its completion heuristic.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def greedy_cover(col_ptr, col_rows, row_ptr, row_cols, costs, allowed, covered, picked):
    """Complete ``picked`` to a cover in place; return (order of picks, prices per row, ok).

    Returns an empty order with ok=False if some uncovered row has no allowed subset.
    """
    return scored_greedy(col_ptr, col_rows, row_ptr, row_cols, costs, None, allowed, covered.copy(), picked)


@njit(cache=True)
def scored_greedy(col_ptr, col_rows, row_ptr, row_cols, costs, u, allowed, cov, picked):
    """The greedy both covers share: complete ``picked`` to a cover of the rows ``cov`` leaves uncovered
    (``cov`` is updated in place, as ``picked``); return (order of picks, prices per row, ok).

    ``u=None``: the plain greedy, score cost / (rows newly covered).  ``u`` (row multipliers): the
    Lagrangian greedy of ``_cover_heuristic``, score g / mu if g > 0 else g * mu with g the cost less the
    multipliers of the rows newly covered (with u = 0 the two scores agree, costs being >= 0).  Numba
    compiles the ``u=None`` form with the multiplier updates pruned.  A row's price is the score of the
    pick that covered it.
    """
    n = costs.shape[0]
    m = row_ptr.shape[0] - 1
    for j in range(n):
        if picked[j]:
            for q in range(col_ptr[j], col_ptr[j + 1]):
                cov[col_rows[q]] = True
    gain = np.zeros(n, np.int64)  # mu: the rows each allowed subset would newly cover
    gam = costs.copy()  # g: its cost less their multipliers
    for j in range(n):
        if allowed[j] and not picked[j]:
            for q in range(col_ptr[j], col_ptr[j + 1]):
                i = col_rows[q]
                if not cov[i]:
                    gain[j] += 1
                    if u is not None:
                        gam[j] -= u[i]
    left = m - np.count_nonzero(cov)  # rows still uncovered
    price = np.zeros(m)
    order = np.empty(n, np.int64)
    k = 0
    while left > 0:
        best = -1
        br = np.inf
        for j in range(n):
            if gain[j] > 0:
                r = gam[j] / gain[j] if gam[j] > 0 else gam[j] * gain[j]
                if r < br:
                    br = r
                    best = j
        if best < 0:
            return order[:0], price, False
        picked[best] = True
        order[k] = best
        k += 1
        for q in range(col_ptr[best], col_ptr[best + 1]):
            i = col_rows[q]
            if not cov[i]:
                cov[i] = True
                price[i] = br
                left -= 1
                for t in range(row_ptr[i], row_ptr[i + 1]):
                    gain[row_cols[t]] -= 1
                    if u is not None:
                        gam[row_cols[t]] += u[i]
        gain[best] = 0
    return order[:k], price, True


@njit(cache=True)
def remove_redundant(col_ptr, col_rows, costs, picked, order, m):
    """Drop redundant picked subsets in place, most expensive first (ties: later pick first)."""
    times = np.zeros(m, np.int64)
    cand = np.flatnonzero(picked)
    for j in cand:
        for q in range(col_ptr[j], col_ptr[j + 1]):
            times[col_rows[q]] += 1
    rank = np.full(costs.shape[0], -1, np.int64)
    for k in range(order.shape[0]):
        rank[order[k]] = k
    # sort candidates by (-cost, -rank)
    keys = np.empty(cand.shape[0])
    for a in range(cand.shape[0]):
        keys[a] = -costs[cand[a]] * (costs.shape[0] + 1.0) - rank[cand[a]]
    for a in np.argsort(keys, kind="mergesort"):
        j = cand[a]
        ok = True
        for q in range(col_ptr[j], col_ptr[j + 1]):
            if times[col_rows[q]] < 2:
                ok = False
                break
        if ok:
            picked[j] = False
            for q in range(col_ptr[j], col_ptr[j + 1]):
                times[col_rows[q]] -= 1
    return picked
