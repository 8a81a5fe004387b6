"""Kiln combinatorics: greedy and exact solvers for the 0/1 knapsack and (weighted) set cover.

``knapsack(values, weights, capacity, method="auto", ...)`` -> ``KnapsackResult``;
``set_cover(subsets, costs=None, universe=None, method="auto", ...)`` -> ``SetCoverResult``;
readers for OR-Library set-cover files and plain / CSV / JSON knapsack files in ``readers``.
The DP kernel lives in ``kernels.knapsack`` (Numba CPU and CUDA).
"""
from .knapsack import knapsack
from .results import KnapsackResult, SetCoverResult
from .setcover import set_cover
from .readers import read_knapsack, read_orlib_setcover, read_pisinger_csv

__all__ = ["knapsack", "set_cover", "KnapsackResult", "SetCoverResult", "read_knapsack",
           "read_orlib_setcover", "read_pisinger_csv"]
