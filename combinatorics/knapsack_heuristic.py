"""A strong first incumbent for the exact knapsack searches: break solution, best swap, fill-in.

Items arrive sorted by non-increasing value/weight (float64 ``p``, ``w``, every weight <= c).  The
break solution takes items 0..b-1 and leaves room ``r``.  On top of the density greedy (which
fills the room with later items that still fit), we look for the best exchange of one taken item
i < b for one left-out item j >= b with ``w[j] - w[i] <= r`` (largest ``p[j] - p[i]``), then fill
what room is left greedily.  On strongly correlated data the optimum is usually the break count of
items filling the capacity exactly, and one such exchange nearly always reaches it, which lets the
cardinality bound (``knapsack_bounds``) prove optimality at once.

The exchange search sorts the taken items by weight and keeps, for each weight threshold, the
cheapest taken item at least that heavy; each left-out item then needs one binary search:
O(n log n) in all.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _fill(p, w, mask, room, start):
    """Take items start.. in order whenever they fit; returns (added value, room left)."""
    gain = 0.0
    for j in range(start, p.shape[0]):
        if not mask[j] and w[j] <= room:
            mask[j] = True
            room -= w[j]
            gain += p[j]
    return gain, room


@njit(cache=True)
def _best_swap(p, w, b, r):
    """Return ``(gain, i, j)`` of the best exchange; ``gain <= 0`` when none helps."""
    n = p.shape[0]
    if b == 0 or b == n:
        return 0.0, -1, -1
    byw = np.argsort(w[:b])  # taken items, lightest first
    ws = np.empty(b)
    for q in range(b):
        ws[q] = w[byw[q]]
    cheapest = np.empty(b + 1, np.int64)  # cheapest[q]: least valuable among byw[q:]
    cheapest[b] = -1
    for q in range(b - 1, -1, -1):
        i = byw[q]
        nxt = cheapest[q + 1]
        cheapest[q] = i if (nxt < 0 or p[i] < p[nxt]) else nxt
    best = 0.0
    bi = -1
    bj = -1
    for j in range(b, n):
        need = w[j] - r  # the removed item must weigh at least this
        q = np.searchsorted(ws, need, side="left")
        if q < b:
            i = cheapest[q]
            gain = p[j] - p[i]
            if gain > best:
                best = gain
                bi = i
                bj = j
    return best, bi, bj


@njit(cache=True)
def initial_incumbent(p, w, c):
    """Return ``(mask, value)``: the better of the density greedy and best swap + fill-in."""
    n = p.shape[0]
    b = 0
    room = c
    z0 = 0.0
    while b < n and w[b] <= room:
        room -= w[b]
        z0 += p[b]
        b += 1
    greedy = np.zeros(n, np.bool_)
    greedy[:b] = True
    g_gain, _ = _fill(p, w, greedy, room, b)
    zg = z0 + g_gain
    gain, i, j = _best_swap(p, w, b, room)
    if gain <= 0.0:
        return greedy, zg
    swap = np.zeros(n, np.bool_)
    swap[:b] = True
    swap[i] = False
    swap[j] = True
    s_gain, _ = _fill(p, w, swap, room + w[i] - w[j], b)
    zs = z0 + gain + s_gain
    if zs > zg:
        return swap, zs
    return greedy, zg
