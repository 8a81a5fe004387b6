"""Results table on the shared instances: ``python -m combinatorics.report [--quick]``
(also ``python -m combinatorics report``).

For every weighted OR-Library set-cover instance: our exact time, whether optimality was proven,
our value and bound against the known optimum, search nodes and root Lagrangian bound, HiGHS's time from ``reference_results.csv``, and the
greedy (with redundancy removal) gap.  For the knapsack instances: per group, how many were
proven optimal at the known optimum, our total time next to OR-Tools' branch and bound, OR-Tools'
DP and HiGHS totals from the CSV, and the density-greedy gap.  The reference times were measured
on this machine class by whoever built the data set, not in this run; ``bench`` holds the in-run
HiGHS comparisons.  ``--live-milp`` also runs HiGHS here (SciPy needed) for set cover.
"""
import argparse
import sys
import time
from collections import defaultdict

from . import knapsack, set_cover
from .instances import available, knapsack_instances, setcover_instances


def _f(x, fmt="{:.3f}"):
    try:
        return fmt.format(float(x))
    except (TypeError, ValueError):
        return "-"


def setcover_table(quick, time_limit, live_milp, out):
    rows = [r for r in setcover_instances() if not quick or r["name"][:4] in ("scp4", "scp5", "scp6")]
    print(f"{'instance':9s} {'opt':>5s} {'ours':>5s} {'bound':>6s} {'proved':>6s} {'time_s':>8s} "
          f"{'highs_s':>8s} {'ratio':>6s} {'nodes':>6s} {'root_lb':>8s} {'greedy':>6s} {'gap%':>6s}" + ("  live_highs_s" if live_milp else ""), file=out)
    tot_ours = tot_highs = 0.0
    proved = 0
    gaps = []
    for r in rows:
        inst = r["load"]()
        t = time.perf_counter()
        res = set_cover(inst.subsets, inst.costs, universe=inst.universe, method="exact", time_limit=time_limit)
        el = time.perf_counter() - t
        g = set_cover(inst.subsets, inst.costs, universe=inst.universe, method="greedy")
        gap = 100.0 * (g.cost - r["optimum"]) / r["optimum"]
        gaps.append(gap)
        hs = float(r["reference"].get("highs_time_s_median3") or "nan")
        ok = res.optimal and res.cost == r["optimum"]
        proved += ok
        tot_ours += el
        tot_highs += hs
        line = (f"{r['name']:9s} {r['optimum']:5.0f} {res.cost:5.0f} {res.lower_bound:6.0f} {str(ok):>6s} "
                f"{el:8.3f} {hs:8.3f} {el / hs:6.2f} {res.stats.get('nodes', 0):6d} "
                f"{_f(res.stats.get('root_bound'), '{:8.2f}'):>8s} {g.cost:6.0f} {gap:6.2f}")
        if live_milp:
            t = time.perf_counter()
            set_cover(inst.subsets, inst.costs, universe=inst.universe, method="milp", time_limit=time_limit)
            line += f"  {time.perf_counter() - t:10.3f}"
        print(line, file=out, flush=True)
    print(f"set cover: {proved}/{len(rows)} proven optimal at the known optimum; total {tot_ours:.1f} s "
          f"vs HiGHS {tot_highs:.1f} s (ratio {tot_ours / tot_highs:.2f}); greedy+removal mean gap "
          f"{sum(gaps) / len(gaps):.2f} %", file=out)


def knapsack_table(quick, time_limit, out):
    groups = defaultdict(lambda: dict(n=0, proved=0, ours=0.0, bb=0.0, dp=0.0, highs=0.0, bb_fail=0, gap=0.0, worst=(0, "")))
    rows = knapsack_instances()
    for r in rows:
        if quick and r["n"] > 1000:
            continue
        inst = r["load"]()
        t = time.perf_counter()
        res = knapsack(inst.values, inst.weights, inst.capacity, time_limit=time_limit)
        el = time.perf_counter() - t
        gr = knapsack(inst.values, inst.weights, inst.capacity, method="greedy")
        ref = r["reference"]
        g = groups[r["group"]]
        g["n"] += 1
        g["proved"] += res.optimal and abs(res.value - r["optimum"]) <= 1e-3 * max(1, abs(r["optimum"]))
        g["ours"] += el
        g["bb"] += float(ref.get("ortools_bb_time_s") or 0)
        g["dp"] += float(ref.get("ortools_dp_time_s") or 0)
        g["highs"] += float(ref.get("highs_time_s") or 0)
        g["bb_fail"] += ref.get("ortools_bb_proved_optimal") == "False"
        g["gap"] += 100.0 * (r["optimum"] - gr.value) / r["optimum"] if r["optimum"] else 0.0
        if el > g["worst"][0]:
            g["worst"] = (el, r["name"])
    print(f"{'group':46s} {'n':>4s} {'proved':>6s} {'ours_s':>8s} {'ortools_bb_s':>12s} {'(unproved)':>10s} "
          f"{'ortools_dp_s':>12s} {'highs_s':>8s} {'greedy_gap%':>11s}  slowest", file=out)
    tot = defaultdict(float)
    for name, g in groups.items():
        print(f"{name:46s} {g['n']:4d} {g['proved']:6d} {g['ours']:8.3f} {g['bb']:12.3f} {g['bb_fail']:10d} "
              f"{g['dp']:12.3f} {g['highs']:8.3f} {g['gap'] / g['n']:11.3f}  {g['worst'][1]} {g['worst'][0]:.3f}s",
              file=out)
        for k in ("n", "proved", "ours", "bb", "dp", "highs", "bb_fail"):
            tot[k] += g[k]
    print(f"knapsack: {int(tot['proved'])}/{int(tot['n'])} proven optimal at the known optimum; total "
          f"{tot['ours']:.2f} s vs OR-Tools B&B {tot['bb']:.1f} s ({int(tot['bb_fail'])} unproved at 60 s), "
          f"OR-Tools DP {tot['dp']:.1f} s, HiGHS {tot['highs']:.1f} s", file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m combinatorics.report", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="scp4x-6x and knapsack n <= 1000 only")
    ap.add_argument("--time-limit", type=float, default=60.0, help="per instance, seconds")
    ap.add_argument("--only", choices=("setcover", "knapsack"), default=None)
    ap.add_argument("--live-milp", action="store_true", help="also time HiGHS here (set cover)")
    args = ap.parse_args(argv)
    if not available():
        print("shared instances not found (set KILN_COMBINATORICS_DATA)", file=sys.stderr)
        return 2
    knapsack([1], [1], 1, method="dp"), knapsack([1, 2], [1, 2], 2, method="branch_and_bound")  # warm the JIT
    set_cover([{1}, {1, 2}], [1, 2])
    if args.only in (None, "knapsack"):
        knapsack_table(args.quick, args.time_limit, sys.stdout)
    if args.only in (None, "setcover"):
        setcover_table(args.quick, args.time_limit, args.live_milp, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
