"""Runs the selected cases with their references, interleaved, and turns measurements into result records
(the ``cases`` entries of the JSON schema in ``bench.report``)."""
from __future__ import annotations

import gc
import os
import platform
import sys
import time
from datetime import datetime, timezone

from . import report
from .registry import Case
from .timing import Measurement, measure

__all__ = ["run_case", "run_all", "rescore", "make_doc"]


def _ms(v):
    return None if v is None else v * 1e3


def _result(case: Case, status: str, note: str = "") -> dict:
    return {
        "name": case.full_name, "group": case.group or "other", "status": status, "note": note,
        "flops": float(case.flops), "bytes": float(case.bytes), "work": float(case.work),
        "work_unit": case.work_unit, "median_ms": None, "min_ms": None, "repeats": 0, "inner": 0,
        "rate": None, "rate_unit": "", "bound": "", "pct_of_ceiling": None, "refs": {},
    }


def rescore(res: dict, ceilings) -> dict:
    """(Re)compute a result's rate, bound and % of ceiling from its min time against ``ceilings``."""
    t = res["min_ms"] / 1e3 if res["min_ms"] else None
    res["rate"], res["rate_unit"], res["bound"], res["pct_of_ceiling"] = None, "", "", None
    floor, bound = ceilings.roofline(res["flops"], res["bytes"])
    if floor is not None and t:
        res["bound"] = bound
        res["pct_of_ceiling"] = 100.0 * floor / t
        if bound == "compute":
            res["rate"], res["rate_unit"] = res["flops"] / t / 1e9, "GFLOP/s"
        else:
            res["rate"], res["rate_unit"] = res["bytes"] / t / 1e9, "GB/s"
    elif res["work"] and t:
        res["rate"], res["rate_unit"] = res["work"] / t / 1e6, f"M{res['work_unit'] or 'items'}/s"
    return res


def _fill(res: dict, m: Measurement, refs: dict, ceilings) -> dict:
    res["median_ms"], res["min_ms"] = _ms(m.median), _ms(m.min)
    res["repeats"], res["inner"] = len(m.samples), m.inner
    t = m.min
    rescore(res, ceilings)
    for name, rm in refs.items():
        ratio = (t / rm.min) if (t and rm.min) else None
        res["refs"][name] = {"median_ms": _ms(rm.median), "min_ms": _ms(rm.min), "ratio": ratio,
                             "error": rm.error}
    return res


def run_case(case: Case, timer, ceilings, repeat: int = 7, quick: bool = False, max_s: float = 20.0) -> dict:
    """Measure one case and its references; never raises (errors become the record's status/note)."""
    if not case.runnable:
        return _result(case, "skipped", case.note or "no callable")
    try:
        fn, refs = case.materialise()
    except Exception as exc:
        return _result(case, "error", f"setup failed: {type(exc).__name__}: {exc}".splitlines()[0][:300])
    if fn is None:
        return _result(case, "skipped", case.note or "no callable")
    fns = {"__case__": fn, **refs}
    ms = measure(fns, timer, repeat=repeat, quick=quick, max_s=max_s)
    del fns, fn, refs
    m = ms.pop("__case__")
    if m.error:
        # NotImplementedError is how a part still being written says so: skipped, not failed
        status = "skipped" if m.error.startswith("NotImplementedError") else "error"
        res = _result(case, status, ("not available yet: " if status == "skipped" else "") + m.error)
        return _fill(res, Measurement(), ms, ceilings)
    return _fill(_result(case, "ok", case.note), m, ms, ceilings)


def run_all(cases, timer, ceilings, repeat=7, quick=False, max_s=20.0, log=sys.stderr) -> list:
    """Run the cases in turn; Ctrl-C stops after the results so far (the caller reports them)."""
    results = []
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        try:
            res = run_case(case, timer, ceilings, repeat=repeat, quick=quick, max_s=max_s)
        except KeyboardInterrupt:
            print(f"bench: interrupted during {case.full_name}; reporting {len(results)} cases", file=log or sys.stderr)
            break
        gc.collect()
        if log is not None:
            extra = f"{res['min_ms']:.4g} ms" if res["min_ms"] is not None else res["status"] + ": " + res["note"]
            print(f"[{i + 1}/{len(cases)}] {res['name']}: {extra} ({time.perf_counter() - t0:.1f} s)",
                  file=log, flush=True)
        results.append(res)
    return results


def _versions() -> dict:
    import numba
    import numpy

    from .optional import cupy, torch

    t, c = torch(), cupy()
    return {"python": platform.python_version(), "numpy": numpy.__version__, "numba": numba.__version__,
            "torch": getattr(t, "__version__", None), "cupy": getattr(c, "__version__", None)}


def make_doc(device, ceilings, results, settings, notes, launch=None, load=None) -> dict:
    """The JSON document (schema in ``bench.report``)."""
    doc = {
        "schema": report.SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": "cuda" if device.startswith("cuda") else "cpu",
        "device_name": ceilings.device,
        "settings": settings,
        "versions": _versions(),
        "load_average": list(load) if load is not None else (list(os.getloadavg()) if hasattr(os, "getloadavg")
                                                             else None),
        "ceilings": ceilings.as_dict(),
        "launch_overhead_us": launch,
        "notes": list(notes),
        "cases": results,
    }
    report.validate(doc)
    return doc
