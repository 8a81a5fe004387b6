"""0/1 knapsack dynamic programming over capacity as a Numba CUDA kernel (the GPU twin of
``kernels.cpu.knapsack``).

One launch per item row, one thread per capacity cell: thread ``c`` reads the previous row and
writes ``cur[c] = max(prev[c], prev[c - w] + v)`` into a second buffer (cells of one row depend on
the previous row only, so the two buffers make a row embarrassingly parallel), and sets bit
``c & 63`` of ``take[i, c >> 6]`` with an atomic OR when the item improved the cell.  OR commutes,
so the table is the same bit for bit whatever order the threads run in: deterministic, and equal
to the CPU kernel's table, which is what the simulator tests check.  Item recovery walks that table
on the host (``kernels.cpu.knapsack.knapsack_dp_items_cpu``): it is n sequential steps, no work for
a GPU.

Launches go through ``kernels.cuda._launch.launch_kernel``, on CuPy's current stream when CuPy arrays
come in; under the CUDA simulator the inputs are NumPy arrays and the default stream is used.  Launching per row costs
tens of microseconds each on a real GPU, which the benchmark reports next to cells/s; a persistent
kernel would need a grid-wide barrier between rows.
"""
import numpy as np
from numba import cuda

import kernels
from kernels.cuda._launch import launch_kernel

_THREADS = 256


@cuda.jit(cache=True)
def _dp_row(prev, cur, take, i, w, v, old_reach, reach):
    c = cuda.grid(1)
    if c > reach:
        return
    # cells above the previous reach were never written: every earlier item fits there
    old = prev[min(c, old_reach)]
    if c >= w:
        cand = prev[c - w] + v
        if cand > old:
            cur[c] = cand
            cuda.atomic.or_(take, (i, c >> 6), np.uint64(1) << np.uint64(c & 63))
            return
    cur[c] = old


def knapsack_dp_cuda(values, weights, capacity):
    """Return ``(best, take)`` like ``knapsack_dp_cpu``, as arrays of the input's array module.

    ``weights`` is read on the host to size each row (it is tiny next to the table); ``values`` may
    live on the device.  The returned ``take`` table is bit-for-bit the CPU kernel's.
    """
    xp = kernels.array_module(values)
    w_host = np.asarray(weights.get() if kernels._on_gpu(weights) else weights, dtype=np.int64)
    v_host = values.get() if kernels._on_gpu(values) else np.asarray(values)
    n = int(v_host.shape[0])
    capacity = int(capacity)
    nwords = (capacity >> 6) + 1
    prev = xp.zeros(capacity + 1, dtype=v_host.dtype)
    cur = xp.zeros(capacity + 1, dtype=v_host.dtype)
    take = xp.zeros((n, nwords), dtype=np.uint64)
    reach = 0
    for i in range(n):
        w = int(w_host[i])
        if w > capacity:
            continue
        old_reach = reach
        reach = min(capacity, reach + w)
        blocks = (reach + 1 + _THREADS - 1) // _THREADS
        launch_kernel(_dp_row, blocks, _THREADS, prev, prev, cur, take, i, w, v_host[i], old_reach, reach)
        prev, cur = cur, prev
    if reach < capacity:
        prev[reach + 1:] = prev[reach]
    return prev, take
