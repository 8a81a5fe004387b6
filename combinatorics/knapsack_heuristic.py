"""A strong first incumbent for the exact knapsack searches: break solution, best swap, fill-in.

Items arrive sorted by non-increasing value/weight (float64 ``p``, ``w``, every weight <= c).  The
break solution takes items 0..b-1 and leaves room ``r``; the density greedy also takes every later
item that still fits.  From each of the two we look for the best exchange of one taken item i for
one left-out item j with ``w[j] - w[i] <= r`` (largest ``p[j] - p[i]``), fill what room is left
greedily, and repeat a few times while it gains.  On strongly correlated data the optimum is
usually the break count of items filling the capacity exactly, and one such exchange nearly always
reaches it, which lets the cardinality bound (``knapsack_bounds``) prove optimality at once
(inverse strongly correlated: one item more than the break solution, so the greedy start).

Each exchange search sorts the taken items by weight and keeps, for each weight threshold, the
cheapest taken item at least that heavy; each left-out item then needs one binary search:
O(n log n) in all.
"""
import numpy as np
from numba import njit

#: exchange-and-fill rounds per start
ROUNDS = 3


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
def _best_swap(p, w, mask, room):
    """Return ``(gain, i, j)`` of the best exchange of a taken i for a left-out j that fits in
    ``room`` + w[i]; ``gain <= 0`` when none helps."""
    taken = np.flatnonzero(mask)
    nt = taken.shape[0]
    if nt == 0 or nt == p.shape[0]:
        return 0.0, -1, -1
    byw = taken[np.argsort(w[taken])]  # taken items, lightest first
    ws = w[byw]
    cheapest = np.empty(nt + 1, np.int64)  # cheapest[q]: least valuable among byw[q:]
    cheapest[nt] = -1
    for q in range(nt - 1, -1, -1):
        i = byw[q]
        nxt = cheapest[q + 1]
        cheapest[q] = i if (nxt < 0 or p[i] < p[nxt]) else nxt
    best = 0.0
    bi = -1
    bj = -1
    for j in range(p.shape[0]):
        if mask[j]:
            continue
        q = np.searchsorted(ws, w[j] - room, side="left")  # the removed item must weigh this much
        if q < nt:
            i = cheapest[q]
            gain = p[j] - p[i]
            if gain > best:
                best = gain
                bi = i
                bj = j
    return best, bi, bj


@njit(cache=True)
def _improve(p, w, mask, value, room, rounds):
    """Best exchange then greedy fill-in, repeated while it gains (at most ``rounds`` times)."""
    for _ in range(rounds):
        gain, i, j = _best_swap(p, w, mask, room)
        if gain <= 0.0:
            break
        mask[i] = False
        mask[j] = True
        room += w[i] - w[j]
        fill, room = _fill(p, w, mask, room, 0)
        value += gain + fill
    return mask, value


@njit(cache=True)
def initial_incumbent(p, w, c):
    """Return ``(mask, value)``: the better of two local searches (best exchange + fill-in), one
    from the break solution and one from the density greedy."""
    n = p.shape[0]
    b = 0
    room = c
    z0 = 0.0
    while b < n and w[b] <= room:
        room -= w[b]
        z0 += p[b]
        b += 1
    brk = np.zeros(n, np.bool_)
    brk[:b] = True
    greedy = brk.copy()
    g_gain, g_room = _fill(p, w, greedy, room, b)
    greedy, zg = _improve(p, w, greedy, z0 + g_gain, g_room, ROUNDS)
    brk, zb = _improve(p, w, brk, z0, room, ROUNDS)
    if zb > zg:
        return brk, zb
    return greedy, zg
