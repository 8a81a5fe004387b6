"""``engine.cuda``: the part of ``torch.cuda`` that programs call to find and drive the GPU.

``is_available()``, ``device_count()``, ``current_device()``, ``set_device(device)``, ``synchronize(device=None)``,
``manual_seed(seed)``, ``manual_seed_all(seed)``.  Everything asks :mod:`engine.backend` (the only module
that knows about CuPy, or about the simulated CUDA device under ``KILN_SIMULATE_CUDA=1``); this module never
imports CuPy itself: it reaches CuPy's module as ``Device("cuda:i").xp``.

Decisions where torch's behaviour depends on how torch was built (Kiln has no "compiled with CUDA" notion):

- ``manual_seed``/``manual_seed_all`` on a machine without CUDA do nothing and return None, as torch does
  (torch queues them lazily and drops them when CUDA never starts).  With CUDA they seed CuPy's generator of
  the current device / of every device: the one that draws Kiln's on-device random numbers when no
  ``generator=`` is given (dropout masks, for instance).  Host-drawn numbers (``engine.randn`` ...) are not
  touched, as in torch, where ``torch.cuda.manual_seed`` leaves the CPU generator alone.
- ``current_device()`` and ``synchronize()`` without CUDA raise :class:`engine.CUDAUnavailableError`
  (a ``RuntimeError``, the type torch raises there) with a message saying why.
"""
from __future__ import annotations

import operator

from . import backend
from .backend import CUDAUnavailableError, Device, as_device

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "manual_seed",
           "manual_seed_all"]


def is_available() -> bool:
    """True only when a CUDA GPU answers (or the simulated CUDA device is on)."""
    return backend.cuda_available()


def _runtime_module():
    """CuPy's module (or the simulator's stand-in), obtained through the backend's Device."""
    return Device("cuda").xp


def device_count() -> int:
    """How many CUDA GPUs answer: 0 where CUDA is not available."""
    if not backend.cuda_available():
        return 0
    return int(_runtime_module().cuda.runtime.getDeviceCount())


def _require(op: str) -> None:
    if not backend.cuda_available():
        raise CUDAUnavailableError(
            f"engine.cuda.{op}: CUDA is not available (CuPy is not installed or no GPU answers); "
            "check engine.cuda.is_available() first"
        )


def current_device() -> int:
    """The index of the CUDA device that CuPy's current-device context selects."""
    _require("current_device")
    return int(_runtime_module().cuda.Device().id)


def _index(op: str, device) -> int:
    """The CUDA index meant by ``device`` (None: the current one; an int; "cuda:1"; a Device)."""
    if device is None:
        return current_device()
    if isinstance(device, int) and not isinstance(device, bool):
        index = device
    else:
        dev = as_device(device)
        if dev.type != "cuda":
            raise ValueError(f"engine.cuda.{op}: expected a CUDA device, got {dev}")
        index = dev.index
    count = device_count()
    if not 0 <= index < count:
        raise ValueError(f"engine.cuda.{op}: device index {index} out of range, this machine has {count} GPU(s)")
    return index


def set_device(device) -> None:
    """Make ``device`` (an int, "cuda:1" or a Device) CuPy's current device, as ``torch.cuda.set_device``:
    kernels and new arrays without an explicit device go there (one GPU per rank in distributed runs)."""
    _require("set_device")
    _runtime_module().cuda.Device(_index("set_device", device)).use()


def synchronize(device=None) -> None:
    """Wait until every kernel queued on ``device`` (default: the current CUDA device) has finished."""
    _require("synchronize")
    index = _index("synchronize", device)
    xp = _runtime_module()
    with xp.cuda.Device(index) as dev:
        dev.synchronize()


def _check_seed(op: str, seed) -> int:
    """``seed`` as an unsigned 64-bit value; integers only (an int, a NumPy integer, a bool)."""
    try:
        value = operator.index(seed)
    except TypeError:
        raise TypeError(f"engine.cuda.{op}: seed must be an integer, got {seed!r}") from None
    # torch takes any int in [-2**63, 2**64) and reads a negative one as its unsigned 64-bit twin
    if not -(2**63) <= value < 2**64:
        raise ValueError(f"engine.cuda.{op}: seed {value} is outside [-2**63, 2**64)")
    return value % 2**64


def _seed_device(index: int, seed: int) -> None:
    xp = _runtime_module()
    with xp.cuda.Device(index):
        xp.random.seed(seed % 2**32)  # CuPy's generator takes an unsigned 32-bit seed here


def manual_seed(seed) -> None:
    """Seed the random generator of the current CUDA device; nothing happens without CUDA (as torch)."""
    value = _check_seed("manual_seed", seed)
    if backend.cuda_available():
        _seed_device(current_device(), value)


def manual_seed_all(seed) -> None:
    """Seed the random generator of every CUDA device; nothing happens without CUDA (as torch)."""
    value = _check_seed("manual_seed_all", seed)
    for index in range(device_count()):
        _seed_device(index, value)
