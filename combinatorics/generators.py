"""Random instance generators for tests and benchmarks.

- ``pisinger_knapsack(n, R, kind, h=None, H=100, seed=0)``: Pisinger's classes (2005): weights
  uniform in [1, R]; values "uncorrelated" uniform in [1, R], "weakly" (correlated) w + uniform
  [-R/10, R/10] clipped to >= 1, "strongly" (correlated) w + R/10; also "inverse_strongly"
  (values uniform in [1, R], weights = value + R/10), "almost_strongly" (w + R/10 + uniform
  [-R/500, R/500]) and "subset_sum" (value = weight).  Capacity is h / (H + 1) * sum(w) for
  instance h of a series of H (default: h = H // 2, about half).
- ``random_set_cover(m, n, density, cost_range, seed)``: OR-Library shape (Beasley's scp4x:
  200 x 1000, 2 %, costs 1..100): every column covers at least one row, every row at least two
  columns, then random extra 1s up to the density.
"""
import numpy as np

KINDS = ("uncorrelated", "weakly", "strongly", "inverse_strongly", "almost_strongly", "subset_sum")


def pisinger_knapsack(n, R=1000, kind="uncorrelated", h=None, H=100, seed=0):
    if kind not in KINDS:
        raise ValueError(f"pisinger_knapsack: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    rng = np.random.default_rng(seed)
    w = rng.integers(1, R + 1, n)
    if kind == "uncorrelated":
        v = rng.integers(1, R + 1, n)
    elif kind == "weakly":
        v = np.maximum(1, w + rng.integers(-(R // 10), R // 10 + 1, n))
    elif kind == "strongly":
        v = w + R // 10
    elif kind == "inverse_strongly":
        v = w
        w = v + R // 10
    elif kind == "almost_strongly":
        v = w + R // 10 + rng.integers(-(R // 500), R // 500 + 1, n)
    else:
        v = w.copy()
    h = H // 2 if h is None else h
    cap = int(h * w.sum() // (H + 1))
    return v.astype(np.int64), w.astype(np.int64), cap


def random_set_cover(m=200, n=1000, density=0.02, cost_range=(1, 100), seed=0):
    """Return ``(subsets, costs)``: a list of int row arrays per column and int64 costs."""
    rng = np.random.default_rng(seed)
    a = rng.random((m, n)) < density
    a[rng.integers(0, m, n), np.arange(n)] = True
    for i in range(m):
        while a[i].sum() < 2:
            a[i, rng.integers(0, n)] = True
    costs = rng.integers(cost_range[0], cost_range[1] + 1, n).astype(np.int64)
    subsets = [np.flatnonzero(a[:, j]).astype(np.int64) for j in range(n)]
    return subsets, costs
