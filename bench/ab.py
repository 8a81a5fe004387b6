"""A/B of two checkouts of Kiln, interleaved: ``python -m bench.ab OLD_DIR NEW_DIR [--rounds R] [bench args]``.

This machine is noisy and its speed drifts over minutes, so two bench runs made one after the other compare
the machine as much as the code.  This runs ``python -m bench --json`` in OLD_DIR and NEW_DIR alternately
(A B A B ...; ``--rounds`` pairs), each in its own tree (``cwd`` and ``PYTHONPATH`` set to it, so each
imports its own packages), and prints one markdown row per case: the best (min) Kiln time of each side over
its rounds, and ``new/old`` (above 1: the new code is slower).  Where both sides measured a PyTorch
reference, the row also shows each side's ratio to torch from the same runs, which cancels most machine drift.

Arguments after the two folders go to ``python -m bench`` unchanged (``--only``, ``--threads``,
``--repeat``, ...).  A case that only one side has is listed with a blank for the other.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def _run(tree: str, bench_args: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        env = dict(os.environ, PYTHONPATH=tree)
        subprocess.run([sys.executable, "-m", "bench", "--json", out, *bench_args], cwd=tree, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return {c["name"]: c for c in json.load(f)["cases"] if c["status"] == "ok"}


def _best(runs: list[dict], name: str, key=lambda c: c["min_ms"]):
    vals = [key(r[name]) for r in runs if name in r and key(r[name]) is not None]
    return min(vals) if vals else None


def _torch_ratio(case: dict):
    ref = case["refs"].get("torch") or {}
    return ref.get("ratio")


def compare(old_runs: list[dict], new_runs: list[dict]) -> list[str]:
    """Markdown lines: one row per case measured by either side."""
    names = list(dict.fromkeys([n for r in old_runs + new_runs for n in r]))
    lines = ["| case | old ms | new ms | new/old | old vs torch | new vs torch |", "|---|---:|---:|---:|---:|---:|"]

    def fmt(v, ratio=False):
        return "" if v is None else f"{v:.2f}" if ratio else f"{v:.3g}"

    for name in names:
        a, b = _best(old_runs, name), _best(new_runs, name)
        ta, tb = _best(old_runs, name, _torch_ratio), _best(new_runs, name, _torch_ratio)
        ratio = b / a if a and b else None
        lines.append(f"| {name} | {fmt(a)} | {fmt(b)} | {fmt(ratio, True)} | {fmt(ta, True)} | {fmt(tb, True)} |")
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.split("\n\n")[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=2, help="A/B pairs to run (default 2)")
    args, bench_args = p.parse_known_args(argv)
    for tree in (args.old, args.new):
        if not os.path.isdir(os.path.join(tree, "bench")):
            p.error(f"{tree!r} is not a Kiln checkout (no bench/ folder)")
    if args.rounds < 1:
        p.error(f"--rounds must be >= 1, got {args.rounds}")
    old_runs, new_runs = [], []
    for _ in range(args.rounds):
        old_runs.append(_run(args.old, bench_args))
        new_runs.append(_run(args.new, bench_args))
    print("\n".join(compare(old_runs, new_runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
