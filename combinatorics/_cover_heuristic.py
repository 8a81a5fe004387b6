"""Lagrangian-cost greedy for set cover: the exact solver's second primal heuristic (Numba kernel).

With multipliers u (from the subgradient bound), column j's Lagrangian cost on the rows it would
newly cover is g_j = c_j - sum_{i in j, i uncovered} u_i, and mu_j the number of those rows.  While
some row is uncovered, take the column with the smallest score

    g_j / mu_j        if g_j > 0   (price per newly covered row, as in the plain greedy),
    g_j * mu_j        if g_j <= 0  (the dual pays more than the column costs: prefer big ones),

the scoring of Caprara, Fischetti and Toth's Lagrangian heuristic (1999).  Covering a row updates
the columns through it in place (mu_t -= 1, g_t += u_i), as in ``setcover_greedy``.  The plain
greedy ignores u; this one follows the dual, and on OR-Library instances it finds the optimum
far earlier in the search.  The result is a cover (``picked`` completed in place) or ok=False.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def lagrangian_greedy(col_ptr, col_rows, row_ptr, row_cols, costs, u, allowed, picked):
    """Complete ``picked`` to a cover in place; return (order of picks, ok)."""
    n = costs.shape[0]
    m = row_ptr.shape[0] - 1
    cov = np.zeros(m, np.bool_)
    for j in range(n):
        if picked[j]:
            for q in range(col_ptr[j], col_ptr[j + 1]):
                cov[col_rows[q]] = True
    mu = np.zeros(n, np.int64)
    gam = costs.copy()
    for j in range(n):
        if allowed[j] and not picked[j]:
            for q in range(col_ptr[j], col_ptr[j + 1]):
                i = col_rows[q]
                if not cov[i]:
                    mu[j] += 1
                    gam[j] -= u[i]
    left = m - np.count_nonzero(cov)  # rows still uncovered
    order = np.empty(n, np.int64)
    k = 0
    while left > 0:
        best = -1
        bs = np.inf
        for j in range(n):
            if mu[j] > 0:
                s = gam[j] / mu[j] if gam[j] > 0 else gam[j] * mu[j]
                if s < bs:
                    bs = s
                    best = j
        if best < 0:
            return order[:0], False
        picked[best] = True
        order[k] = best
        k += 1
        for q in range(col_ptr[best], col_ptr[best + 1]):
            i = col_rows[q]
            if not cov[i]:
                cov[i] = True
                left -= 1
                for t in range(row_ptr[i], row_ptr[i + 1]):
                    mu[row_cols[t]] -= 1
                    gam[row_cols[t]] += u[i]
        mu[best] = 0
    return order[:k], True
