"""Run a ``@njit(nogil=True)`` kernel over a range of tasks on a small thread pool.

Kernels written as ``kernel(*args, t0, t1)`` (process tasks ``t0 <= t < t1``) compile in a fraction of
the time of a Numba ``parallel=True`` kernel (no gufunc machinery) and, released from the GIL, run in
parallel on ``NUMBA_NUM_THREADS`` threads.  Calls on fewer than ``serial_below`` elements stay on the
calling thread (the pool costs tens of microseconds per call).
"""
import concurrent.futures
import os

from numba import config

_pool = None


def threads() -> int:
    return max(1, int(getattr(config, "NUMBA_NUM_THREADS", os.cpu_count() or 1)))


def run(kernel, ntasks, nelem, *args, serial_below=1 << 16):
    """``kernel(*args, t0, t1)`` over contiguous task ranges covering ``[0, ntasks)``."""
    global _pool
    nt = min(threads(), ntasks)
    if nt <= 1 or nelem < serial_below:
        if ntasks > 0:
            kernel(*args, 0, ntasks)
        return
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads(), thread_name_prefix="kiln-kernels")
    cuts = [ntasks * i // nt for i in range(nt + 1)]
    futs = [_pool.submit(kernel, *args, cuts[i], cuts[i + 1]) for i in range(1, nt)]
    kernel(*args, cuts[0], cuts[1])
    for f in futs:
        f.result()
