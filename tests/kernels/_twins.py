"""Shared helpers of the CUDA-twin tests: run a call on both twins, and find a real GPU or skip."""
import importlib

import pytest

import kernels


def both(fn, monkeypatch):
    """``fn()`` on the CPU twin, then again with the wrappers routed to ``kernels.cuda.*`` (under the
    CUDA simulator on NumPy arrays when no GPU answers) and the CPU-only convolution paths off, as on
    a GPU."""
    cpu = fn()
    route_to_cuda_twins(monkeypatch)
    try:
        gpu = fn()
    finally:
        monkeypatch.undo()
    return cpu, gpu


def route_to_cuda_twins(monkeypatch):
    """Send the wrappers to ``kernels.cuda.*`` even for NumPy arrays (the CPU-only conv paths are the CPU
    twin's, so they are off too)."""
    monkeypatch.setattr(kernels, "_impl", lambda a, fam: importlib.import_module(f"kernels.cuda.{fam}"))


def cupy_or_skip():
    """The ``cupy`` module when a CUDA GPU answers; otherwise the test is skipped."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:
        pass
    pytest.skip("needs CuPy and a CUDA GPU")
