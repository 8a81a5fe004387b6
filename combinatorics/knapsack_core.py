"""Expanding-core dynamic programming for the 0/1 knapsack (after Pisinger's minknap, 1997).

Items arrive sorted by non-increasing value/weight (float64 ``p``, ``w``; weights > 0 and <= c).
The break solution takes items 0..b-1, where b is the first item that does not fit.  The solver
keeps a list of states (profit, weight, history) that differ from the break solution only inside
a core [s, t] around b, and widens the core one item at a time, alternately on each side: item
t+1 may be added, item s-1 may be removed.  Each step merges the list with its shifted copy
(both sorted by weight), drops dominated states (a state is dominated when another weighs no more
and is worth at least as much), and drops states whose bound cannot beat the incumbent z:

- a state with room left (W <= c) can at best fill it at the density of t+1;
- an overweight state must shed W - c at a density of at least that of s-1.

These are Dantzig-type bounds on the items still outside the core (densities outside the core are
monotone), so the search is exact; it ends when no state is left or every item is in the core.
Strongly correlated instances, where plain branch and bound drowns in nodes, finish with a core of
a few dozen items here.  Decisions are recovered from a parent-pointer forest: every state made by
taking the shifted copy gets a node (item, parent); following the best state's chain toggles items
of the break solution.

``core_search`` honours a deadline; when it expires the incumbent is returned with the best
remaining state bound as the proven upper bound.
"""
import numpy as np
from numba import njit

from ._clock import now


@njit(cache=True)
def _grow(a, size):
    out = np.empty(max(size, 2 * a.shape[0]), a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def core_search(p, w, c, integral, deadline, z0, upper0):
    """Return ``(mask, z, improved, upper_bound, finished, steps, max_states, core_size)``.

    ``z0`` is the value of the caller's incumbent and ``upper0`` a proven upper bound on the
    optimum; the search stops as soon as its incumbent reaches ``upper0``.  ``improved`` says
    whether ``mask`` beats ``z0`` (otherwise the caller keeps its own solution).
    """
    n = p.shape[0]
    b = 0
    w0 = 0.0
    p0 = 0.0
    while b < n and w0 + w[b] <= c:
        w0 += w[b]
        p0 += p[b]
        b += 1
    mask = np.zeros(n, np.bool_)
    mask[:b] = True
    if b == n:
        return mask, max(p0, z0), p0 > z0, max(p0, z0), True, 0, 1, 0
    sp = np.empty(1)
    sw = np.empty(1)
    sn = np.empty(1, np.int64)
    sp[0] = p0
    sw[0] = w0
    sn[0] = -1
    m = 1
    node_item = np.empty(1024, np.int64)
    node_par = np.empty(1024, np.int64)
    nnodes = 0
    z = max(p0, z0)
    zn = -1
    improved = p0 > z0
    s = b  # items s..t are in the core
    t = b - 1
    steps = 0
    max_states = 1
    finished = False
    upper = np.inf
    side = 0
    while True:
        if m == 0 or (s == 0 and t == n - 1) or z >= upper0:
            finished = True
            break
        if now() > deadline:
            break
        steps += 1
        add = (side == 0 and t + 1 < n) or s == 0
        side ^= 1
        if add:
            t += 1
            i = t
            dp = p[i]
            dw = w[i]
        else:
            s -= 1
            i = s
            dp = -p[i]
            dw = -w[i]
        # merge the list A with the shifted list B = A + (dp, dw); both sorted by weight
        np_ = np.empty(2 * m)
        nw_ = np.empty(2 * m)
        nn_ = np.empty(2 * m, np.int64)
        if nnodes + m > node_item.shape[0]:
            node_item = _grow(node_item, nnodes + m)
            node_par = _grow(node_par, nnodes + m)
        k = 0
        ia = 0
        ib = 0
        last = -np.inf
        while ia < m or ib < m:
            if ib >= m or (ia < m and (sw[ia] < sw[ib] + dw or (sw[ia] == sw[ib] + dw and sp[ia] >= sp[ib] + dp))):
                cp = sp[ia]
                cwt = sw[ia]
                if cp > last:
                    np_[k] = cp
                    nw_[k] = cwt
                    nn_[k] = sn[ia]
                    k += 1
                    last = cp
                ia += 1
            else:
                cp = sp[ib] + dp
                cwt = sw[ib] + dw
                if cp > last:
                    node_item[nnodes] = i
                    node_par[nnodes] = sn[ib]
                    np_[k] = cp
                    nw_[k] = cwt
                    nn_[k] = nnodes
                    nnodes += 1
                    k += 1
                    last = cp
                ib += 1
        # incumbent: the heaviest feasible state is the most valuable one
        for q in range(k):
            if nw_[q] <= c:
                if np_[q] > z:
                    z = np_[q]
                    zn = nn_[q]
                    improved = True
            else:
                break
        d_add = p[t + 1] / w[t + 1] if t + 1 < n else 0.0
        d_rem = p[s - 1] / w[s - 1] if s > 0 else np.inf
        m = 0
        upper = z
        for q in range(k):
            if nw_[q] <= c:
                ub = np_[q] + (c - nw_[q]) * d_add
            elif s > 0:
                ub = np_[q] - (nw_[q] - c) * d_rem
            else:
                continue
            if integral:
                ub = np.floor(ub + 1e-9)
            if ub > z:
                if ub > upper:
                    upper = ub
                np_[m] = np_[q]
                nw_[m] = nw_[q]
                nn_[m] = nn_[q]
                m += 1
        sp = np_
        sw = nw_
        sn = nn_
        if m > max_states:
            max_states = m
    node = zn
    while node >= 0:
        mask[node_item[node]] = not mask[node_item[node]]
        node = node_par[node]
    if finished:
        upper = z
    return mask, z, improved, min(upper, upper0), finished, steps, max_states, t - s + 1
