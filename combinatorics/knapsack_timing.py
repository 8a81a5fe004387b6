"""Timing the exact knapsack search on Pisinger's generated classes:
``python -m combinatorics.knapsack_timing [--n 10000,100000] [--kinds strongly] [--R 1000] ...``

For every (n, R, kind): ``--seeds`` instances at each capacity h / (H + 1) of the total weight,
h in ``--h`` (default: 50, 10, 30, 70, 90 of H = 100); each timed ``--reps`` times, the minimum
kept (the machine is shared).  Prints the largest, median and total time, how many were not proven
optimal within ``--time-limit``, and the slowest instance.  Every answer is checked: feasible, and
value = sum of the chosen values.  ``bench`` holds the in-run comparisons with HiGHS.
"""
import argparse
import time

import numpy as np

from . import knapsack
from .generators import KINDS, pisinger_knapsack


def _ints(text):
    return [int(float(x)) for x in text.split(",")]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m combinatorics.knapsack_timing", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=_ints, default=[10_000])
    ap.add_argument("--R", type=_ints, default=[1000], help="weights uniform in 1..R")
    ap.add_argument("--kinds", default="uncorrelated,weakly,strongly", help=f"of {', '.join(KINDS)}")
    ap.add_argument("--h", type=_ints, default=[50, 10, 30, 70, 90], help="capacities h/(H+1), H = 100")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--method", default="branch_and_bound")
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args(argv)
    knapsack([1, 2, 3], [1, 2, 3], 3, method=args.method)  # load the compiled kernels
    knapsack([3, 5, 7, 2], [2, 4, 6, 1], 6, method=args.method)
    for n in args.n:
        for R in args.R:
            for kind in args.kinds.split(","):
                times, unproved, slowest = [], 0, ""
                for seed in range(args.seeds):
                    for h in args.h:
                        v, w, c = pisinger_knapsack(n, R, kind, h=h, seed=seed)
                        best = np.inf
                        for _ in range(args.reps):
                            t = time.perf_counter()
                            res = knapsack(v, w, c, method=args.method, time_limit=args.time_limit)
                            best = min(best, time.perf_counter() - t)
                            if not res.optimal:
                                break
                        assert w[res.items].sum() <= c and v[res.items].sum() == res.value
                        unproved += not res.optimal
                        if not times or best > max(times):
                            slowest = f"seed={seed} h={h} ({res.stats.get('finished_by')})"
                        times.append(best)
                print(f"{kind:16s} n={n:<7d} R={R:<7d} max {max(times):8.4f} s  median {np.median(times):8.4f} s  "
                      f"total {sum(times):7.3f} s over {len(times)}, unproved {unproved}; slowest {slowest}", flush=True)


if __name__ == "__main__":
    main()
