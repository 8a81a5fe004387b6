"""Finds the case modules and collects their cases.

The modules are those of :data:`MODULES`, in that order, then any other ``bench/cases_*.py`` (group = the part
after ``cases_``).

Each module ``bench.cases_<group>`` has a function ``cases(quick, device)`` (``cases(quick)`` is accepted too)
returning an iterable of :class:`bench.registry.Case` or case dicts, or a dict name -> case dict / callable.
A module that is missing, fails to import, or raises while listing its cases costs a one-line note, never the
run.
"""
from __future__ import annotations

import importlib
import inspect

from .registry import Case, adapt

__all__ = ["MODULES", "all_modules", "discover"]

#: (module, group) in report order.
MODULES = [
    ("bench.cases_engine", "engine"),
    ("bench.cases_kernels", "kernels"),
    ("bench.cases_optim", "optim"),
    ("bench.cases_combinatorics", "combinatorics"),
]


def _call(fn, quick: bool, device: str):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn(quick, device)
    kw = {}
    if "quick" in params:
        kw["quick"] = quick
    if "device" in params:
        kw["device"] = device
    if kw:
        return fn(**kw)
    positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return fn(*[quick, device][: len(positional)])


def _items(listed):
    if isinstance(listed, (dict,)) and not ("name" in listed and any(k in listed for k in ("fn", "func", "run"))):
        for key, spec in listed.items():
            if callable(spec) and not isinstance(spec, Case):
                yield {"name": key, "fn": spec}
            elif isinstance(spec, dict) and "name" not in spec:
                yield {"name": key, **spec}
            else:
                yield spec
    elif isinstance(listed, (dict, Case)):
        yield listed
    else:
        yield from listed


def all_modules() -> list:
    """:data:`MODULES` plus every other ``bench/cases_*.py`` found next to this file."""
    import pkgutil
    from pathlib import Path

    known = {m for m, _ in MODULES}
    extra = sorted(
        (f"bench.{info.name}", info.name[len("cases_"):])
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("cases_") and f"bench.{info.name}" not in known
    )
    return MODULES + extra


def discover(quick: bool, device: str, modules=None):
    """``(cases, notes)``: every case of every module that loads, and a note per module that does not."""
    cases, notes = [], []
    for modname, group in modules or all_modules():
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                notes.append(f"{modname}: not written yet (module not found); its cases are left out")
            else:
                notes.append(f"{modname}: import failed: {type(exc).__name__}: {exc}")
            continue
        except Exception as exc:
            notes.append(f"{modname}: import failed: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        fn = getattr(mod, "cases", None)
        if not callable(fn):
            notes.append(f"{modname}: has no cases(quick, device) function; left out")
            continue
        try:
            listed = list(_items(_call(fn, quick, device)))
        except Exception as exc:
            notes.append(f"{modname}: cases() raised {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        for obj in listed:
            try:
                cases.append(adapt(obj, group=group, device=device))
            except ValueError as exc:
                notes.append(f"{modname}: {exc}")
    return cases, notes
