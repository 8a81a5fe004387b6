"""The CPU kernels' thread pool: task ranges of one kernel, or whole chunks of a batch.

``run(kernel, ntasks, nelem, *args)``: kernels written as ``kernel(*args, t0, t1)`` (process tasks
``t0 <= t < t1``) compile in a fraction of the time of a Numba ``parallel=True`` kernel (no gufunc
machinery) and, released from the GIL (``nogil=True``), run in parallel on ``NUMBA_NUM_THREADS``
threads.  Calls on fewer than ``serial_below`` elements stay on the calling thread (a hand-off to the
pool and back costs 40-100 us here, what a memory-bound pass over about 2**18 values takes).

``map_chunks(body, chunks)``: ``[body(c) for c in chunks]`` with the chunks shared out among the
pool's threads, each chunk whole on one thread (its layout kernels *and* its GEMMs), and the BLAS
library held to one thread meanwhile.  A convolution alternates memory-bound layout kernels and
small GEMMs; parallelising each step separately left two cores no faster than one here (OpenBLAS's
workers spin after every GEMM and starve the kernels' threads), while whole chunks per thread
scale.  Inside a chunk, ``run`` and nested ``map_chunks`` stay serial.  Results come back in chunk
order, so callers that add them up stay deterministic.
"""
import concurrent.futures
import threading

from numba import config

_pool = None
_local = threading.local()
_blas = None


def threads() -> int:
    """``NUMBA_NUM_THREADS`` (Numba's config, which defaults to the CPU count)."""
    return max(1, int(config.NUMBA_NUM_THREADS))


#: multiply-adds below which a convolution stays on one thread: a hand-off to the pool and back costs
#: 40-100 us on the 2-core VM, about what 2**23 multiply-adds take one core (LeNet-5 steps at batch 32
#: ran slower on two threads than on one: 3.4 against 3.0 ms)
SPLIT_MIN_FMAS = 1 << 23


def workers(fmas=None) -> int:
    """Threads worth using on a job of ``fmas`` multiply-adds (all of them when not given)."""
    return 1 if fmas is not None and fmas < SPLIT_MIN_FMAS else threads()


def _inside_chunk() -> bool:
    return getattr(_local, "inside", False)


def _get_pool():
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads(), thread_name_prefix="kiln-kernels")
    return _pool


def run(kernel, ntasks, nelem, *args, serial_below=1 << 18):
    """``kernel(*args, t0, t1)`` over contiguous task ranges covering ``[0, ntasks)``."""
    nt = 1 if _inside_chunk() else min(threads(), ntasks)
    if nt <= 1 or nelem < serial_below:
        if ntasks > 0:
            kernel(*args, 0, ntasks)
        return
    cuts = [ntasks * i // nt for i in range(nt + 1)]
    futs = [_get_pool().submit(kernel, *args, cuts[i], cuts[i + 1]) for i in range(1, nt)]
    kernel(*args, cuts[0], cuts[1])
    for f in futs:
        f.result()


def _one_blas_thread():
    """A context holding the BLAS library (OpenBLAS, MKL, ...) to one thread, via threadpoolctl."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas")
    return _blas.limit(limits=1)


def _serially(body, part):
    _local.inside = True
    try:
        return [body(c) for c in part]
    finally:
        _local.inside = False


def map_chunks(body, chunks):
    """``[body(c) for c in chunks]``, the chunks split into contiguous runs over the pool's threads."""
    chunks = list(chunks)
    nt = 1 if _inside_chunk() else min(threads(), len(chunks))
    if nt <= 1:
        return [body(c) for c in chunks]
    cuts = [len(chunks) * i // nt for i in range(nt + 1)]
    parts = [chunks[cuts[i]:cuts[i + 1]] for i in range(nt)]
    with _one_blas_thread():
        futs = [_get_pool().submit(_serially, body, p) for p in parts[1:]]
        out = _serially(body, parts[0])
        for f in futs:
            out += f.result()
    return out


def split_evenly(n, step, nt=None):
    """A chunk length <= ``step`` that cuts ``n`` items into a multiple of the thread count where it can
    (so ``map_chunks`` gives every thread the same work)."""
    nt = threads() if nt is None else nt
    if nt <= 1 or n <= 1:
        return max(1, min(step, n))
    k = max(nt, -(-n // step))  # at least one chunk per thread
    k = -(-k // nt) * nt  # a multiple of the thread count
    return max(1, -(-n // k))
