"""``python -m bench``: measure the device's ceilings, run the cases, print the table, write JSON/markdown.

    python -m bench [--device cpu|cuda] [--quick] [--only PATTERN] [--exclude PATTERN] [--json PATH]
                    [--markdown PATH] [--repeat N] [--max-seconds S] [--threads N] [--list]

``--only`` takes comma-separated substrings or globs matched against ``group/name`` (e.g.
``--only op_overhead,matmul_fwdbwd/256``); ``--exclude`` drops cases the same way.  Ctrl-C stops the run after
the case in progress and still reports (and writes) what was measured.  ``--quick`` runs every case once at small sizes (a CI smoke test;
its times mean nothing).  ``--threads N`` pins BLAS/OpenMP/Numba and PyTorch to N threads (set before NumPy is
imported); on a machine shared with other busy processes, ``--threads 1`` avoids the collapse of spinning BLAS
threads that get descheduled, at the price of not measuring multi-core scaling.  The exit status is 1 when a case raised (its error is in the table), 2 for bad arguments (an
output path whose folder is missing or not writable is refused before anything runs), else 0.
"""
from __future__ import annotations

import os

os.environ.setdefault("NUMBA_CUDA_ARRAY_INTERFACE_SYNC", "0")  # before numba.cuda is imported (DESIGN.md)

import argparse  # noqa: E402
import sys  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description="Kiln's kernel benchmark suite.")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where to run (default cpu)")
    p.add_argument("--quick", action="store_true", help="run every case once at small sizes (smoke test)")
    p.add_argument("--only", default=None, metavar="PATTERN",
                   help="comma-separated substrings/globs of case names (group/name) to run")
    p.add_argument("--exclude", default=None, metavar="PATTERN",
                   help="comma-separated substrings/globs of case names to leave out")
    p.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON (see bench.report)")
    p.add_argument("--markdown", default=None, metavar="PATH", help="write the table as markdown")
    p.add_argument("--repeat", type=int, default=7, metavar="N", help="timed repeats per case (default 7)")
    p.add_argument("--max-seconds", type=float, default=20.0, metavar="S",
                   help="stop repeating a case after S seconds once 3 repeats are done (default 20)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="BLAS/OpenMP/Numba/PyTorch threads (default: the libraries' own choice)")
    p.add_argument("--list", action="store_true", help="list the selected cases and exit")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    for flag, path in (("--json", args.json), ("--markdown", args.markdown)):
        problem = _unwritable(path)
        if problem:
            p.error(f"argument {flag}: cannot write {path!r}: {problem}")
    return args


def _unwritable(path):
    """Why ``path`` cannot be written (checked before the run, not after it), or None."""
    if path is None:
        return None
    if os.path.isdir(path):
        return "it is a directory"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} is not writable"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "the file is not writable"
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    from . import report
    from .ceilings import measure_ceilings
    from .discovery import discover
    from .optional import cupy, torch
    from .registry import select
    from .runner import make_doc, rescore, run_all
    from .timing import launch_overhead, make_timer

    if args.device == "cuda" and cupy() is None:
        print("bench: --device cuda needs CuPy and a GPU that answers (pip install -e '.[cuda]')", file=sys.stderr)
        return 2
    cases, notes = discover(args.quick, args.device)
    cases = select(cases, args.only)
    if args.exclude:
        dropped = {id(c) for c in select(cases, args.exclude)}
        cases = [c for c in cases if id(c) not in dropped]
        notes.append(f"excluded: {args.exclude}")
    if args.list:
        for c in cases:
            print(c.full_name + (f"  [{c.note}]" if not c.runnable and c.note else ""))
        return 0
    if not cases:
        print(f"bench: no case matches --only {args.only!r}", file=sys.stderr)
        return 2
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"bench: measuring {args.device} ceilings ...", file=sys.stderr, flush=True)
    ceilings = measure_ceilings(args.device, quick=args.quick)
    t = torch()
    if t is not None and args.threads:
        t.set_num_threads(args.threads)
    if t is None:
        notes.append("PyTorch not installed: torch reference cells are blank")
    else:
        notes.append(f"PyTorch {t.__version__} with {t.get_num_threads()} intra-op threads")
    launch = None
    if args.device == "cuda":
        try:
            launch = launch_overhead(cupy(), launches=100 if args.quick else 2000)
        except Exception as exc:
            notes.append(f"launch overhead not measured: {type(exc).__name__}: {exc}".splitlines()[0])
    timer = make_timer(args.device)
    results = run_all(cases, timer, ceilings, repeat=1 if args.quick else args.repeat, quick=args.quick,
                      max_s=args.max_seconds)
    if not args.quick:  # the ceilings again: keep the best of start and end (see bench.ceilings)
        end = measure_ceilings(args.device)
        notes.append(f"ceilings at start {ceilings.matmul_gflops:.1f} GFLOP/s, {ceilings.copy_gbs:.1f} GB/s; "
                     f"at end {end.matmul_gflops:.1f} GFLOP/s, {end.copy_gbs:.1f} GB/s; the higher of each is used")
        ceilings = ceilings.best(end)
        for res in results:
            rescore(res, ceilings)
    if len(results) < len(cases):
        notes.append(f"interrupted: {len(results)} of {len(cases)} cases measured")
    settings = {"quick": args.quick, "repeat": 1 if args.quick else args.repeat, "only": args.only, "stat": "min",
                "threads": args.threads, "exclude": args.exclude}
    doc = make_doc(args.device, ceilings, results, settings, notes, launch=launch, load=load)
    print(report.text_table(doc))
    if args.json:
        report.write_json(doc, args.json)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report.markdown(doc))
    return 1 if any(r["status"] == "error" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
