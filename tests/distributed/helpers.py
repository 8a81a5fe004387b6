"""Shared by the distributed tests: skip without mpi4py/mpiexec, run a job under ``mpiexec -n 2``, load results."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from engine.distributed import mpi_available
from engine.distributed.launch import find_mpiexec, run_mpi

ROOT = Path(__file__).resolve().parents[2]
NPROCS = 2


def require_mpi() -> None:
    if not mpi_available():
        pytest.skip("mpi4py is not importable: install the `distributed` extra (pip install -e \".[distributed]\")")
    if find_mpiexec() is None:
        pytest.skip("mpi4py imports but no mpiexec was found next to the interpreter or on PATH")


def run_job(module: str, job: str, outdir, *options: str, timeout: float = 60, env=None):
    """Run ``python -m module job outdir options...`` on NPROCS ranks; returns (completed process, seconds)."""
    require_mpi()
    start = time.monotonic()
    proc = run_mpi(NPROCS, ["-m", module, job, str(outdir), *options], timeout=timeout, cwd=ROOT,
                   env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **(env or {})})
    return proc, time.monotonic() - start


def load_ranks(outdir) -> list[dict]:
    return [dict(np.load(Path(outdir) / f"rank{r}.npz")) for r in range(NPROCS)]
