"""Starting an MPI job from Python: find ``mpiexec`` and run ``mpiexec -n N python -m ...`` with a timeout.

Tests and benchmarks run in one process, so they spawn their multi-rank part through :func:`run_mpi`.  The
``mpiexec`` that belongs to this interpreter is preferred: the ``mpich`` wheel installs it next to
``sys.executable`` (a virtualenv's ``bin/``), and mixing an mpiexec from another MPI with the mpi4py in use
fails in confusing ways.  On one machine MPICH's Hydra starts ranks with fork and they talk through shared
memory; ``HYDRA_LAUNCHER=fork`` is set so that it never tries ssh.  On timeout the whole process group is
killed, so no orphaned rank is left behind.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path


def find_mpiexec() -> str | None:
    """Path of the ``mpiexec`` to use, or None when there is none."""
    here = Path(sys.executable).parent / "mpiexec"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("mpiexec")


def mpi_env(extra: dict | None = None) -> dict:
    """The environment for a local MPI job: this one, plus fork launching and ``extra``."""
    env = dict(os.environ)
    env.setdefault("HYDRA_LAUNCHER", "fork")
    env.update(extra or {})
    return env


def run_mpi(n: int, args: list[str], *, timeout: float, env: dict | None = None, cwd=None,
            mpiexec: str | None = None) -> subprocess.CompletedProcess:
    """Run ``mpiexec -n n <python> <args...>`` and return it (stdout/stderr captured as text).

    Raises FileNotFoundError when no mpiexec is found and subprocess.TimeoutExpired (after killing every
    process of the job) when it runs past ``timeout`` seconds.
    """
    mpiexec = mpiexec or find_mpiexec()
    if mpiexec is None:
        raise FileNotFoundError("no mpiexec found next to the Python interpreter or on PATH; "
                                "install the extra with `pip install -e \".[distributed]\"`")
    argv = [mpiexec, "-n", str(n), sys.executable, *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env=mpi_env(env), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(argv, timeout, output=out, stderr=err) from None
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)
