"""Depth-first branch and bound for the 0/1 knapsack (Horowitz–Sahni / Martello–Toth MT1 style).

Items arrive sorted by non-increasing value/weight (``p``, ``w`` as float64, every weight > 0 and
<= capacity).  From the current node the search first takes the longest run of items that fit
(the "forward move"), leaves out the item that does not, and bounds the rest with Martello and
Toth's U2 bound: with break item s and residual room r, U2 = max(U0, U1), where U0 excludes s and
fills r at the density of s+1, and U1 forces s in and pays for its overflow at the density of s-1
(the last free item before it); U2 <= Dantzig's LP bound.  With integer values the bound is
floored.  A node whose bound does not beat the incumbent is dropped, and the search backtracks to
the last taken item and leaves it out.  Prefix sums plus a binary search make each bound O(log n).

``bb_search`` stops after ``node_limit`` nodes or at ``deadline`` (perf_counter seconds), and says
whether the search finished (then the incumbent is optimal); it also stops, finished, once the
incumbent meets the caller's upper bound.  It is exponential on strongly
correlated data, which is why ``knapsack(method="branch_and_bound")`` hands unfinished searches to
the expanding-core solver (``knapsack_core``).
"""
import numpy as np
from numba import njit

from ._clock import now
from .knapsack_bounds import rounding_slack


@njit(cache=True)
def u2_bound(p, w, cw, cp, j, cap, prof, integral, slack):
    """Martello–Toth U2 bound of the node that fixed items < j and has ``cap`` room left."""
    n = p.shape[0]
    target = cw[j] + cap
    s = np.searchsorted(cw, target, side="right") - 1  # items j..s-1 fit whole, s breaks
    if s >= n:
        ub = prof + cp[n] - cp[j]
    else:
        base = prof + cp[s] - cp[j]
        room = target - cw[s]
        u0 = base + (room * p[s + 1] / w[s + 1] if s + 1 < n else 0.0)
        ub = u0
        if s > j:  # room for s can only come from free items j..s-1, all at density >= d[s-1]
            u1 = base + p[s] - (w[s] - room) * p[s - 1] / w[s - 1]
            if u1 > ub:
                ub = u1
    ub += slack
    if integral:
        ub = np.floor(ub)
    return ub


@njit(cache=True)
def bb_search(p, w, c, integral, z0, x0, node_limit, deadline, upper):
    """Return ``(mask, z, finished, nodes)``; ``z0``/``x0`` is the starting incumbent and
    ``upper`` a proven bound on the optimum (the search ends when the incumbent reaches it)."""
    n = p.shape[0]
    cw = np.zeros(n + 1)
    cp = np.zeros(n + 1)
    for i in range(n):
        cw[i + 1] = cw[i] + w[i]
        cp[i + 1] = cp[i] + p[i]
    slack = rounding_slack(p, w, c, 0.0, 0)
    x = np.zeros(n, np.bool_)
    best = x0.copy()
    z = z0
    j = 0
    cap = c
    prof = 0.0
    nodes = 0
    finished = False
    while True:
        if z >= upper:
            finished = True
            break
        nodes += 1
        if (nodes & 4095) == 0 and (nodes >= node_limit or now() > deadline):
            break
        if j < n:
            if u2_bound(p, w, cw, cp, j, cap, prof, integral, slack) > z:  # else: pruned, backtrack
                while j < n and w[j] <= cap:
                    x[j] = True
                    cap -= w[j]
                    prof += p[j]
                    j += 1
                if prof > z:
                    z = prof
                    best[:j] = x[:j]
                    best[j:] = False
                if j < n:
                    x[j] = False
                    j += 1
                    continue
        elif prof > z:
            z = prof
            best[:] = x
        # backtrack: leave out the last item taken
        i = j - 1
        while i >= 0 and not x[i]:
            i -= 1
        if i < 0:
            finished = True
            break
        x[i] = False
        cap += w[i]
        prof -= p[i]
        j = i + 1
    return best, z, finished, nodes
