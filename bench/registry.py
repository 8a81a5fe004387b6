"""The :class:`Case` record every benchmark is described by, the adapter that turns other modules' case
dicts into it, and ``--only`` selection.

A case is a name, a zero-argument callable (the thing timed), the work one call does — FLOPs and/or bytes
moved, counted from the shapes (see ``bench.work``) — and optional references: ``{"numpy": fn, "torch": fn,
"cupy": fn}``, each a zero-argument callable doing the same job, timed interleaved with the case.

Big inputs should not live for the whole run: a case may give ``setup`` instead of (or besides) ``fn``;
``setup()`` is called just before the case is measured and returns ``fn`` or ``(fn, refs)``, and everything it
built is dropped afterwards.  A case that cannot run (a package not written yet, no GPU) has ``fn=None`` and a
``note`` saying why; it appears in the report as skipped.

Other engineers' modules (``cases_kernels``, ``cases_optim``, ``cases_combinatorics``) return plain dicts;
:func:`adapt` accepts them permissively: ``fn``/``func``/``run``; ``flops``; ``bytes``/``nbytes``; ``work``
(a number of FLOPs, or a dict with ``flops``/``bytes``, or a count in ``work_unit`` such as ``"cells"``);
``refs``/``references`` (a dict), or ``ref``/``ref_fn`` (a callable, reported as ``ref`` — whatever reference
the module's docstring names — unless ``ref_name`` names it; or a dict); ``note``/``skip``; ``setup``.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Case", "adapt", "select"]


@dataclass
class Case:
    """One benchmark; see the module docstring."""

    name: str
    fn: Callable | None = None
    flops: float = 0.0
    bytes: float = 0.0
    refs: dict = field(default_factory=dict)
    group: str = ""
    note: str = ""
    setup: Callable | None = None
    work: float = 0.0  # a count in `work_unit` (e.g. knapsack DP cells), reported as a rate when flops/bytes are 0
    work_unit: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.group}/{self.name}" if self.group and not self.name.startswith(self.group + "/") else self.name

    @property
    def runnable(self) -> bool:
        return self.fn is not None or self.setup is not None

    def materialise(self):
        """``(fn, refs)`` ready to time: runs ``setup`` when there is one."""
        fn, refs = self.fn, dict(self.refs)
        if self.setup is not None:
            made = self.setup()
            if isinstance(made, tuple):
                fn, more = made
                refs.update(more or {})
            else:
                fn = made
        return fn, {k: v for k, v in refs.items() if v is not None}


def _first(d: dict, *keys, default=None):
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def adapt(obj, group: str = "", device: str = "cpu") -> Case:
    """Turn a Case or a case dict (see the module docstring) into a :class:`Case`; ValueError if hopeless."""
    if isinstance(obj, Case):
        if group and not obj.group:
            obj.group = group
        return obj
    if not isinstance(obj, dict):
        raise ValueError(f"bench: a case must be a dict or bench.registry.Case, got {type(obj).__name__}")
    name = _first(obj, "name", "id", "label")
    if not name:
        raise ValueError(f"bench: case dict without a name (keys: {sorted(obj)})")
    fn = _first(obj, "fn", "func", "run", "callable", "case")
    flops = float(_first(obj, "flops", "flop", default=0) or 0)
    nbytes = float(_first(obj, "bytes", "nbytes", "bytes_moved", default=0) or 0)
    work, work_unit = 0.0, str(_first(obj, "work_unit", "unit", default="") or "")
    w = obj.get("work")
    if isinstance(w, dict):
        flops = flops or float(w.get("flops", 0) or 0)
        nbytes = nbytes or float(w.get("bytes", 0) or 0)
        for k, v in w.items():
            if k not in ("flops", "bytes") and isinstance(v, (int, float)) and not work:
                work, work_unit = float(v), work_unit or k
    elif isinstance(w, (int, float)) and w:
        if work_unit in ("", "flops", "flop"):
            flops = flops or float(w)
        elif work_unit in ("bytes", "byte", "B"):
            nbytes = nbytes or float(w)
        else:
            work = float(w)
    refs = {}
    r = _first(obj, "refs", "references")
    if isinstance(r, dict):
        refs.update(r)
    r = _first(obj, "ref", "ref_fn", "reference")
    if isinstance(r, dict):
        refs.update(r)
    elif callable(r):
        refs[str(_first(obj, "ref_name", default="ref"))] = r
    note = _first(obj, "note", "skip", "reason", default="")
    note = note if isinstance(note, str) else ("skipped" if note else "")
    return Case(
        name=str(name),
        fn=fn if callable(fn) else None,
        flops=flops,
        bytes=nbytes,
        refs={k: v for k, v in refs.items() if callable(v)},
        group=str(_first(obj, "group", default=group) or group),
        note=note,
        setup=obj.get("setup") if callable(obj.get("setup")) else None,
        work=work,
        work_unit=work_unit,
    )


def _matches(case: Case, pattern: str) -> bool:
    pattern = pattern.strip().lower()
    if not pattern:
        return False
    for name in (case.full_name.lower(), case.name.lower()):
        if pattern in name or fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def select(cases, only: str | None):
    """The cases whose name (or group/name) contains, or glob-matches, one of the comma-separated patterns."""
    if not only:
        return list(cases)
    pats = [p for p in only.split(",") if p.strip()]
    return [c for c in cases if any(_matches(c, p) for p in pats)]
