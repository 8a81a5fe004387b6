"""Lazy access to mpi4py: the one place in Kiln that imports it.

``import engine`` and ``import engine.distributed`` never import mpi4py; the first call that needs MPI does,
and a missing extra gives one clear error naming the install command.  Importing ``mpi4py.MPI`` initialises
MPI, which also works in a plain ``python`` process (a "singleton" of size 1, no ``mpiexec`` needed).
"""
from __future__ import annotations

import functools

INSTALL_HINT = "install the extra with `pip install -e \".[distributed]\"` (mpi4py plus the `mpich` wheel)"


@functools.lru_cache(maxsize=1)
def _load():
    try:
        from mpi4py import MPI
    except Exception as exc:  # ImportError, or an MPI library that fails to load
        return exc
    return MPI


def mpi_available() -> bool:
    """True when mpi4py imports and its MPI library loads."""
    return not isinstance(_load(), Exception)


def import_mpi():
    """The ``mpi4py.MPI`` module, or an ImportError saying how to install it."""
    mod = _load()
    if isinstance(mod, Exception):
        raise ImportError(f"engine.distributed: mpi4py is not usable ({mod}); {INSTALL_HINT}") from mod
    return mod
