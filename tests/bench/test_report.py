"""The JSON document follows the schema documented in bench.report; tables render every column."""
import copy

import pytest

from bench import report
from bench.ceilings import Ceilings
from bench.registry import Case
from bench.runner import make_doc, run_case
from bench.timing import CpuTimer, measure

CEIL = Ceilings(matmul_gflops=100.0, copy_gbs=10.0, matmul_n=2048, copy_mib=256, device="test cpu")


def _doc():
    import numpy as np

    a = np.ones(1000, np.float32)
    cases = [
        Case("copy", fn=lambda: a.copy(), bytes=8000, refs={"numpy": lambda: a.copy()}, group="t"),
        Case("missing", note="not available yet", group="t"),
        Case("raises", fn=lambda: 1 / 0, group="t"),
        Case("cells", fn=lambda: None, work=1e6, work_unit="cells", group="t"),
    ]
    results = [run_case(c, CpuTimer(), CEIL, repeat=3, max_s=1) for c in cases]
    settings = {"quick": False, "repeat": 3, "only": None, "stat": "min"}
    return make_doc("cpu", CEIL, results, settings, ["a note"])


def test_doc_validates_and_has_statuses_rates_and_ratios():
    doc = _doc()
    report.validate(doc)
    by = {c["name"]: c for c in doc["cases"]}
    assert by["t/copy"]["status"] == "ok" and by["t/copy"]["bound"] == "memory"
    assert by["t/copy"]["rate_unit"] == "GB/s" and by["t/copy"]["pct_of_ceiling"] > 0
    assert by["t/copy"]["refs"]["numpy"]["ratio"] > 0
    assert by["t/missing"]["status"] == "skipped" and by["t/missing"]["note"] == "not available yet"
    assert by["t/raises"]["status"] == "error" and "ZeroDivisionError" in by["t/raises"]["note"]
    assert by["t/cells"]["rate_unit"] == "Mcells/s"


def test_validate_names_what_is_wrong():
    doc = _doc()
    bad = copy.deepcopy(doc)
    del bad["cases"][0]["min_ms"]
    with pytest.raises(ValueError, match="min_ms"):
        report.validate(bad)
    bad = copy.deepcopy(doc)
    bad["cases"][0]["status"] = "fine"
    with pytest.raises(ValueError, match="status"):
        report.validate(bad)
    bad = copy.deepcopy(doc)
    bad["schema"] = "other/2"
    with pytest.raises(ValueError, match="schema"):
        report.validate(bad)


def test_tables_show_reference_columns_and_notes():
    doc = _doc()
    text = report.text_table(doc)
    md = report.markdown(doc)
    for out in (text, md):
        assert "vs numpy" in out and "not available yet" in out and "note: a note" in out
    assert "#### t" in md and "| case |" in md


def test_roofline_picks_the_larger_floor():
    assert CEIL.roofline(100e9, 0) == (1.0, "compute")
    assert CEIL.roofline(1e9, 100e9) == (10.0, "memory")
    assert CEIL.roofline(0, 0) == (None, "")


def test_measure_interleaves_and_reports_errors():
    calls = []
    ms = measure({"a": lambda: calls.append("a"), "b": lambda: calls.append("b"), "bad": lambda: [][1]},
                 repeat=3, target_s=1e-4)
    assert len(ms["a"].samples) == 3 and len(ms["b"].samples) == 3
    assert ms["bad"].error.startswith("IndexError") and ms["bad"].min is None
    assert ms["a"].min <= ms["a"].median
    quick = measure({"a": lambda: None}, quick=True)
    assert len(quick["a"].samples) == 1 and quick["a"].inner == 1
