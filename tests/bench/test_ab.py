"""bench.ab: the interleaved A/B table of two checkouts (its arithmetic and its argument checks)."""
import pytest

from bench import ab


def _case(min_ms, torch_ratio=None):
    refs = {"torch": {"min_ms": 1.0, "median_ms": 1.0, "ratio": torch_ratio, "error": ""}} if torch_ratio else {}
    return {"min_ms": min_ms, "refs": refs}


def test_compare_takes_each_sides_best_round_and_the_ratio_new_over_old():
    old = [{"k/a": _case(2.0, 1.5), "k/only_old": _case(1.0)}, {"k/a": _case(1.6, 1.2)}]
    new = [{"k/a": _case(2.4, 1.8)}, {"k/a": _case(2.0, 1.4), "k/only_new": _case(3.0)}]
    rows = ab.compare(old, new)
    assert rows[2] == "| k/a | 1.6 | 2 | 1.25 | 1.20 | 1.40 |"
    assert rows[3] == "| k/only_old | 1 |  |  |  |  |"
    assert rows[4] == "| k/only_new |  | 3 |  |  |  |"


def test_a_folder_that_is_not_a_checkout_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        ab.main([str(tmp_path), str(tmp_path)])
    assert e.value.code == 2
    assert "is not a Kiln checkout (no bench/ folder)" in capsys.readouterr().err
