"""Lagrangian-cost greedy for set cover: the exact solver's second primal heuristic (Numba kernel).

With multipliers u (from the subgradient bound), column j's Lagrangian cost on the rows it would
newly cover is g_j = c_j - sum_{i in j, i uncovered} u_i, and mu_j the number of those rows.  While
some row is uncovered, take the column with the smallest score

    g_j / mu_j        if g_j > 0   (price per newly covered row, as in the plain greedy),
    g_j * mu_j        if g_j <= 0  (the dual pays more than the column costs: prefer big ones),

the scoring of Caprara, Fischetti and Toth's Lagrangian heuristic (1999).  Covering a row updates
the columns through it in place (mu_t -= 1, g_t += u_i): the loop is ``setcover_greedy.scored_greedy``'s,
the plain greedy's with the multipliers u.  The plain greedy ignores u; this one follows the dual,
and on OR-Library instances it finds the optimum far earlier in the search.  The result is a cover (``picked`` completed in place) or ok=False.
"""
import numpy as np
from numba import njit

from .setcover_greedy import scored_greedy


@njit(cache=True)
def lagrangian_greedy(col_ptr, col_rows, row_ptr, row_cols, costs, u, allowed, picked):
    """Complete ``picked`` to a cover in place; return (order of picks, ok)."""
    cov = np.zeros(row_ptr.shape[0] - 1, np.bool_)
    order, _, ok = scored_greedy(col_ptr, col_rows, row_ptr, row_cols, costs, u, allowed, cov, picked)
    return order, ok
