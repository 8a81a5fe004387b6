"""The device's ceilings, measured at start: float32 large-square matmul rate and memory copy bandwidth.

- Matmul: ``A @ B`` on float32 (n, n) matrices through NumPy (BLAS) on the CPU or CuPy (cuBLAS) on the GPU,
  counted as 2n^3 FLOPs; the best rate over repeated runs per size (at least a few, for about 2 s) after a warm-up.
- Copy bandwidth: ``copyto(dst, src)`` of a buffer far larger than the caches, counted as bytes read + bytes
  written (2 x buffer size; 128 MiB, 4x a 32 MiB L3, on the CPU; 1 GiB on the GPU); the best of repeated runs.

:meth:`Ceilings.roofline` turns a case's work into its floor time, ``max(flops/peak, bytes/bandwidth)``, and
says which ceiling bounds it.  ``python -m bench`` measures the ceilings again after the cases and keeps the
higher of the two measurements of each (:meth:`Ceilings.best`): on a machine shared with busy neighbours a
single measurement may catch a bad moment, which would flatter every percentage.
"""
from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Ceilings", "measure_ceilings", "device_name"]


@dataclass
class Ceilings:
    matmul_gflops: float
    copy_gbs: float
    matmul_n: int
    copy_mib: int
    device: str

    def roofline(self, flops: float, nbytes: float):
        """``(floor_seconds, bound)`` with bound "compute" or "memory"; ``(None, "")`` when no work is given."""
        t_f = flops / (self.matmul_gflops * 1e9) if flops else 0.0
        t_b = nbytes / (self.copy_gbs * 1e9) if nbytes else 0.0
        if not t_f and not t_b:
            return None, ""
        return (t_f, "compute") if t_f >= t_b else (t_b, "memory")

    def best(self, other: "Ceilings") -> "Ceilings":
        """The higher of two measurements of each ceiling (start and end of a run on a shared machine)."""
        mm = max((self.matmul_gflops, self.matmul_n), (other.matmul_gflops, other.matmul_n))
        return Ceilings(matmul_gflops=mm[0], copy_gbs=max(self.copy_gbs, other.copy_gbs), matmul_n=mm[1],
                        copy_mib=self.copy_mib, device=self.device)

    def as_dict(self) -> dict:
        return asdict(self)


def device_name(device: str) -> str:
    """The CPU model (from /proc/cpuinfo or lscpu's source) with core count, or the GPU's name."""
    if device.startswith("cuda"):
        from .optional import cupy

        cp = cupy()
        if cp is not None:
            props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
            name = props["name"]
            return name.decode() if isinstance(name, bytes) else str(name)
        return "cuda (unavailable)"
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import os

    return f"{model} ({os.cpu_count()} logical cores)"


def _best(fn, sync, runs: int, budget_s: float) -> float:
    """The shortest of at least ``runs`` timed calls, going on while ``budget_s`` lasts: on a machine shared
    with busy neighbours the best of many short runs is the one that was not descheduled."""
    fn()
    sync()
    best = float("inf")
    start = time.perf_counter()
    done = 0
    while done < runs or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t0)
        done += 1
    return best


def measure_ceilings(device: str = "cpu", quick: bool = False) -> Ceilings:
    """Measure the matmul rate and copy bandwidth of ``device`` (small sizes with ``quick``)."""
    if device.startswith("cuda"):
        from .optional import cupy

        xp = cupy()
        if xp is None:
            raise RuntimeError("bench: --device cuda needs CuPy and a GPU that answers")
        sync = xp.cuda.runtime.deviceSynchronize
        sizes, mib, runs, budget = ((1024,), 64, 3, 0.0) if quick else ((4096, 8192), 1024, 10, 1.0)
    else:
        xp, sync = np, (lambda: None)
        sizes, mib, runs, budget = ((256,), 8, 3, 0.0) if quick else ((512, 1024, 2048), 128, 5, 2.0)
    rng = np.random.default_rng(0)
    rate, n_best = 0.0, sizes[0]
    for n in sizes:  # the best rate over a few large sizes: robust to a noisy neighbour
        a = xp.asarray(rng.standard_normal((n, n), dtype=np.float32))
        b = xp.asarray(rng.standard_normal((n, n), dtype=np.float32))
        c = xp.empty((n, n), dtype=np.float32)
        r = 2 * n**3 / _best(lambda: xp.matmul(a, b, out=c), sync, runs, budget)
        if r > rate:
            rate, n_best = r, n
        del a, b, c
    count = mib * 2**20 // 4
    src = xp.ones(count, dtype=np.float32)
    dst = xp.empty_like(src)
    t_cp = _best(lambda: xp.copyto(dst, src), sync, runs, budget)
    return Ceilings(
        matmul_gflops=rate / 1e9,
        copy_gbs=2 * src.nbytes / t_cp / 1e9,
        matmul_n=n_best,
        copy_mib=mib,
        device=device_name(device),
    )
