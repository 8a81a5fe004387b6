"""``engine.accelerator``: torch.accelerator's device-agnostic questions, answered for Kiln's one accelerator
type, CUDA (a real GPU through CuPy, or the simulated CUDA device under ``KILN_SIMULATE_CUDA=1``).

``is_available()``, ``current_accelerator(check_available=False)``, ``device_count()``,
``current_device_index()``, ``synchronize(device=None)``.  All of them ask :mod:`engine.cuda`, which asks
:mod:`engine.backend`.

Decision: torch's ``current_accelerator()`` names the accelerator torch was *built* for even where no
device answers (``check_available=False``).  Kiln has no build-time accelerator, and ``engine.device("cuda")``
cannot be made where no GPU answers, so ``current_accelerator()`` returns ``engine.device("cuda")`` only when
CUDA is available and None otherwise, whatever ``check_available`` says.  The usual idiom

    device = engine.accelerator.current_accelerator() if engine.accelerator.is_available() else "cpu"

works unchanged.
"""
from __future__ import annotations

from . import cuda
from . import backend

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "synchronize"]


def is_available() -> bool:
    """True only where an accelerator answers (a CUDA GPU, or the simulated CUDA device)."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``engine.device("cuda")`` where CUDA is available, else None (see the module docstring)."""
    return backend.Device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """How many accelerator devices answer (0 without one)."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device; raises ``CUDAUnavailableError`` without one."""
    return cuda.current_device()


def synchronize(device=None) -> None:
    """Wait for every kernel queued on ``device`` (default: the current one) to finish."""
    cuda.synchronize(device)
