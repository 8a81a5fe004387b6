"""Launch helpers for the Numba CUDA kernels: grid size and CuPy's current stream.

``stream_of(a)`` is ``numba.cuda.external_stream`` over CuPy's current stream when ``a`` is a CuPy array
(cached per stream pointer), and the default stream under the CUDA simulator (NumPy arrays); with
``NUMBA_CUDA_ARRAY_INTERFACE_SYNC=0`` (set by the tests and recommended in DESIGN.md) Numba adds no
synchronisation of its own.  ``launch(kernel, n, ref, *args)`` runs one thread per element.
"""
from numba import cuda

THREADS = 256
_streams = {}


def stream_of(a):
    if type(a).__module__.split(".", 1)[0] != "cupy":
        return 0
    import cupy

    ptr = cupy.cuda.get_current_stream().ptr
    s = _streams.get(ptr)
    if s is None:
        s = _streams[ptr] = cuda.external_stream(ptr) if ptr else cuda.default_stream()
    return s


def grid(n, threads=THREADS):
    return max(1, (int(n) + threads - 1) // threads)


def threads_for(n):
    """THREADS, or fewer (a multiple of 32) for tiny launches — the simulator runs every thread."""
    return THREADS if n >= THREADS else max(32, (int(n) + 31) // 32 * 32)


def launch(kernel, n, ref, *args):
    """One thread per element on ``ref``'s stream; nothing for n == 0."""
    if n <= 0:
        return
    t = threads_for(n)
    kernel[grid(n, t), t, stream_of(ref)](*args)
