"""Benchmark cases for ``combinatorics`` and the knapsack DP kernel, for the ``bench`` runner.

``cases(quick)`` returns a list of dicts ``{"name", "fn", "work", "ref_fn"}``: ``fn`` runs the work
once; ``work`` is ``{"cells": n}`` for the DP kernel (cells/s = cells / time) and ``{}`` otherwise;
``ref_fn`` (when present) runs the same problem through HiGHS (``method="milp"``, needs SciPy) so
the runner can report our-time / HiGHS-time ratios measured in the same run.  Cases:

- ``knapsack_dp_cpu``: the Numba CPU kernel on a strongly correlated instance (n x capacity cells);
  ``knapsack_dp_cuda``: the same on CuPy arrays, only when a real GPU and CuPy are present;
- ``knapsack_bb_<kind>_n10000``: branch and bound on Pisinger's three classes, n = 10^4;
  ``knapsack_bb_strongly_n100000_h<h>``: strongly correlated at n = 10^5 (no HiGHS reference);
- ``setcover_random_200x1000_s<seed>``: exact set cover on OR-Library-shaped random instances;
- ``setcover_<scp>`` / ``knapsack_shared_all``: the shared OR-Library and knapsack instances (the
  full per-instance table with reference times is ``python -m combinatorics.report``).
Instances are built when ``cases()`` is called, never inside ``fn``.
"""
import numpy as np


def _has_scipy():
    try:
        import scipy.optimize  # noqa: F401

        return True
    except ImportError:
        return False


def _gpu():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def cases(quick: bool):
    from combinatorics import knapsack, set_cover
    from combinatorics.generators import pisinger_knapsack, random_set_cover
    from combinatorics.instances import available, knapsack_instances, setcover_instances
    from kernels.knapsack import knapsack_dp, knapsack_dp_cells

    ref = _has_scipy() and not quick  # --quick is a smoke test: HiGHS references take seconds to minutes
    out = []
    n, cap = (500, 50_000) if quick else (2000, 200_000)
    rng = np.random.default_rng(0)
    w = rng.integers(1, 1001, n).astype(np.int64)
    v = w + 100
    cells = int(knapsack_dp_cells(w, cap))
    out.append(dict(name="knapsack_dp_cpu", fn=lambda: knapsack_dp(v, w, cap), work={"cells": cells}))
    if _gpu():
        import cupy

        vd, wd = cupy.asarray(v), cupy.asarray(w)

        def run_cuda():
            knapsack_dp(vd, wd, cap)
            cupy.cuda.get_current_stream().synchronize()

        out.append(dict(name="knapsack_dp_cuda", fn=run_cuda, work={"cells": cells}))

    n_bb = 1000 if quick else 10_000
    for kind in ("uncorrelated", "weakly", "strongly"):
        kv, kw, kc = pisinger_knapsack(n_bb, 1000, kind, seed=1)
        out.append(dict(
            name=f"knapsack_bb_{kind}_n{n_bb}", work={},
            fn=lambda kv=kv, kw=kw, kc=kc: knapsack(kv, kw, kc, method="branch_and_bound"),
            ref_fn=(lambda kv=kv, kw=kw, kc=kc: knapsack(kv, kw, kc, method="milp")) if ref else None))
    if not quick:  # strongly correlated at n = 10^5, a tight and a loose capacity (h / (H + 1))
        for h in (10, 90):
            kv, kw, kc = pisinger_knapsack(100_000, 1000, "strongly", h=h, seed=1)
            out.append(dict(name=f"knapsack_bb_strongly_n100000_h{h}", work={}, ref_fn=None,
                            fn=lambda kv=kv, kw=kw, kc=kc: knapsack(kv, kw, kc, method="branch_and_bound")))

    for seed in range(1 if quick else 5):
        rows, cols = (50, 200) if quick else (200, 1000)
        subsets, costs = random_set_cover(rows, cols, 0.02 if not quick else 0.05, seed=seed)
        out.append(dict(
            name=f"setcover_random_{rows}x{cols}_s{seed}", work={},
            fn=lambda s=subsets, c=costs: set_cover(s, c, method="exact", time_limit=60),
            ref_fn=(lambda s=subsets, c=costs: set_cover(s, c, method="milp", time_limit=60)) if ref else None))

    if available():
        for row in setcover_instances():
            if quick and row["name"] != "scp41":
                continue
            inst = row["load"]()
            out.append(dict(
                name=f"setcover_{row['name']}", work={},
                fn=lambda i=inst: set_cover(i.subsets, i.costs, method="exact", time_limit=60),
                ref_fn=(lambda i=inst: set_cover(i.subsets, i.costs, method="milp", time_limit=60)) if ref else None))
        insts = [r["load"]() for r in knapsack_instances()]
        if quick:
            insts = insts[:40]

        def solve_all(insts=insts):
            for i in insts:
                knapsack(i.values, i.weights, i.capacity)

        out.append(dict(name="knapsack_shared_all", fn=solve_all, work={}))
    return out
