"""Shared helpers of the CUDA-twin tests: run a call on both twins, and find a real GPU or skip."""
import importlib

import pytest

import kernels


def both(fn, monkeypatch):
    """``fn()`` on the CPU twin, then again with the wrappers routed to ``kernels.cuda.*`` (under the
    CUDA simulator on NumPy arrays when no GPU answers)."""
    cpu = fn()
    monkeypatch.setattr(kernels, "_impl", lambda a, fam: importlib.import_module(f"kernels.cuda.{fam}"))
    try:
        gpu = fn()
    finally:
        monkeypatch.undo()
    return cpu, gpu


def cupy_or_skip():
    """The ``cupy`` module when a CUDA GPU answers; otherwise the test is skipped."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:
        pass
    pytest.skip("needs CuPy and a CUDA GPU")
