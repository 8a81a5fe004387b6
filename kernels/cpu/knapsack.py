"""0/1 knapsack dynamic programming over capacity: the Numba CPU kernel and its item recovery.

``knapsack_dp_cpu(values, weights, capacity)`` runs the textbook recurrence
``best[c] = max(best[c], best[c - w_i] + v_i)`` in place, cells visited from high capacity to low,
one item row at a time, and records in a bit table ``take[i, c >> 6]`` (bit ``c & 63``) whether item
``i`` improved cell ``c``.  The table costs n * (capacity + 1) / 8 bytes, so items are recovered
without keeping n rows of values: ``knapsack_dp_items_cpu`` walks the rows backwards from the best
cell.  Each row only touches cells from ``w_i`` up to the running sum of weights (cells above that
cannot change yet; they are filled with the plateau value as the reach grows), which is what "cells" means in the benchmark's cells/s figure
(``knapsack_dp_cells``).  ``values`` may be any integer or float dtype (the table row takes the
same dtype); ``weights`` must be non-negative integers; input checking happens in the caller
(``combinatorics``), kernels trust their arrays.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def knapsack_dp_rows(values, weights, capacity, best, take, start, stop, reach):
    """Apply item rows ``start <= i < stop`` to ``best``/``take`` in place; return the new reach.

    Exposed so that a caller can run the table in slices and look at a clock in between.
    """
    for i in range(start, stop):
        w = weights[i]
        v = values[i]
        if w > capacity:
            continue
        old_reach = reach
        reach = min(capacity, reach + w)
        top = best[old_reach]
        for c in range(old_reach + 1, reach + 1):
            best[c] = top  # every earlier item fits in these cells
        for c in range(reach, w - 1, -1):
            cand = best[c - w] + v
            if cand > best[c]:
                best[c] = cand
                take[i, c >> 6] |= np.uint64(1) << np.uint64(c & 63)
    return reach


@njit(cache=True)
def knapsack_dp_finish(best, reach):
    """Fill the cells above ``reach`` (never touched: all items fit there) with ``best[reach]``."""
    for c in range(reach + 1, best.shape[0]):
        best[c] = best[reach]


@njit(cache=True)
def knapsack_dp_cpu(values, weights, capacity):
    """Return ``(best, take)``: best[c] = best value with total weight <= c; take = the bit table."""
    n = values.shape[0]
    best = np.zeros(capacity + 1, values.dtype)
    take = np.zeros((n, (capacity >> 6) + 1), np.uint64)
    reach = knapsack_dp_rows(values, weights, capacity, best, take, 0, n, 0)
    knapsack_dp_finish(best, reach)
    return best, take


@njit(cache=True)
def knapsack_dp_items_cpu(take, weights, capacity, cell):
    """Walk the bit table back from ``cell`` (<= the ``capacity`` the table was built with);
    return a boolean mask of the chosen items.

    A cell above row i's reach holds the plateau value of row i, so the walk first clamps the cell
    to that reach (the same running sum the forward pass used).
    """
    n = take.shape[0]
    reaches = np.zeros(n, np.int64)
    reach = 0
    for i in range(n):
        w = weights[i]
        if w <= capacity:
            reach = min(capacity, reach + w)
        reaches[i] = reach
    chosen = np.zeros(n, np.bool_)
    c = cell
    for i in range(n - 1, -1, -1):
        c = min(c, reaches[i])
        if (take[i, c >> 6] >> np.uint64(c & 63)) & np.uint64(1):
            chosen[i] = True
            c -= weights[i]
    return chosen


@njit(cache=True)
def knapsack_dp_cells(weights, capacity):
    """Number of table cells the DP kernel updates (the unit of the benchmark's cells/s)."""
    reach = 0
    cells = 0
    for i in range(weights.shape[0]):
        w = weights[i]
        if w > capacity:
            continue
        reach = min(capacity, reach + w)
        cells += reach - w + 1
    return cells
