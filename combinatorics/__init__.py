"""Kiln combinatorics: greedy and exact solvers for the 0/1 knapsack and (weighted) set cover.

``knapsack(values, weights, capacity, method="auto", ...)`` -> ``KnapsackResult``;
``set_cover(subsets, costs=None, universe=None, method="auto", ...)`` -> ``SetCoverResult``;
readers for OR-Library set-cover files and plain / CSV / JSON knapsack files in ``readers``.
The DP kernel lives in ``kernels.knapsack`` (Numba CPU and CUDA).
"""
from .knapsack import knapsack
from .results import KnapsackResult, SetCoverResult

__all__ = ["knapsack", "KnapsackResult", "SetCoverResult"]
