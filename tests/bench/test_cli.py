"""``python -m bench`` end to end, in a subprocess, on a couple of cheap cases with --quick."""
import json
import os
import subprocess
import sys
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[2]


def _run(args, env_extra=None, timeout=120):
    env = dict(os.environ, **(env_extra or {}))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_quick_only_writes_valid_json_and_markdown(tmp_path):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    p = _run(["--quick", "--only", "op_overhead/add,matmul_fwdbwd/64", "--json", str(js), "--markdown", str(md)])
    assert p.returncode == 0, p.stderr
    doc = json.loads(js.read_text())
    report.validate(doc)
    assert doc["settings"]["quick"] is True and doc["device"] == "cpu"
    names = [c["name"] for c in doc["cases"]]
    assert names == ["engine/op_overhead/add", "engine/matmul_fwdbwd/64"]
    assert all(c["status"] == "ok" for c in doc["cases"])
    mm = doc["cases"][1]
    assert mm["flops"] == 3 * 2 * 64**3 and "numpy" in mm["refs"]
    assert "matmul_fwdbwd/64" in md.read_text() and "matmul_fwdbwd/64" in p.stdout


def _main(args, capsys):
    from bench.__main__ import main

    rc = main(args)
    return rc, capsys.readouterr()


def test_runs_without_pytorch_leaving_blank_cells(tmp_path, monkeypatch, capsys):
    from bench import optional

    js = tmp_path / "r.json"
    monkeypatch.setenv("KILN_BENCH_NO_TORCH", "1")
    optional.torch.cache_clear()
    try:
        rc, out = _main(["--quick", "--only", "op_overhead/mul", "--json", str(js)], capsys)
    finally:
        optional.torch.cache_clear()
    assert rc == 0, out.err
    doc = json.loads(js.read_text())
    report.validate(doc)
    assert doc["cases"][0]["refs"] == {} and doc["versions"]["torch"] is None
    assert any("PyTorch not installed" in n for n in doc["notes"])


def test_list_and_bad_selection(capsys):
    rc, out = _main(["--quick", "--list", "--only", "op_overhead"], capsys)
    assert rc == 0 and "engine/op_overhead/add" in out.out
    rc, out = _main(["--quick", "--only", "no-such-case-anywhere"], capsys)
    assert rc == 2 and "no case matches" in out.err


def test_cuda_path_imports_cleanly_and_refuses_without_a_gpu(capsys):
    from bench import timing  # noqa: F401  (CudaTimer / launch_overhead import without CuPy)
    from bench.optional import cupy

    if cupy() is None:
        rc, out = _main(["--device", "cuda", "--quick"], capsys)
        assert rc == 2 and "needs CuPy" in out.err


def test_unwritable_output_paths_refused_before_the_run(tmp_path, capsys):
    import pytest

    from bench.__main__ import main

    missing = tmp_path / "missing" / "dir" / "x.json"
    for flag, path, why in (("--json", missing, "does not exist"), ("--markdown", tmp_path, "is a directory")):
        with pytest.raises(SystemExit) as exc:
            main(["--quick", "--only", "op_overhead/add", flag, str(path)])
        err = capsys.readouterr().err
        assert exc.value.code == 2
        assert f"argument {flag}: cannot write" in err and why in err and "measuring" not in err
