"""Guarded imports of the optional reference frameworks: PyTorch and CuPy.

Neither is a dependency of Kiln.  ``torch()`` / ``cupy()`` return the module or ``None``; a missing module
makes the corresponding reference a blank cell.  Setting the environment variable ``KILN_BENCH_NO_TORCH=1``
hides PyTorch even where it is installed (the tests use it to check that the suite runs without it).
"""
from __future__ import annotations

import functools
import os

__all__ = ["torch", "cupy", "torch_device"]


@functools.lru_cache(maxsize=1)
def torch():
    """``torch``, or None when it is not installed (or hidden by KILN_BENCH_NO_TORCH=1)."""
    if os.environ.get("KILN_BENCH_NO_TORCH", "") not in ("", "0"):
        return None
    try:
        import torch as _torch

        return _torch
    except Exception:
        return None


@functools.lru_cache(maxsize=1)
def cupy():
    """``cupy`` when it imports and a GPU answers, else None."""
    try:
        from engine.backend import cuda_available

        if not cuda_available():
            return None
        import cupy as _cupy

        return _cupy
    except Exception:
        return None


def torch_device(device: str):
    """The torch device string matching a bench device ("cpu" or "cuda"), or None when PyTorch cannot run
    there (not installed, or a CPU-only build asked for CUDA)."""
    t = torch()
    if t is None:
        return None
    if device.startswith("cuda"):
        return "cuda" if t.cuda.is_available() else None
    return "cpu"
