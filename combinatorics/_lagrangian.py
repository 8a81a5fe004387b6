"""Lagrangian lower bound for set cover by subgradient optimisation (Numba kernels).

Relaxing the covering rows with multipliers u >= 0 gives
    L(u) = sum_i u_i + sum_j min(0, c_j - sum_{i in j} u_i),
a lower bound on the cost of every cover, and max_u L(u) equals the LP bound.  ``subgradient``
runs the Held–Karp / Beasley step rule u_i <- max(0, u_i + lam (target - L) g_i / |g|^2) with
g_i = 1 - #(columns with negative reduced cost covering i), halving lam after ``patience``
iterations without progress, on the subproblem of one branch-and-bound node: free columns only
(``status == 0``), active rows only (rows not yet covered by columns fixed in).  It stops early as
soon as the bound prunes the node (``L >= cutoff``).

``fix_by_reduced_cost`` is the classic reduction: with the bound L and reduced costs r, a free
column with L + r_j >= cutoff cannot be in any cover cheaper than the incumbent (fix it out), and
one with r_j < 0 and L - r_j >= cutoff must be in every such cover (fix it in).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def reduced_costs(col_ptr, col_rows, costs, status, active, u):
    n = costs.shape[0]
    r = np.empty(n)
    for j in range(n):
        if status[j] != 0:
            r[j] = np.inf
            continue
        s = costs[j]
        for q in range(col_ptr[j], col_ptr[j + 1]):
            i = col_rows[q]
            if active[i]:
                s -= u[i]
        r[j] = s
    return r


@njit(cache=True)
def lagrangian_value(costs_r, active, u):
    val = 0.0
    for i in range(u.shape[0]):
        if active[i]:
            val += u[i]
    for j in range(costs_r.shape[0]):
        if costs_r[j] < 0:
            val += costs_r[j]
    return val


@njit(cache=True)
def subgradient(col_ptr, col_rows, costs, status, active, u, target, cutoff, iters, lam, patience):
    """Improve ``u`` in place (left at the best multipliers found); return (best L, iterations).

    ``target`` is the incumbent's cost (for the step size), ``cutoff`` the bound that prunes.
    """
    m = u.shape[0]
    best = -np.inf
    best_u = u.copy()
    g = np.empty(m)
    stall = 0
    it = 0
    for it in range(iters):
        r = reduced_costs(col_ptr, col_rows, costs, status, active, u)
        val = lagrangian_value(r, active, u)
        if val > best + 1e-9:
            if val > best + 1e-6 * max(1.0, abs(best)):
                stall = 0
            best = val
            best_u[:] = u
        else:
            stall += 1
        if best >= cutoff:
            break
        if stall >= patience:
            lam *= 0.5
            stall = 0
            if lam < 1e-4:
                break
        for i in range(m):
            g[i] = 1.0 if active[i] else 0.0
        for j in range(r.shape[0]):
            if r[j] < 0:
                for q in range(col_ptr[j], col_ptr[j + 1]):
                    g[col_rows[q]] -= 1.0
        norm = 0.0
        for i in range(m):
            if not active[i] or (u[i] <= 0.0 and g[i] < 0.0):
                g[i] = 0.0
            norm += g[i] * g[i]
        if norm == 0.0:  # x(u) is a cover meeting complementary slackness: L is the subproblem's optimum
            break
        step = lam * max(target - val, 1e-6 * max(1.0, abs(target))) / norm
        for i in range(m):
            if g[i] != 0.0:
                v = u[i] + step * g[i]
                u[i] = v if v > 0.0 else 0.0
    u[:] = best_u
    return best, it + 1


@njit(cache=True)
def fix_by_reduced_cost(r, status, lower, cutoff):
    """Fix free columns in/out from the bound ``lower`` and reduced costs ``r``; return #fixed."""
    k = 0
    for j in range(r.shape[0]):
        if status[j] != 0:
            continue
        if r[j] >= 0:
            if lower + r[j] >= cutoff:
                status[j] = -1
                k += 1
        elif lower - r[j] >= cutoff:
            status[j] = 1
            k += 1
    return k
