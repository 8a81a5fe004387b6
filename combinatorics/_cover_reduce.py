"""Set-cover reductions used by the exact solver (Numba kernels).

- ``dominated_columns``: a column j can go when the cheapest other columns covering each of its
  rows cost no more than c_j together (those columns cover j's rows as cheaply, so some optimal
  cover avoids j).  Columns are tested one at a time and each removal updates the row minima, so
  two identical columns never remove each other.
- ``propagate``: from the fixed columns of a node (status 1 in, -1 out, 0 free), mark the rows not
  yet covered (active), fix in every column that is the last free one for an active row
  (essential columns), repeat; report infeasibility when an active row has no free column left.
- ``restrict``: the subproblem on chosen columns and rows, both sparse orientations rebuilt (the
  exact solver searches it after root fixing, so no tree iteration walks fixed columns).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _two_cheapest(row_ptr, row_cols, costs, status, i, min1, arg1, min2):
    """Store in ``min1[i]``/``arg1[i]`` the cheapest free column of row i and in ``min2[i]`` the
    second cheapest cost (inf where there is none)."""
    min1[i] = np.inf
    min2[i] = np.inf
    arg1[i] = -1
    for t in range(row_ptr[i], row_ptr[i + 1]):
        k = row_cols[t]
        if status[k] != 0:
            continue
        c = costs[k]
        if c < min1[i]:
            min2[i] = min1[i]
            min1[i] = c
            arg1[i] = k
        elif c < min2[i]:
            min2[i] = c


@njit(cache=True)
def dominated_columns(col_ptr, col_rows, row_ptr, row_cols, costs, status):
    """Fix out (status -1) columns dominated in the cost sense; return how many."""
    n = costs.shape[0]
    m = row_ptr.shape[0] - 1
    # per row: cheapest and second cheapest free column
    min1 = np.empty(m)
    arg1 = np.empty(m, np.int64)
    min2 = np.empty(m)
    for i in range(m):
        _two_cheapest(row_ptr, row_cols, costs, status, i, min1, arg1, min2)
    removed = 0
    for j in np.argsort(-costs, kind="mergesort"):
        if status[j] != 0:
            continue
        s = 0.0
        for q in range(col_ptr[j], col_ptr[j + 1]):
            i = col_rows[q]
            s += min2[i] if arg1[i] == j else min1[i]
            if s > costs[j]:
                break
        if s <= costs[j]:
            status[j] = -1
            removed += 1
            for q in range(col_ptr[j], col_ptr[j + 1]):
                i = col_rows[q]
                if arg1[i] == j or costs[j] <= min2[i]:  # recompute this row's two minima without j
                    _two_cheapest(row_ptr, row_cols, costs, status, i, min1, arg1, min2)
    return removed


@njit(cache=True)
def propagate(col_ptr, col_rows, row_ptr, row_cols, costs, status):
    """Return (active rows, fixed cost, feasible); fixes essential columns in ``status``."""
    m = row_ptr.shape[0] - 1
    n = costs.shape[0]
    active = np.ones(m, np.bool_)
    for j in range(n):
        if status[j] == 1:
            for q in range(col_ptr[j], col_ptr[j + 1]):
                active[col_rows[q]] = False
    changed = True
    while changed:
        changed = False
        for i in range(m):
            if not active[i]:
                continue
            free = 0
            last = -1
            for t in range(row_ptr[i], row_ptr[i + 1]):
                k = row_cols[t]
                if status[k] == 0:
                    free += 1
                    last = k
            if free == 0:
                return active, 0.0, False
            if free == 1:
                status[last] = 1
                for q in range(col_ptr[last], col_ptr[last + 1]):
                    active[col_rows[q]] = False
                changed = True
    fixed = 0.0
    for j in range(n):
        if status[j] == 1:
            fixed += costs[j]
    return active, fixed, True


def restrict(P, col_mask, row_mask):
    """The subproblem of ``P`` on the columns ``col_mask`` and the rows ``row_mask`` (both CSR/CSC
    orientations rebuilt), with the kept column and row indexes: ``(Q, cols, rows)``."""
    from ._setcover_input import CoverProblem

    cols = np.flatnonzero(col_mask)
    rows = np.flatnonzero(row_mask)
    row_map = np.full(P.m, -1, np.int64)
    row_map[rows] = np.arange(rows.shape[0])
    lens = np.diff(P.col_ptr)[cols]
    starts = np.repeat(P.col_ptr[cols] - np.cumsum(lens) + lens, lens)
    pos = starts + np.arange(lens.sum())
    new_rows = row_map[P.col_rows[pos]]
    new_cols = np.repeat(np.arange(cols.shape[0], dtype=np.int64), lens)
    keep = new_rows >= 0
    new_rows, new_cols = new_rows[keep], new_cols[keep]  # still sorted by column, then row
    col_ptr = np.zeros(cols.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(new_cols, minlength=cols.shape[0]), out=col_ptr[1:])
    order = np.lexsort((new_cols, new_rows))
    row_ptr = np.zeros(rows.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(new_rows, minlength=rows.shape[0]), out=row_ptr[1:])
    Q = CoverProblem(int(rows.shape[0]), int(cols.shape[0]), col_ptr, new_rows.astype(np.int64), row_ptr,
                     new_cols[order].astype(np.int64), P.costs[cols].copy(), P.integral, list(range(rows.shape[0])))
    return Q, cols, rows
