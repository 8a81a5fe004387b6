"""The device backend: the ONLY place in the engine that asks "numpy or cupy?".

A :class:`Device` names where arrays live ("cpu", "cuda", "cuda:1").  CuPy is optional and imported
lazily; without it every import works and asking for a CUDA device raises a clear error.
With ``KILN_SIMULATE_CUDA=1`` in the environment at the first use, ``engine/_cuda_sim.py`` (a NumPy-backed
stand-in for CuPy's array type, see its docstring) takes CuPy's place: this module is the only one that
imports it.
Everything else in the engine calls :func:`get_array_module` / :func:`device_of` / :func:`to_device`
instead of checking array types itself.
"""
from __future__ import annotations

import functools
import os

import numpy as np

__all__ = [
    "Device",
    "as_device",
    "cuda_available",
    "get_array_module",
    "device_of",
    "to_device",
    "to_numpy",
    "item",
    "raise_device_errors",
    "is_array",
    "CUDAUnavailableError",
    "scatter_add",
    "full",
]


class CUDAUnavailableError(RuntimeError):
    """Raised when a CUDA device is asked for on a machine without CuPy or a GPU."""


@functools.lru_cache(maxsize=1)
def _cupy():
    """Import CuPy once (or the simulated CUDA stand-in under ``KILN_SIMULATE_CUDA=1``), or return None when
    it is missing or broken."""
    if os.environ.get("KILN_SIMULATE_CUDA", "") not in ("", "0"):
        from engine import _cuda_sim

        return _cuda_sim
    try:
        import cupy  # noqa: F401

        return cupy
    except Exception:  # ImportError, or a CUDA runtime that fails to load
        return None


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """True only when CuPy imports AND at least one GPU answers."""
    cp = _cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


class Device:
    """Where a tensor's data lives: ``Device("cpu")``, ``Device("cuda")`` or ``Device("cuda:1")``.

    Equal devices compare equal to each other and to their string form (``Device("cuda") ==
    "cuda:0"``).  Constructing a CUDA device on a machine without CuPy or a GPU raises
    :class:`CUDAUnavailableError`.
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: "str | Device" = "cpu"):
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"Device: expected a string such as 'cpu' or 'cuda:0', got {type(spec).__name__}")
        name, _, idx = spec.strip().lower().partition(":")
        if name == "cpu" and idx.strip() in ("", "0"):  # "cpu:0" is the one CPU device, as in torch
            self.type, self.index = "cpu", None
        elif name in ("cuda", "gpu"):
            try:
                index = int(idx) if idx else 0
            except ValueError:
                raise ValueError(f"Device: bad CUDA device index in {spec!r}") from None
            if not cuda_available():
                raise CUDAUnavailableError(
                    f"Device({spec!r}): CUDA is not available (CuPy is not installed or no GPU answers); "
                    "install the extra with `pip install -e .[cuda]` on a GPU machine, or use 'cpu'"
                )
            count = _cupy().cuda.runtime.getDeviceCount()
            if not 0 <= index < count:
                raise ValueError(f"Device({spec!r}): index {index} out of range, this machine has {count} GPU(s)")
            self.type, self.index = "cuda", index
        else:
            raise ValueError(f"Device: unknown device {spec!r}; expected 'cpu', 'cuda' or 'cuda:N'")

    @property
    def xp(self):
        """The array module for this device: numpy or cupy."""
        return np if self.type == "cpu" else _cupy()

    def __str__(self) -> str:
        return "cpu" if self.type == "cpu" else f"cuda:{self.index}"

    def __repr__(self) -> str:
        return f"Device('{self}')"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = Device(other)
            except (ValueError, CUDAUnavailableError):
                return False
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = Device("cpu")


def as_device(device) -> Device:
    """Turn a string, a Device or None (meaning cpu) into a Device."""
    if device is None:
        return CPU
    return device if isinstance(device, Device) else Device(device)


def _on_device(x) -> bool:
    """True for a CuPy array (or the simulated stand-in, which is a NumPy subclass: hence the exact type test)."""
    if type(x) is np.ndarray:
        return False
    cp = _cupy()
    return cp is not None and isinstance(x, cp.ndarray)


def is_array(x) -> bool:
    """True for a numpy.ndarray or a cupy.ndarray."""
    return isinstance(x, np.ndarray) or _on_device(x)


def get_array_module(x):
    """numpy for NumPy arrays and Python scalars, cupy for CuPy arrays."""
    return _cupy() if _on_device(x) else np


def device_of(x) -> Device:
    """The device an array lives on."""
    return Device(f"cuda:{x.device.id}") if _on_device(x) else CPU


def to_device(x, device):
    """Copy ``x`` (array or array-like) to ``device``; returns the same array when it already lives there."""
    device = as_device(device)
    if device.type == "cpu":
        return to_numpy(x)
    cp = _cupy()
    with cp.cuda.Device(device.index):
        if _on_device(x) and x.device.id == device.index:
            return x
        return cp.asarray(x)


def to_numpy(x) -> np.ndarray:
    """A NumPy array for any array (copies from the GPU when needed; see :func:`raise_device_errors`)."""
    if _on_device(x):
        out = _cupy().asnumpy(x)
        raise_device_errors()
        return out
    return np.asarray(x)


def item(x):
    """The one element of array ``x`` as a Python scalar (a blocking read from the GPU when it lives there)."""
    v = x.reshape(-1)[0].item()
    if _on_device(x):
        raise_device_errors()
    return v


#: error-flag code (``kernels.LABEL_OUT_OF_RANGE``, ...) -> ``f(a, b)`` building the exception to raise;
#: the ops whose kernels flag bad data register theirs (engine/ops/softmax_ce.py).
DEVICE_ERRORS: dict = {}


def raise_device_errors() -> None:
    """Raise what GPU kernels flagged since the last read (``kernels.error_flags``: a label out of range...).

    Called right after every read from the device (:func:`to_numpy`, :func:`item`), which has waited for
    the kernels queued before it: kernels check data on the device instead of the host reading it every
    step, and the error surfaces here, at the next point the host synchronises anyway, as torch's
    device-side asserts do."""
    import kernels

    for code, a, b in kernels.take_device_errors():
        raise DEVICE_ERRORS[code](a, b)


def scatter_add(target, index, values) -> None:
    """``target[index] += values`` in place, adding repeated indexes up (np.add.at / cupyx.scatter_add)."""
    if not _on_device(target):
        np.add.at(target, index, values)
        return
    cp = _cupy()
    if hasattr(cp, "scatter_add"):  # the simulated stand-in carries cupyx's function itself
        cp.scatter_add(target, index, values)
        return
    import cupyx

    cupyx.scatter_add(target, index, values)


def index_add_rows(num: int, index, rows):
    """``out[index[i]] += rows[i]`` into zeros of ``(num,) + rows.shape[1:]`` (an embedding's weight gradient).

    On the CPU, 2-d rows are summed by sort-and-reduce (stable, so each row adds up in index order),
    far faster than ``np.add.at`` for many rows; elsewhere ``scatter_add``."""
    xp = get_array_module(rows)
    out = xp.zeros((num,) + tuple(rows.shape[1:]), dtype=rows.dtype)
    if _on_device(rows) or rows.ndim != 2:
        scatter_add(out, index, rows)
        return out
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    if sorted_index.size:
        starts = np.flatnonzero(np.r_[True, sorted_index[1:] != sorted_index[:-1]])
        out[sorted_index[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


def full(shape, fill_value, dtype, device):
    """A new array of ``shape`` filled with ``fill_value``, allocated directly on ``device``."""
    device = as_device(device)
    if device.type == "cpu":
        return np.full(shape, fill_value, dtype=dtype)
    cp = _cupy()
    with cp.cuda.Device(device.index):
        return cp.full(shape, fill_value, dtype=dtype)
