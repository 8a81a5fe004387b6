"""The one launch helper of the Numba CUDA kernels: grid checks, CuPy's current stream, device arguments.

``launch_kernel(kernel, blocks, threads, ref, *args)`` is the only place a kernel is launched:

- it refuses a grid with a 0-sized dimension (hardware raises ``cudaErrorInvalidConfiguration``, Numba's
  simulator silently runs nothing, so wrappers must return early on empty inputs and CI must see it)
  and grids or blocks beyond the hardware limits (x < 2**31, y and z <= 65,535 blocks; 1,024 threads);
- it refuses a host NumPy array next to device arrays (Numba would copy it to the GPU and back on every
  launch: a hidden transfer);
- it runs on the stream of ``ref`` (``stream_of``): ``numba.cuda.external_stream`` over CuPy's current
  stream (cached per stream pointer; under Numba's simulator, which has no external streams, one simulator
  stream per pointer of the simulated device's streams), the default stream when that is CuPy's null
  stream or the arrays are host NumPy arrays.  With ``NUMBA_CUDA_ARRAY_INTERFACE_SYNC=0`` (set by the tests and recommended in DESIGN.md)
  Numba adds no synchronisation of its own.

``launch(kernel, n, ref, *args)`` covers ``n`` elements with a grid-stride loop (every elementwise kernel
is written ``for t in range(cuda.grid(1), n, cuda.gridsize(1))``), so its grid is bounded whatever ``n``:
at most ``MAX_STRIDE_BLOCKS`` blocks on a GPU, and one block of 32 threads under Numba's simulator, which
starts a Python thread per CUDA thread (about 300 us each here) but runs a loop iteration in tens of us.
Nothing is launched for ``n == 0``.

Under the simulator, a launch also shortens Python's thread switch interval (5 ms -> 0.2 ms) while it runs:
the simulator's block manager busy-polls its threads for barriers, and with the default interval each
``syncthreads`` round waits out whole 5 ms slices (batch norm's reductions ran 4x slower).
"""
import sys

from numba import config, cuda

import kernels as _k

THREADS = 256
MAX_STRIDE_BLOCKS = 8192  # 256-thread blocks: 2M threads, enough to fill any current GPU; each loops beyond
SIM_STRIDE_THREADS = 32
SIM_SWITCH_INTERVAL = 2e-4
MAX_GRID_X = 2**31 - 1
MAX_GRID_YZ = 65535
MAX_BLOCK_THREADS = 1024
_streams = {}


def stream_of(a):
    if not _k._on_gpu(a):
        return 0
    ptr = _k.array_module(a).cuda.get_current_stream().ptr
    if not ptr:
        return 0  # CuPy's null stream is Numba's default stream; the simulated device has only that one
    s = _streams.get(ptr)
    if s is None:  # the simulator refuses external streams; a stream of its own stands for the simulated one
        s = _streams[ptr] = cuda.stream() if config.ENABLE_CUDASIM else cuda.external_stream(ptr)
    return s


def grid(n, threads=THREADS):
    return max(1, (int(n) + threads - 1) // threads)


def threads_for(n):
    """THREADS, or fewer (a multiple of 32) for tiny launches — the simulator runs every thread."""
    return THREADS if n >= THREADS else max(32, (int(n) + 31) // 32 * 32)


def _dims(v):
    return tuple(int(d) for d in v) if isinstance(v, tuple) else (int(v),)


def _name(kernel):
    fn = getattr(kernel, "py_func", None) or getattr(kernel, "fn", None) or kernel
    return getattr(fn, "__name__", "kernel")


def check_launch(name, blocks, threads):
    """Raise ``ValueError`` for a launch configuration the hardware refuses (see the module docstring)."""
    blocks, threads = _dims(blocks), _dims(threads)
    if len(blocks) > 3 or len(threads) > 3 or min(blocks) < 1 or min(threads) < 1:
        raise ValueError(f"CUDA launch of {name}: grid {blocks} x block {threads} is empty or malformed; "
                         "the wrapper must return early on empty inputs")
    if blocks[0] > MAX_GRID_X or any(b > MAX_GRID_YZ for b in blocks[1:]):
        raise ValueError(f"CUDA launch of {name}: grid {blocks} exceeds the hardware limits "
                         f"(x <= {MAX_GRID_X}, y and z <= {MAX_GRID_YZ} blocks)")
    total = 1
    for t in threads:
        total *= t
    if total > MAX_BLOCK_THREADS:
        raise ValueError(f"CUDA launch of {name}: {total} threads per block, the limit is {MAX_BLOCK_THREADS}")


def launch_kernel(kernel, blocks, threads, ref, *args):
    """Launch ``kernel[blocks, threads]`` on ``ref``'s stream, after the checks of the module docstring."""
    check_launch(_name(kernel), blocks, threads)
    if any(_k._on_gpu(a) for a in args) and any(_k.is_host_array(a) for a in args):
        shapes = [a.shape for a in args if _k.is_host_array(a)]
        raise TypeError(f"CUDA launch of {_name(kernel)}: host NumPy arrays of shapes {shapes} next to device "
                        "arrays (Numba would copy them to the GPU and back at every launch)")
    args = [_k.kernel_argument(a) for a in args]
    if not config.ENABLE_CUDASIM:
        kernel[blocks, threads, stream_of(ref)](*args)
        return
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SIM_SWITCH_INTERVAL)
    try:
        kernel[blocks, threads, stream_of(ref)](*args)
    finally:
        sys.setswitchinterval(interval)


def launch(kernel, n, ref, *args):
    """A grid-stride ``kernel`` over ``n`` elements on ``ref``'s stream; nothing for n == 0."""
    if n <= 0:
        return
    if config.ENABLE_CUDASIM:
        launch_kernel(kernel, 1, SIM_STRIDE_THREADS, ref, *args)
        return
    t = threads_for(n)
    launch_kernel(kernel, min(grid(n, t), MAX_STRIDE_BLOCKS), t, ref, *args)


@cuda.jit(device=True, inline=True)
def unflat4(t, C, H, W):
    """(n, c, h, w) of flat index ``t`` into a C-contiguous (N, C, H, W) array: the one place the grid-stride
    kernels turn their thread index into coordinates."""
    w = t % W
    q = t // W
    h = q % H
    q //= H
    return q // C, q % C, h, w
