"""``python -m bench.gpu_check --out DIR`` on a machine without a GPU: says so, runs its simulated parts,
writes one markdown table and one JSON, exits 0; any failed check makes it exit 1."""
import json
import os
import subprocess
import sys

import pytest

from bench import gpu_check
from tests.conftest import GPU_AVAILABLE

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(GPU_AVAILABLE, reason="on a GPU the check runs for real (minutes), not its simulated parts")
def test_gpu_check_without_a_gpu_runs_the_simulated_parts(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("KILN_SIMULATE_CUDA", "NUMBA_ENABLE_CUDASIM")}
    proc = subprocess.run([sys.executable, "-m", "bench.gpu_check", "--out", str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("no GPU answered (")
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert report["gpu"] is False and report["device"] == "simulated cuda" and report["ok"] is True
    assert [c["name"] for c in report["checks"]] == ["kernel_wrappers", "stream", "training_step", "phase_timings"]
    assert all(c["status"] == "pass" for c in report["checks"])
    assert report["checks"][0]["detail"]["wrappers"] >= 25
    assert report["checks"][2]["detail"]["max_abs_diff"] <= 1e-9
    table = (tmp_path / "gpu_check.md").read_text()
    assert "| kernel_wrappers | pass |" in table and "| training_step | pass |" in table


def test_a_failed_check_makes_it_exit_non_zero(tmp_path, monkeypatch):
    def fail(*_):
        raise AssertionError("kernel wrappers differ from the CPU: softmax[0]")

    monkeypatch.setattr(gpu_check, "run_checks", lambda out, real: [gpu_check._run("kernel_wrappers", fail)])
    monkeypatch.setattr(gpu_check, "_gpu_answers", lambda: (False, "test"))
    monkeypatch.setenv("KILN_SIMULATE_CUDA", "0")  # main() sets it; monkeypatch restores it afterwards
    assert gpu_check.main(["--out", str(tmp_path)]) == 1
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert report["ok"] is False and report["checks"][0]["detail"]["error"].endswith("softmax[0]")
    assert "| kernel_wrappers | fail |" in (tmp_path / "gpu_check.md").read_text()
