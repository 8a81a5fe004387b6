"""The whole suite under ``python -m bench --quick``: every case of every group runs once and succeeds.

This is the CI smoke test of issue 7 (no timing assertions): a case that raises, or a group that fails
to import, shows up here as a non-ok status.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_case_runs_in_quick_mode(tmp_path):
    out = tmp_path / "quick.json"
    env = dict(os.environ, KILN_BENCH_NO_TORCH="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    groups = {c["group"] for c in report["cases"]}
    assert {"engine", "kernels", "optim", "combinatorics"} <= groups
    bad = [(c["name"], c["status"], c["note"]) for c in report["cases"] if c["status"] not in ("ok", "skipped")]
    assert not bad, bad
    ran = [c for c in report["cases"] if c["status"] == "ok"]
    assert len(ran) >= 20 and all(c["min_ms"] > 0 for c in ran)
