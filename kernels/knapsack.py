"""Dispatch for the knapsack dynamic-programming kernel: CPU (Numba @njit) for NumPy arrays,
CUDA (Numba @cuda.jit) for device arrays (CuPy, or the simulated device's stand-in), told apart by
``kernels._on_gpu``, the one "is this on the GPU?" check of the kernels.

``knapsack_dp(values, weights, capacity)`` -> ``(best, take)``: ``best[c]`` is the best value with
total weight at most ``c``; ``take`` is the (n, capacity // 64 + 1) uint64 bit table from which
``knapsack_dp_items(take, weights, capacity, cell=None)`` recovers the chosen items (a boolean mask).  Recovery
always runs on the host.  The CUDA module is imported only when a device array arrives, so this
file imports cleanly on machines without a GPU.
"""
import numpy as np

import kernels

from .cpu.knapsack import knapsack_dp_cells, knapsack_dp_cpu, knapsack_dp_items_cpu

__all__ = ["knapsack_dp", "knapsack_dp_items", "knapsack_dp_cells"]


def knapsack_dp(values, weights, capacity):
    """Run the DP over capacity on the arrays' device; see the module docstring."""
    if kernels._on_gpu(values) or kernels._on_gpu(weights):
        from .cuda.knapsack import knapsack_dp_cuda

        return knapsack_dp_cuda(values, weights, int(capacity))
    return knapsack_dp_cpu(values, np.ascontiguousarray(weights, dtype=np.int64), int(capacity))


def knapsack_dp_items(take, weights, capacity, cell=None):
    """Boolean mask of the items of an optimal solution of weight at most ``cell`` (default: the
    ``capacity`` the table was built with)."""
    cell = capacity if cell is None else cell
    if kernels._on_gpu(take):
        take = take.get()
    if kernels._on_gpu(weights):
        weights = weights.get()
    return knapsack_dp_items_cpu(np.asarray(take), np.asarray(weights, dtype=np.int64), int(capacity), int(cell))
