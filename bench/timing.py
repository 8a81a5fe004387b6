"""Timing: median and min of N repeats after warm-up, several callables interleaved.

:func:`measure` warms each callable up (Numba compilation, CuPy memory pool, BLAS thread start-up are thus
excluded), calibrates how many calls one sample holds (``inner``, so that a sample lasts about ``target_s`` and
microsecond-scale ops are timed over a loop, not one call), then takes ``repeat`` samples of every callable in
turn — the case and its references interleaved, in an order rotated every repeat, so that a change of machine
load hits all of them alike.  Each sample is the time of ``inner`` calls divided by ``inner``.

On the CPU a sample is ``time.perf_counter`` around the loop.  On the GPU it is a pair of CUDA events recorded on
CuPy's current stream around the loop, the device synchronised before the start event and after the end event,
so that asynchronous launches are counted in full.  :func:`launch_overhead` measures what one kernel launch costs
from Python on the GPU: Numba ``@cuda.jit`` kernels with 5 and 8 array arguments, as Kiln's are, launched through
Kiln's launch helper, and a CuPy elementwise kernel.
"""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field

__all__ = ["Measurement", "CpuTimer", "CudaTimer", "make_timer", "measure", "launch_overhead"]


@dataclass
class Measurement:
    """Per-call times in seconds of one callable; ``error`` is set (and samples empty) when it raised."""

    samples: list = field(default_factory=list)
    inner: int = 1
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def min(self) -> float | None:
        return min(self.samples) if self.samples else None


class CpuTimer:
    """Wall-clock timing with ``time.perf_counter``."""

    kind = "perf_counter"

    def sync(self) -> None:
        pass

    def time(self, fn, inner: int) -> float:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        return time.perf_counter() - t0


class CudaTimer:
    """CUDA-event timing on CuPy's current stream (see the module docstring)."""

    kind = "cuda-events"

    def __init__(self, cupy):
        self.cp = cupy
        self.start = cupy.cuda.Event()
        self.end = cupy.cuda.Event()

    def sync(self) -> None:
        self.cp.cuda.runtime.deviceSynchronize()

    def time(self, fn, inner: int) -> float:
        cp = self.cp
        stream = cp.cuda.get_current_stream()
        cp.cuda.runtime.deviceSynchronize()
        self.start.record(stream)
        for _ in range(inner):
            fn()
        self.end.record(stream)
        cp.cuda.runtime.deviceSynchronize()
        self.end.synchronize()
        return cp.cuda.get_elapsed_time(self.start, self.end) / 1e3


def make_timer(device: str):
    """The timer for a bench device ("cpu" or "cuda")."""
    if device.startswith("cuda"):
        from .optional import cupy

        cp = cupy()
        if cp is None:
            raise RuntimeError("bench: --device cuda needs CuPy and a GPU that answers")
        return CudaTimer(cp)
    return CpuTimer()


def _calibrate(timer, fn, target_s: float) -> int:
    """Calls per sample so that a sample lasts about ``target_s``: grow the loop tenfold until it takes 2 ms,
    then take the fastest of three such loops (a descheduled loop would make ``inner`` too small)."""
    n = 1
    while True:
        t = timer.time(fn, n)
        if t >= min(0.002, target_s) or n >= 1_000_000:
            break
        n *= 10
    if t < target_s:
        t = min(t, timer.time(fn, n), timer.time(fn, n))
    return max(1, min(1_000_000, math.ceil(target_s * n / max(t, 1e-9))))


def measure(fns: dict, timer=None, repeat: int = 7, warmup: int = 1, target_s: float = 0.02,
            max_s: float = 30.0, min_repeat: int = 3, quick: bool = False) -> dict:
    """Time each callable of ``fns`` (name -> zero-arg callable); returns name -> :class:`Measurement`.

    ``quick`` runs each callable exactly once (no warm-up, no calibration): a smoke test, not a timing.  Repeats
    stop early once ``max_s`` seconds have passed and ``min_repeat`` repeats are done (one repeat when a warm-up
    call alone took over a third of ``max_s``)."""
    timer = timer or CpuTimer()
    out = {name: Measurement() for name in fns}
    live = {}
    warm_max = 0.0
    for name, fn in fns.items():
        try:
            if quick:
                out[name].samples.append(timer.time(fn, 1))
                continue
            t_warm = 0.0
            for _ in range(warmup):
                t_warm = timer.time(fn, 1)
            warm_max = max(warm_max, t_warm)
            # a call far slower than a sample needs no calibration (saves a call of a multi-second case)
            out[name].inner = 1 if t_warm >= 10 * target_s else _calibrate(timer, fn, target_s)
            live[name] = fn
        except Exception as exc:  # a failing case or reference is reported, not fatal
            out[name].error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            out[name].samples.clear()
    if quick:
        return out
    names = list(live)
    if warm_max > max_s / 3:  # multi-second calls (an exact solver, say): one interleaved repeat is all we afford
        min_repeat = 1
    t_start = time.perf_counter()
    for r in range(repeat):
        k = r % len(names) if names else 0
        for name in names[k:] + names[:k]:
            m = out[name]
            if m.error:
                continue
            try:
                m.samples.append(timer.time(live[name], m.inner) / m.inner)
            except Exception as exc:
                m.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                m.samples.clear()
        if r + 1 >= min_repeat and time.perf_counter() - t_start > max_s:
            break
    return out


def launch_overhead(xp, launches: int = 2000, n: int = 2048) -> dict:
    """Host microseconds per kernel launch from Python, launches back to back and one device synchronisation
    at the end: ``numba_5_args_us`` and ``numba_8_args_us`` for realistic kernels with 5 and 8 array
    arguments over ``n`` float32 elements (bench/launch_kernels.py), launched the way Kiln launches every
    kernel (kernels/cuda/_launch.py: grid checks, the current stream, then Numba's argument marshalling,
    which grows with the array count); ``cupy_us`` for a CuPy elementwise kernel on the same array.

    ``xp`` is CuPy, or the simulated device's stand-in (``KILN_SIMULATE_CUDA=1``): there the code path runs
    under Numba's simulator and the figures mean nothing.
    """
    from bench import launch_kernels as lk
    from kernels.cuda._launch import launch

    C = 16
    arrays = [xp.ones(n, dtype=xp.float32) for _ in range(8)]
    stats = [xp.ones(C, dtype=xp.float32) for _ in range(5)]
    cases = {
        "numba_5_args_us": lambda: launch(lk.adam_like, n, arrays[0], *arrays[:5]),
        "numba_8_args_us": lambda: launch(lk.bn_backward_like, n, arrays[0], *arrays[5:8], *stats),
        "cupy_us": lambda: arrays[0].__imul__(1),
    }
    result = {}
    for name, fn in cases.items():
        for _ in range(min(10, launches)):  # compile and warm up
            fn()
        xp.cuda.runtime.deviceSynchronize()
        t0 = time.perf_counter()
        for _ in range(launches):
            fn()
        xp.cuda.runtime.deviceSynchronize()
        result[name] = (time.perf_counter() - t0) / launches * 1e6
    return result
