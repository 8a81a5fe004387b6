"""Command line: ``python -m combinatorics {knapsack,setcover,report} ...``.

    python -m combinatorics knapsack FILE [--method M] [--greedy-order O] [--time-limit S]
    python -m combinatorics setcover FILE [--method M] [--time-limit S]
    python -m combinatorics report [--quick] [--time-limit S]     (see combinatorics.report)

FILE for knapsack: plain "n capacity / value weight" text, .json, or Pisinger .csv (append
``#name`` to pick an instance); for setcover: OR-Library format.  Prints the objective, whether it
is proven optimal, the bound, the chosen indices and the wall time; exit status 0.  Bad input
prints the ValueError message and exits with status 2.
"""
import argparse
import sys
import time

from ._knapsack_input import GREEDY_ORDERS
from ._knapsack_input import METHODS as KNAPSACK_METHODS
from ._setcover_input import METHODS as COVER_METHODS


def _fmt_items(items, limit=60):
    s = " ".join(str(i) for i in items[:limit])
    return s + (f" ... ({len(items)} in all)" if len(items) > limit else "")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m combinatorics", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("knapsack", help="solve a 0/1 knapsack instance")
    k.add_argument("file")
    k.add_argument("--method", default="auto", choices=KNAPSACK_METHODS)
    k.add_argument("--greedy-order", default="density", choices=GREEDY_ORDERS)
    k.add_argument("--time-limit", type=float, default=None)
    s = sub.add_parser("setcover", help="solve an OR-Library set-cover instance")
    s.add_argument("file")
    s.add_argument("--method", default="auto", choices=COVER_METHODS)
    s.add_argument("--time-limit", type=float, default=None)
    r = sub.add_parser("report", help="results table on the shared instances")
    r.add_argument("--quick", action="store_true")
    r.add_argument("--time-limit", type=float, default=60.0)
    args, rest = ap.parse_known_args(argv)
    if args.cmd == "report":
        from .report import main as report_main

        return report_main((["--quick"] if args.quick else []) + ["--time-limit", str(args.time_limit)] + rest)
    if rest:
        ap.error(f"unrecognized arguments: {' '.join(rest)}")
    from . import knapsack, read_knapsack, read_orlib_setcover, set_cover

    try:
        t0 = time.perf_counter()
        if args.cmd == "knapsack":
            inst = read_knapsack(args.file)
            res = knapsack(inst.values, inst.weights, inst.capacity, method=args.method,
                           greedy_order=args.greedy_order, time_limit=args.time_limit)
            el = time.perf_counter() - t0
            print(f"instance: {inst.name}  n={len(inst.values)}  capacity={inst.capacity}")
            print(f"method:   {res.method}")
            print(f"value:    {res.value}   weight: {res.weight}")
            print(f"optimal:  {res.optimal}   bound: {res.bound}")
            print(f"items:    {_fmt_items(res.items)}")
        else:
            inst = read_orlib_setcover(args.file)
            res = set_cover(inst.subsets, inst.costs, universe=inst.universe, method=args.method,
                            time_limit=args.time_limit)
            el = time.perf_counter() - t0
            print(f"instance: {inst.name}  rows={inst.n_rows}  columns={len(inst.subsets)}")
            print(f"method:   {res.method}")
            print(f"cost:     {res.cost}")
            print(f"optimal:  {res.optimal}   lower bound: {res.lower_bound}")
            print(f"chosen:   {_fmt_items([j + 1 for j in res.chosen])}  (1-based columns)")
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"time:     {el:.4f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
