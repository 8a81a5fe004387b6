"""Expanding-core dynamic programming for the 0/1 knapsack (after Pisinger's minknap, 1997, with
the cardinality bound of Martello, Pisinger and Toth's combo, 1999).

Items arrive sorted by non-increasing Lagrangian density (p - mu) / w (float64 ``p``, ``w``;
weights > 0 and <= c); ``mu = 0`` is the plain value/weight order.  The break solution takes the
longest prefix 0..b-1 that fits (never an item with p - mu <= 0).  The solver keeps a list of
states (profit P, weight W, item count k, history) that differ from the break solution only inside
a core [s, t] around b, and widens the core one item at a time, alternately on each side: item
t+1 may be added, item s-1 may be removed.  Each step merges the list with its shifted copy (both
sorted by weight), drops dominated states (another weighs no more and is worth at least as much),
and drops states whose bound cannot beat the incumbent z.  The bound of a state is the Dantzig
bound of its completions in Lagrangian profits, plus ``mu * k_cap``:

- with room left (W <= c): P - mu k + (c - W) * max(0, d'(t+1)) + mu k_cap;
- overweight: it must shed W - c at a density of at least d'(s-1): P - mu k - (W - c) d'(s-1) + ...

where ``k_cap`` is the most items a solution can hold (mu >= 0) or the fewest a solution better
than the incumbent needs (mu < 0), so the bound holds for every completion that matters
(``knapsack_bounds``).  When the plain densities outside the core happen to be ordered too (the
densest item that could be added is no denser than the sparsest that could be removed), Dantzig's
bound in plain profits is valid as well and the smaller of the two is used.  The search ends when
no state is left, every item is in the core, or the incumbent reaches the caller's upper bound.
At steps 1, 2, 4, 8, ... every state is also paired with its best single item from outside the
core (added to a state with room, dropped from an overweight one) to find incumbents early: on
strongly correlated data the optimum often fills the capacity exactly with a far-away item.
Decisions are recovered from a parent-pointer forest: every state made by taking the shifted copy
gets a node (item, parent); following the best state's chain toggles items of the break solution.

``core_search`` honours a deadline; when it expires the incumbent is returned with the best
remaining state bound as the proven upper bound.
"""
import numpy as np
from numba import njit

from ._clock import now
from .knapsack_bounds import rounding_slack


@njit(cache=True)
def _grow(a, size):
    out = np.empty(max(size, 2 * a.shape[0]), a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _outer_densities(p, w):
    """Plain densities: ``lo[i]`` the least among items < i, ``hi[i]`` the largest among items >= i."""
    n = p.shape[0]
    lo = np.empty(n + 1)
    hi = np.empty(n + 1)
    lo[0] = np.inf
    for i in range(n):
        lo[i + 1] = min(lo[i], p[i] / w[i])
    hi[n] = 0.0
    for i in range(n - 1, -1, -1):
        hi[i] = max(hi[i + 1], p[i] / w[i])
    return lo, hi


@njit(cache=True)
def _state_bound(P, W, k, c, mu, k_cap, d_add, d_rem, plain_ok, lo_s, hi_t, can_remove):
    """Upper bound on every completion of the state (see the module docstring); -inf if none."""
    if W <= c:
        ub = P - mu * k + (c - W) * max(0.0, d_add) + mu * k_cap
        if plain_ok:
            ub = min(ub, P + (c - W) * hi_t)
    elif can_remove:
        ub = P - mu * k - (W - c) * d_rem + mu * k_cap
        if plain_ok:
            ub = min(ub, P - (W - c) * lo_s)
    else:
        ub = -np.inf
    return ub


@njit(cache=True)
def _pair(p, w, byw, s, t, c, sp, sw, m):
    """Best single-item completion of any state: add one item beyond the core to a state with
    room, or drop one item before the core from an overweight one.  Returns ``(value, state,
    item)``, ``state = -1`` if none fits.  ``byw`` lists all items lightest first; states are
    sorted by weight, so both sweeps are linear."""
    n = p.shape[0]
    best = -np.inf
    bq = -1
    bi = -1
    # add: states from the heaviest that fits down, room grows; items beyond t by weight
    q = m - 1
    while q >= 0 and sw[q] > c:
        q -= 1
    k = 0
    top = -1  # most valuable outside item seen so far (all lighter than the current room)
    while q >= 0:
        room = c - sw[q]
        while k < n and w[byw[k]] <= room:
            j = byw[k]
            if j > t and (top < 0 or p[j] > p[top]):
                top = j
            k += 1
        if top >= 0 and sp[q] + p[top] > best:
            best = sp[q] + p[top]
            bq = q
            bi = top
        q -= 1
    # drop: overweight states from the lightest up, the excess grows; items before s, heaviest first
    q = 0
    while q < m and sw[q] <= c:
        q += 1
    k = n - 1
    cheap = -1  # least valuable inside item seen so far (all heavy enough for the current excess)
    start = q
    q = m - 1
    while q >= start:  # from the heaviest state (largest excess) down: the heavy-enough set grows
        excess = sw[q] - c
        while k >= 0 and w[byw[k]] >= excess:
            i = byw[k]
            if i < s and (cheap < 0 or p[i] < p[cheap]):
                cheap = i
            k -= 1
        if cheap >= 0 and sp[q] - p[cheap] > best:
            best = sp[q] - p[cheap]
            bq = q
            bi = cheap
        q -= 1
    return best, bq, bi


@njit(cache=True)
def core_search(p, w, c, integral, deadline, z0, upper0, mu, k_cap):
    """Return ``(mask, z, improved, upper_bound, finished, steps, max_states, core_size)``.

    ``z0`` is the value of the caller's incumbent and ``upper0`` a proven upper bound on the
    optimum; the search stops as soon as its incumbent reaches ``upper0``.  ``improved`` says
    whether ``mask`` beats ``z0`` (otherwise the caller keeps its own solution).  ``mu`` and
    ``k_cap`` are the Lagrangian multiplier and count of the bound (0 and anything: plain).
    """
    n = p.shape[0]
    lo, hi = _outer_densities(p, w)
    slack = rounding_slack(p, w, c, mu, k_cap)
    b = 0
    w0 = 0.0
    p0 = 0.0
    while b < n and w0 + w[b] <= c and p[b] - mu > 0.0:
        w0 += w[b]
        p0 += p[b]
        b += 1
    mask = np.zeros(n, np.bool_)
    mask[:b] = True
    z = max(p0, z0)
    improved = p0 > z0
    if b == n:
        return mask, z, improved, z, True, 0, 1, 0
    sp = np.empty(1)
    sw = np.empty(1)
    sk = np.empty(1, np.int64)
    sn = np.empty(1, np.int64)
    sp[0] = p0
    sw[0] = w0
    sk[0] = b
    sn[0] = -1
    m = 1
    node_item = np.empty(1024, np.int64)
    node_par = np.empty(1024, np.int64)
    nnodes = 0
    zn = -1
    z_item = -1  # an item outside the core toggled on top of state zn (from pairing)
    byw = np.argsort(w)
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
            dk = 1
        else:
            s -= 1
            i = s
            dp = -p[i]
            dw = -w[i]
            dk = -1
        # merge the list A with the shifted list B = A + (dp, dw); both sorted by weight
        np_ = np.empty(2 * m)
        nw_ = np.empty(2 * m)
        nk_ = np.empty(2 * m, np.int64)
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
                if cp > last:
                    np_[k] = cp
                    nw_[k] = sw[ia]
                    nk_[k] = sk[ia]
                    nn_[k] = sn[ia]
                    k += 1
                    last = cp
                ia += 1
            else:
                cp = sp[ib] + dp
                if cp > last:
                    node_item[nnodes] = i
                    node_par[nnodes] = sn[ib]
                    np_[k] = cp
                    nw_[k] = sw[ib] + dw
                    nk_[k] = sk[ib] + dk
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
                    z_item = -1
                    improved = True
            else:
                break
        d_add = (p[t + 1] - mu) / w[t + 1] if t + 1 < n else 0.0
        d_rem = (p[s - 1] - mu) / w[s - 1] if s > 0 else np.inf
        lo_s = lo[s]
        hi_t = hi[t + 1]
        plain_ok = hi_t <= lo_s  # no exchange across the core gains in plain profits
        m = 0
        upper = z
        for q in range(k):
            ub = _state_bound(np_[q], nw_[q], nk_[q], c, mu, k_cap, d_add, d_rem, plain_ok, lo_s, hi_t, s > 0)
            ub += slack
            if integral:
                ub = np.floor(ub)
            if ub > z:
                if ub > upper:
                    upper = ub
                np_[m] = np_[q]
                nw_[m] = nw_[q]
                nk_[m] = nk_[q]
                nn_[m] = nn_[q]
                m += 1
        sp = np_
        sw = nw_
        sk = nk_
        sn = nn_
        if m > max_states:
            max_states = m
        if m > 0 and (steps & (steps - 1)) == 0:  # now and then: states plus one outside item
            val, q, item = _pair(p, w, byw, s, t, c, sp, sw, m)
            if val > z:
                z = val
                zn = sn[q]
                z_item = item
                improved = True
    node = zn
    while node >= 0:
        mask[node_item[node]] = not mask[node_item[node]]
        node = node_par[node]
    if z_item >= 0:
        mask[z_item] = not mask[z_item]
    if finished:
        upper = z
    return mask, z, improved, min(upper, upper0), finished, steps, max_states, t - s + 1
