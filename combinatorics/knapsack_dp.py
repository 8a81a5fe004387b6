"""Exact knapsack by dynamic programming over capacity, on the ``kernels.knapsack`` Numba kernel.

O(n * capacity) time and n * (capacity + 1) / 8 bytes for the bit table that recovers the items.
Needs integer weights (the caller checks; a fractional capacity is floored, which changes nothing
when weights are integers).  The table is filled in slices of rows so that ``time_limit`` can stop
it; a stopped table still yields a feasible solution (the best over the rows done so far) but no
bound of its own, so the caller reports the LP bound with it.
"""
import time

import numpy as np

from kernels.cpu.knapsack import knapsack_dp_finish, knapsack_dp_items_cpu, knapsack_dp_rows

#: refuse tables bigger than this (bytes); ``auto`` never gets near it
MAX_TABLE_BYTES = 4 << 30


def table_bytes(n, capacity):
    return int(n) * ((int(capacity) >> 6) + 1) * 8


def solve_dp(values, weights, capacity, deadline=float("inf")):
    """Return ``(mask, value, finished, rows_done)``; values int64 or float64, weights int64."""
    n = values.shape[0]
    cap = int(min(np.floor(capacity), weights.sum()))
    nbytes = table_bytes(n, cap)
    if nbytes > MAX_TABLE_BYTES:
        raise ValueError(
            f"knapsack: method='dp' would need a {nbytes / 2**30:.1f} GiB bit table for n={n}, "
            f"capacity={cap}; use method='branch_and_bound'")
    best = np.zeros(cap + 1, values.dtype)
    take = np.zeros((n, (cap >> 6) + 1), np.uint64)
    w = np.ascontiguousarray(weights, dtype=np.int64)
    v = np.ascontiguousarray(values)
    reach = 0
    done = 0
    # about 2e7 cells per slice: a few hundredths of a second between clock reads
    step = max(1, int(2e7 // max(cap, 1)))
    while done < n:
        stop = min(n, done + step)
        reach = knapsack_dp_rows(v, w, cap, best, take, done, stop, reach)
        done = stop
        if done < n and time.perf_counter() > deadline:
            break
    knapsack_dp_finish(best, reach)
    mask = np.zeros(n, bool)
    mask[:done] = knapsack_dp_items_cpu(take[:done], w[:done], cap, cap)
    return mask, values[mask].sum(), done == n, done
