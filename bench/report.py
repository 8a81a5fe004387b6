"""Reporting: a plain-text table for the terminal, markdown, and JSON.

Columns: case, median ms, min ms, achieved rate (GFLOP/s when the roofline says compute-bound, GB/s when
memory-bound, or M<unit>/s for a case counted in its own unit such as knapsack cells), % of the bounding ceiling,
and the time ratio to each reference.  Rates, percentages and ratios use the **min** time (the least disturbed
by other load on a shared machine); both min and median are printed.  A ratio is ``kiln_min / reference_min``:
above 1 Kiln is slower.  A missing reference is a blank cell.

JSON schema (``"schema": "kiln-bench/1"``), one object::

    {
      "schema": "kiln-bench/1",
      "created": "2024-01-01T12:00:00+00:00",        # ISO 8601, UTC
      "device": "cpu" | "cuda",
      "device_name": str,                             # CPU model and core count, or GPU name
      "settings": {"quick": bool, "repeat": int, "only": str | null, "stat": "min"},
      "versions": {"python": str, "numpy": str, "numba": str, "torch": str | null, "cupy": str | null},
      "load_average": [float, float, float] | null,   # os.getloadavg() at the start (others' load)
      "ceilings": {"matmul_gflops": float, "copy_gbs": float, "matmul_n": int, "copy_mib": int, "device": str},
      "launch_overhead_us": {"numba_5_args_us": float, "numba_8_args_us": float, "cupy_us": float} | null,  # GPU
      "notes": [str, ...],                            # modules not found, failed imports, ...
      "cases": [
        {
          "name": str, "group": str,
          "status": "ok" | "skipped" | "error",
          "note": str,                                # why skipped / the error, else ""
          "flops": float, "bytes": float,             # work per call (0 when not counted)
          "work": float, "work_unit": str,            # a case-specific count (e.g. "cells"), else 0 and ""
          "median_ms": float | null, "min_ms": float | null,
          "repeats": int, "inner": int,               # samples taken; calls per sample
          "rate": float | null, "rate_unit": "GFLOP/s" | "GB/s" | "M<unit>/s" | "",
          "bound": "compute" | "memory" | "",
          "pct_of_ceiling": float | null,             # roofline floor time / min time * 100
          "refs": {"numpy" | "torch" | "cupy" | ...: {"median_ms": float | null, "min_ms": float | null,
                                                      "ratio": float | null, "error": str}}
        }, ...
      ]
    }

:func:`validate` checks a document against this schema (used by the tests; no jsonschema dependency).
"""
from __future__ import annotations

import json
import math

__all__ = ["SCHEMA", "validate", "to_json", "write_json", "text_table", "markdown"]

SCHEMA = "kiln-bench/1"
_NUM = (int, float)

_TOP = {
    "schema": str, "created": str, "device": str, "device_name": str, "settings": dict, "versions": dict,
    "ceilings": dict, "notes": list, "cases": list,
}
_CASE = {
    "name": str, "group": str, "status": str, "note": str, "flops": _NUM, "bytes": _NUM, "work": _NUM,
    "work_unit": str, "repeats": int, "inner": int, "rate_unit": str, "bound": str, "refs": dict,
}
_CASE_OPT_NUM = ("median_ms", "min_ms", "rate", "pct_of_ceiling")


def _check(obj, spec, where):
    for key, typ in spec.items():
        if key not in obj:
            raise ValueError(f"{where}: missing key {key!r}")
        if not isinstance(obj[key], typ) or isinstance(obj[key], bool) and typ is not bool:
            raise ValueError(f"{where}: {key!r} should be {typ}, got {type(obj[key]).__name__}")


def _opt_num(obj, key, where):
    v = obj.get(key, "missing")
    if v == "missing":
        raise ValueError(f"{where}: missing key {key!r}")
    if v is not None and (not isinstance(v, _NUM) or isinstance(v, bool) or not math.isfinite(v)):
        raise ValueError(f"{where}: {key!r} should be a finite number or null, got {v!r}")


def validate(doc: dict) -> None:
    """Raise ValueError naming the first place where ``doc`` departs from the schema above."""
    if not isinstance(doc, dict):
        raise ValueError("bench JSON: top level must be an object")
    _check(doc, _TOP, "bench JSON")
    if doc["schema"] != SCHEMA:
        raise ValueError(f"bench JSON: schema {doc['schema']!r}, expected {SCHEMA!r}")
    if doc["device"] not in ("cpu", "cuda"):
        raise ValueError(f"bench JSON: device {doc['device']!r}")
    for key in ("quick", "repeat", "only", "stat"):
        if key not in doc["settings"]:
            raise ValueError(f"bench JSON: settings missing {key!r}")
    _check(doc["ceilings"], {"matmul_gflops": _NUM, "copy_gbs": _NUM, "matmul_n": int, "copy_mib": int,
                             "device": str}, "bench JSON ceilings")
    lo = doc.get("launch_overhead_us", "missing")
    if lo == "missing" or not (lo is None or isinstance(lo, dict)):
        raise ValueError("bench JSON: launch_overhead_us must be an object or null")
    if "load_average" not in doc:
        raise ValueError("bench JSON: missing key 'load_average'")
    for i, c in enumerate(doc["cases"]):
        where = f"bench JSON case {i} ({c.get('name', '?') if isinstance(c, dict) else '?'})"
        if not isinstance(c, dict):
            raise ValueError(f"{where}: not an object")
        _check(c, _CASE, where)
        for key in _CASE_OPT_NUM:
            _opt_num(c, key, where)
        if c["status"] not in ("ok", "skipped", "error"):
            raise ValueError(f"{where}: status {c['status']!r}")
        if c["status"] == "ok" and c["min_ms"] is None:
            raise ValueError(f"{where}: status ok without a time")
        if c["bound"] not in ("compute", "memory", ""):
            raise ValueError(f"{where}: bound {c['bound']!r}")
        for rname, r in c["refs"].items():
            if not isinstance(r, dict):
                raise ValueError(f"{where}: ref {rname!r} not an object")
            for key in ("median_ms", "min_ms", "ratio"):
                _opt_num(r, key, f"{where} ref {rname}")
            if not isinstance(r.get("error"), str):
                raise ValueError(f"{where}: ref {rname!r} needs an 'error' string")


def to_json(doc: dict) -> str:
    return json.dumps(doc, indent=1, sort_keys=False)


def write_json(doc: dict, path: str) -> None:
    validate(doc)
    with open(path, "w") as f:
        f.write(to_json(doc) + "\n")


# ---- tables -----------------------------------------------------------------------------------------------
def _fmt(v, spec="{:.3g}"):
    if v is None:
        return ""
    if spec.startswith("{:.3g}") and v >= 1000:
        return f"{v:.0f}" + spec[len("{:.3g}"):]
    return spec.format(v)


def _ref_names(cases) -> list:
    names = []
    for c in cases:
        for r in c["refs"]:
            if r not in names:
                names.append(r)
    order = {"numpy": 0, "cupy": 1, "torch": 2, "ref": 3}
    return sorted(names, key=lambda n: (order.get(n, 9), n))


def _rows(cases, refs, width=120):
    head = ["case", "median ms", "min ms", "rate", "% ceiling"] + [f"vs {r}" for r in refs] + ["note"]
    rows = []
    for c in cases:
        rate = f"{_fmt(c['rate'])} {c['rate_unit']}" if c["rate"] is not None else ""
        pct = _fmt(c["pct_of_ceiling"], "{:.1f}%") if c["pct_of_ceiling"] is not None else ""
        if pct and c["bound"]:
            pct += f" ({'C' if c['bound'] == 'compute' else 'M'})"
        cells = [c["name"], _fmt(c["median_ms"]), _fmt(c["min_ms"]), rate, pct]
        for r in refs:
            ref = c["refs"].get(r)
            cells.append(_fmt(ref["ratio"], "{:.3g}x") if ref and ref["ratio"] is not None else "")
        notes = [f"{r}: {ref['error']}" for r, ref in c["refs"].items() if ref.get("error")]
        cells.append("; ".join([n for n in [c["note"]] + notes if n])[:width])
        rows.append(cells)
    return head, rows


def _header_lines(doc) -> list:
    ce = doc["ceilings"]
    lines = [
        f"Kiln bench — {doc['device']} — {doc['device_name']} — {doc['created']}",
        f"ceilings: matmul {ce['matmul_gflops']:.1f} GFLOP/s (float32 n={ce['matmul_n']}), "
        f"copy {ce['copy_gbs']:.1f} GB/s (read+write, {ce['copy_mib']} MiB)",
    ]
    if doc.get("load_average"):
        la = doc["load_average"]
        lines.append(f"load average at start: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} "
                     "(other processes share this machine; rates and ratios use min times)")
    lo = doc.get("launch_overhead_us")
    if lo:
        lines.append("launch overhead: " + ", ".join(f"{k[:-3]} {v:.1f} us" for k, v in lo.items()))
    if doc["settings"].get("quick"):
        lines.append("QUICK run: every case ran once at small sizes; the times mean nothing")
    lines.append("% ceiling: roofline floor / min time (C = compute-bound, M = memory-bound); "
                 "vs X = Kiln min / X min (above 1: Kiln slower)")
    return lines


def _groups(doc):
    groups = {}
    for c in doc["cases"]:
        groups.setdefault(c["group"] or "other", []).append(c)
    return groups


def text_table(doc: dict) -> str:
    out = _header_lines(doc)
    refs = _ref_names(doc["cases"])
    head, rows = _rows(doc["cases"], refs)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    fmt = lambda cells: "  ".join(str(x).ljust(w) if i == 0 or i == len(cells) - 1 else str(x).rjust(w)
                                  for i, (x, w) in enumerate(zip(cells, widths))).rstrip()
    out += ["", fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    out += [f"note: {n}" for n in doc["notes"]]
    return "\n".join(out)


def markdown(doc: dict) -> str:
    out = [f"- {line}" for line in _header_lines(doc)]
    for group, cases in _groups(doc).items():
        refs = _ref_names(cases)
        head, rows = _rows(cases, refs, width=400)
        out += ["", f"#### {group}", "", "| " + " | ".join(head) + " |",
                "|" + "|".join("---" if i == 0 or i == len(head) - 1 else "---:" for i in range(len(head))) + "|"]
        out += ["| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |" for r in rows]
    if doc["notes"]:
        out += [""] + [f"- note: {n}" for n in doc["notes"]]
    return "\n".join(out) + "\n"
