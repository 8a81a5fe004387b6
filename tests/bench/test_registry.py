"""The case adapter accepts other modules' dicts permissively; discovery survives broken modules;
``--only`` selection."""
import sys
import types

import pytest

from bench.discovery import discover
from bench.registry import Case, adapt, select


def f():
    return None


def test_adapt_reads_the_documented_keys():
    c = adapt({"name": "relu", "fn": f, "flops": 10, "bytes": 20, "refs": {"numpy": f, "torch": None}}, "kernels")
    assert (c.name, c.group, c.flops, c.bytes, list(c.refs)) == ("relu", "kernels", 10, 20, ["numpy"])
    assert c.full_name == "kernels/relu"


def test_adapt_work_and_ref_variants():
    c = adapt({"name": "a", "func": f, "work": {"flops": 5, "bytes": 7}, "ref": f})
    assert (c.flops, c.bytes, list(c.refs)) == (5, 7, ["ref"])
    c = adapt({"name": "a", "fn": f, "ref_fn": f, "ref_name": "highs"}, device="cuda")
    assert list(c.refs) == ["highs"]
    c = adapt({"name": "dp", "fn": f, "work": 1000, "work_unit": "cells"})
    assert (c.flops, c.work, c.work_unit) == (0, 1000, "cells")
    c = adapt({"name": "dp", "fn": f, "work": 1000})
    assert c.flops == 1000
    c = adapt({"name": "x", "fn": f, "work": {"cells": 99}})
    assert (c.work, c.work_unit) == (99, "cells")
    c = adapt({"name": "skip", "note": "no GPU"})
    assert not c.runnable and c.note == "no GPU"


def test_adapt_rejects_nameless_and_non_dicts():
    with pytest.raises(ValueError, match="without a name"):
        adapt({"fn": f})
    with pytest.raises(ValueError, match="dict or"):
        adapt(42)


def test_setup_is_called_at_materialise():
    c = Case("s", setup=lambda: (f, {"numpy": f, "torch": None}))
    fn, refs = c.materialise()
    assert fn is f and list(refs) == ["numpy"]


def test_select_by_substring_glob_and_comma_list():
    cs = [Case("op_overhead/add", fn=f, group="engine"), Case("matmul_fwdbwd/64", fn=f, group="engine"),
          Case("relu_fwdbwd", fn=f, group="kernels")]
    assert [c.name for c in select(cs, "overhead")] == ["op_overhead/add"]
    assert [c.name for c in select(cs, "kernels/*")] == ["relu_fwdbwd"]
    assert len(select(cs, "add, relu")) == 2
    assert select(cs, None) == cs


def test_discovery_notes_missing_broken_and_raising_modules(monkeypatch):
    good = types.ModuleType("bench_fake_good")
    good.cases = lambda quick: [{"name": "g1", "fn": f}, {"bad": 1}]
    mapping = types.ModuleType("bench_fake_map")
    mapping.cases = lambda quick, device: {"m1": f, "m2": {"fn": f, "flops": 3}}
    raising = types.ModuleType("bench_fake_raise")

    def boom(quick, device):
        raise RuntimeError("kaput")

    raising.cases = boom
    for m in (good, mapping, raising):
        monkeypatch.setitem(sys.modules, m.__name__, m)
    cases, notes = discover(True, "cpu", modules=[
        ("bench_fake_good", "g"), ("bench_fake_map", "m"), ("bench_fake_raise", "r"), ("bench_fake_missing", "x")])
    assert [c.full_name for c in cases] == ["g/g1", "m/m1", "m/m2"]
    assert cases[2].flops == 3
    text = "\n".join(notes)
    assert "without a name" in text and "kaput" in text and "not written yet" in text


def test_every_case_module_in_the_tree_loads_and_lists_its_cases():
    """The contract of bench/cases_*.py: importable, ``cases()`` runs, every entry adapts to a Case.
    (A module not written yet is fine; nothing is run or timed here.)"""
    cases, notes = discover(True, "cpu")
    broken = [n for n in notes if "import failed" in n or "raised" in n or "without a name" in n
              or "must be a dict" in n or "no cases(" in n]
    assert not broken, broken
    names = [c.full_name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    assert "engine/op_overhead/add" in names
