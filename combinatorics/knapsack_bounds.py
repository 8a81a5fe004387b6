"""Cardinality bounds for the 0/1 knapsack (after Martello, Pisinger and Toth's "combo", 1999).

Two counts hold for the items of a solution that matters:

- ``k_max``: no feasible solution has more items than the lightest items that fit together;
- ``k_min``: a solution worth more than the incumbent ``z`` needs at least as many items as the
  most valuable items whose profits first sum past ``z``.

Adding ``sum(x) <= k_max`` (and ``sum(x) >= k_min``) to the LP relaxation changes nothing for an
integer solution but can cut the LP bound a lot: on strongly correlated data (value = weight + K)
Dantzig's bound gives the break item's fraction a share of K that no 0/1 solution can have.  We
dualise the count with a multiplier ``mu`` (Lagrangian relaxation):

    g(mu) = mu * k + max { sum((p - mu) * x) : sum(w * x) <= c, 0 <= x <= 1 },

with ``k = k_max`` for ``mu >= 0`` and ``k = k_min`` for ``mu < 0``.  Every ``g(mu)`` bounds
every solution better than ``z`` (so ``max(z, g(mu))`` bounds the optimum); ``g`` is convex and
its slope is ``k`` minus the LP's item count, so bisection on the slope finds the best ``mu``.
The inner LP is Dantzig's bound with profits ``p - mu``, found in expected O(n) by a weighted
quickselect on the densities (no sort).  With integer profits ``mu`` stays on a grid of 1/1024 so
that ``p - mu`` and the sums are exact in float64; a small margin covers the last division.
"""
import numpy as np
from numba import njit

#: bisection steps on the multiplier (each one LP solve, expected O(n))
MU_STEPS = 48
#: multipliers live on this grid so that profit - mu is exact for integer profits
MU_GRID = 1.0 / 1024.0


def cardinality_limits(p, w, c, z):
    """Return ``(k_max, k_min)`` for items ``p``, ``w`` (each weight <= c) and incumbent ``z``."""
    idx = np.empty(p.shape[0], np.int64)
    w64, p64 = np.asarray(w, np.float64), np.asarray(p, np.float64)
    k_max = _count_within(w64, w64, float(c), idx)
    k_min = _count_within(p64, -p64, float(z), idx) + 1  # the first k whose top-k sum exceeds z
    return k_max, k_min


@njit(cache=True)
def _random_pivot(seed, idx, lo, hi):
    """``(next seed, an item of idx[lo:hi])`` from a fixed linear congruential sequence (reproducible)."""
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return seed, idx[lo + seed % (hi - lo)]


@njit(cache=True)
def _partition3(idx, key, lo, hi, piv):
    """Reorder ``idx[lo:hi]`` by ``key[idx[q]]`` against ``piv``: [lo, e) below, [e, k) equal, [k, hi)
    above; returns ``(e, k)``.  One pass, the three-way split of the quickselects below."""
    e = lo
    q = lo
    k = hi
    while q < k:
        j = idx[q]
        x = key[j]
        if x < piv:
            idx[q] = idx[e]
            idx[e] = j
            e += 1
            q += 1
        elif x > piv:
            k -= 1
            idx[q] = idx[k]
            idx[k] = j
        else:
            q += 1
    return e, k


@njit(cache=True)
def _count_within(a, key, budget, idx):
    """How many entries of ``a``, taken in increasing ``key`` order (``a`` itself: smallest first;
    ``-a``: largest first), fit in ``budget`` together; expected O(n) by quickselect."""
    n = a.shape[0]
    for i in range(n):
        idx[i] = i
    lo = 0
    hi = n
    count = 0
    seed = 12345
    while hi > lo:
        seed, piv = _random_pivot(seed, idx, lo, hi)
        e, k = _partition3(idx, key, lo, hi, key[piv])
        s = 0.0
        for q in range(lo, e):
            s += a[idx[q]]
        if s > budget:
            hi = e
            continue
        budget -= s
        count += e - lo
        v = a[idx[e]]  # the equal block (one value of a): take as many as fit
        if v <= 0.0:
            take = k - e
        else:
            take = min(k - e, int(budget // v))
        count += take
        if take < k - e:
            return count
        budget -= take * v
        lo = k
    return count


@njit(cache=True)
def lagrangian_lp(p, w, c, mu, idx, key):
    """LP bound of max sum((p - mu) x) s.t. sum(w x) <= c, 0 <= x <= 1; returns (value, count).

    ``count`` is the LP solution's sum(x).  ``idx`` (int64) and ``key`` (float64) are scratch space of
    length len(p).  Weighted quickselect on (p - mu) / w: keep the part holding the break item, take
    the denser rest.
    """
    m = 0
    for i in range(p.shape[0]):
        if p[i] - mu > 0.0:
            idx[m] = i
            key[i] = -((p[i] - mu) / w[i])  # densest first
            m += 1
    lo = 0
    hi = m  # unresolved items idx[lo:hi]; everything denser is taken
    room = c
    value = 0.0
    count = 0.0
    seed = 12345
    while hi > lo:
        seed, piv = _random_pivot(seed, idx, lo, hi)
        # [lo, a) denser than the pivot, [a, e) as dense, [e, hi) sparser
        a, e = _partition3(idx, key, lo, hi, key[piv])
        wg = 0.0
        for q in range(lo, a):
            wg += w[idx[q]]
        if wg > room:
            hi = a
            continue
        pg = 0.0
        for q in range(lo, a):
            pg += p[idx[q]] - mu
        value += pg
        count += a - lo
        room -= wg
        weq = 0.0
        for q in range(a, e):
            weq += w[idx[q]]
        if weq <= room:
            for q in range(a, e):
                value += p[idx[q]] - mu
            count += e - a
            room -= weq
            lo = e
            continue
        # the break item has the pivot's density: fill the room from the equal block
        for q in range(a, e):
            j = idx[q]
            if w[j] <= room:
                value += p[j] - mu
                count += 1
                room -= w[j]
            else:
                value += room * (p[j] - mu) / w[j]
                count += room / w[j]
                break
        return value, count
    return value, count


@njit(cache=True)
def rounding_slack(p, w, c, mu, k_cap):
    """Slack added to a computed bound before it is compared (or floored): a little above the
    float64 rounding error of any bound the searches form from these items, so that a bound
    that is exactly an integer is never floored one below it.  Keeping a state or an item one
    could have dropped only costs time."""
    scale = abs(mu) * (p.shape[0] + abs(k_cap))
    dmax = 0.0
    for i in range(p.shape[0]):
        scale += abs(p[i])
        dmax = max(dmax, abs(p[i]) / w[i], abs(p[i] - mu) / w[i])
    return 1e-9 + 1e-13 * (scale + abs(c) * dmax)


@njit(cache=True)
def _g(p, w, c, mu, k_max, k_min, idx, key):
    v, cnt = lagrangian_lp(p, w, c, mu, idx, key)
    k = k_max if mu >= 0.0 else k_min
    return v + mu * k, k - cnt


@njit(cache=True)
def cardinality_bound(p, w, c, k_max, k_min, z, integral):
    """Best ``g(mu)`` found by bisection (see the module docstring), rounding-safe; returns
    ``(bound, mu)``.  The bound holds for every solution worth more than ``z``."""
    idx = np.empty(p.shape[0], np.int64)
    key = np.empty(p.shape[0])
    pmax = 0.0
    scale = 0.0
    for i in range(p.shape[0]):
        pmax = max(pmax, p[i])
        scale += p[i]
    # integer profits: p - mu and every partial sum are exact below 2**43; else allow for rounding
    margin = 1e-6 + 1e-15 * scale if (integral and scale < 2.0**43) else 1e-7 + 1e-12 * scale
    best, count0 = lagrangian_lp(p, w, c, 0.0, idx, key)  # Dantzig's bound and its item count
    best_mu = 0.0
    if count0 > k_max or count0 < k_min:  # else mu = 0 is optimal (0 is in the subgradient)
        # the LP holds more than k_max items: raise mu; fewer than k_min: lower it
        lo, hi = (0.0, pmax + 1.0) if count0 > k_max else (-(pmax + 1.0), 0.0)
        for _ in range(MU_STEPS):
            mid = 0.5 * (lo + hi)
            if integral:
                mid = np.floor(mid / MU_GRID) * MU_GRID
                if mid <= lo or mid >= hi:
                    break
            gm, sm = _g(p, w, c, mid, k_max, k_min, idx, key)
            if gm < best:
                best = gm
                best_mu = mid
            if sm < 0:
                lo = mid
            elif sm > 0:
                hi = mid
            else:
                break
            if integral and np.floor(best + margin) <= z:
                break
    best += margin
    if integral:
        best = np.floor(best)
    return best, best_mu
