"""The one-shot GPU check: ``python -m bench.gpu_check --out DIR``.

On a machine where a GPU answers (CuPy imports and counts a device) it runs, in this order:

1. ``environment``: driver, runtime, NVRTC, cuda-bindings, CuPy, Numba and NumPy versions, the device name;
2. ``kernel_wrappers``: every kernel wrapper on CuPy float32 arrays against the CPU, empty inputs included,
   with each wrapper's first-call (compile) time;
3. ``stream``: conv, activation, pooling and an Adam update inside a non-blocking CuPy stream equal the
   default stream's results;
4. ``training_step``: a float64 LeNet5 SGD step on the GPU equals the CPU's to 1e-9;
5. ``phase_timings`` and ``launch_overhead``: a LeNet5 Adam step (batch 32) with forward, loss, backward and
   step timed separately between device synchronisations; host microseconds per launch of kernels with 5
   and 8 array arguments and of two Kiln wrappers;
6. ``pytest_gpu_marked`` and ``pytest_device``: the GPU-marked tests, then the device tests (which use the
   real device when it answers) and the kernel twin tests, with the real block sizes;
7. ``bench``: ``python -m bench --device cuda --quick`` (its JSON and markdown land in DIR);
8. ``mnist``: ``examples/mnist.py --device cuda --limit-train 4096`` against the CPU run with the same seed
   (test accuracies within 2 points; each run's seconds per epoch recorded).

On a machine without a GPU it says that no GPU answered and runs the parts that need none on the simulated
CUDA device (``KILN_SIMULATE_CUDA=1``): checks 2-4, and the phase timer's code path on a tiny batch (its
times there are not figures).  Either way it writes ``gpu_check.md`` (one table) and
``gpu_check.json`` (device, versions, every figure) into DIR and exits 1 when any check failed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _gpu_answers() -> tuple[bool, str]:
    try:
        import cupy

        n = cupy.cuda.runtime.getDeviceCount()
        return n > 0, f"CuPy {cupy.__version__} sees {n} GPU(s)"
    except Exception as e:  # ImportError, or a CUDA runtime that does not load
        return False, f"{type(e).__name__}: {e}"


def _versions(real_gpu: bool) -> dict:
    import numba
    import numpy

    out = {"python": platform.python_version(), "numpy": numpy.__version__, "numba": numba.__version__}
    if not real_gpu:
        return out
    import cupy

    rt = cupy.cuda.runtime
    out.update(cupy=cupy.__version__, driver=rt.driverGetVersion(), runtime=rt.runtimeGetVersion(),
               device=rt.getDeviceProperties(0)["name"].decode())
    for mod, attr in (("cupy.cuda.nvrtc", "getVersion"),):
        try:
            out["nvrtc"] = list(getattr(__import__(mod, fromlist=[attr]), attr)())
        except Exception as e:
            out["nvrtc"] = f"unavailable: {e}"
    try:
        from importlib.metadata import version

        out["cuda_bindings"] = version("cuda-bindings")
        out["numba_cuda"] = version("numba-cuda")
    except Exception as e:
        out["cuda_bindings"] = f"unknown: {e}"
    return out


def _run(name, fn, *args) -> dict:
    t0 = time.perf_counter()
    try:
        detail, status = fn(*args), "pass"
    except Exception as e:  # a failed check is reported, the others still run
        detail, status = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=4)}, "fail"
    return {"name": name, "status": status, "seconds": round(time.perf_counter() - t0, 3), "detail": detail}


def _subprocess(cmd, timeout, out_file=None) -> dict:
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    tail = (proc.stdout + proc.stderr)[-3000:]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {tail[-800:]}")
    return {"command": " ".join(cmd), "tail": tail[-800:]}


def _mnist(out_dir) -> dict:
    runs = {}
    for device in ("cpu", "cuda"):
        path = os.path.join(out_dir, f"mnist-{device}.json")
        _subprocess([sys.executable, "examples/mnist.py", "--device", device, "--limit-train", "4096", "--epochs", "1",
                     "--no-progress", "--seed", "0", "--metrics-json", path,
                     "--out-dir", os.path.join(out_dir, f"mnist-{device}")], timeout=240)
        with open(path) as f:
            runs[device] = json.load(f)
    gap = abs(runs["cuda"]["test_accuracy"] - runs["cpu"]["test_accuracy"])
    if gap > 0.02:
        raise AssertionError(f"MNIST test accuracy on cuda {runs['cuda']['test_accuracy']:.4f} vs cpu "
                             f"{runs['cpu']['test_accuracy']:.4f}")
    return {"cpu": runs["cpu"], "cuda": runs["cuda"], "accuracy_gap": gap}


def run_checks(out_dir: str, real_gpu: bool) -> list:
    from bench import gpu_check_cases as cases
    from engine import backend

    xp = backend.Device("cuda").xp
    checks = [_run("kernel_wrappers", cases.kernel_wrappers, "cuda", xp),
              _run("stream", cases.stream, "cuda", xp),
              _run("training_step", cases.training_step, "cuda", xp)]
    if not real_gpu:  # the phase timer's code path only (a batch of 2, one step): no figure
        checks.append(_run("phase_timings", cases.phase_timings, "cuda", xp, 2, 0))
        return checks
    checks.append(_run("phase_timings", cases.phase_timings, "cuda", xp))
    checks.append(_run("launch_overhead", cases.launch_overhead, "cuda", xp))
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist"]
    checks.append(_run("pytest_gpu_marked", _subprocess, pytest + ["-m", "gpu", "tests"], 200))
    checks.append(_run("pytest_device", _subprocess, pytest + ["tests/device", "tests/kernels"], 300))
    checks.append(_run("bench", _subprocess, [sys.executable, "-m", "bench", "--device", "cuda", "--quick", "--json",
                                              os.path.join(out_dir, "bench.json"), "--markdown",
                                              os.path.join(out_dir, "bench.md")], 180))
    checks.append(_run("mnist", _mnist, out_dir))
    return checks


def _markdown(report) -> str:
    lines = [f"# GPU check: {report['device']}", "", f"{report['message']}", "",
             "| check | status | seconds | detail |", "|---|---|---|---|"]
    for c in report["checks"]:
        detail = c["detail"].get("error") if c["status"] == "fail" else json.dumps(c["detail"])[:300]
        lines.append(f"| {c['name']} | {c['status']} | {c['seconds']} | {str(detail).replace('|', '/')} |")
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.gpu_check", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, metavar="DIR", help="where gpu_check.md and gpu_check.json go")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    real_gpu, why = _gpu_answers()
    if real_gpu:
        message = f"GPU answered: {why}"
    else:
        message = f"no GPU answered ({why}); running the simulated parts on KILN_SIMULATE_CUDA=1"
        os.environ["KILN_SIMULATE_CUDA"] = "1"  # read by engine.backend when it first looks for CuPy
    print(message, flush=True)
    checks = run_checks(args.out, real_gpu)
    report = {"device": "cuda" if real_gpu else "simulated cuda", "gpu": real_gpu, "message": message,
              "versions": _versions(real_gpu), "checks": checks,
              "ok": all(c["status"] == "pass" for c in checks)}
    with open(os.path.join(args.out, "gpu_check.json"), "w") as f:
        json.dump(report, f, indent=2, default=str)
    with open(os.path.join(args.out, "gpu_check.md"), "w") as f:
        f.write(_markdown(report))
    for c in checks:
        print(f"{c['status']:4}  {c['name']:16} {c['seconds']:8.2f} s  {c['detail'].get('error', '')}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
