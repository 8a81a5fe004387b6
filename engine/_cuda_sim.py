"""A simulated CUDA device: a NumPy-backed stand-in for the narrow part of CuPy that Kiln uses.

With ``KILN_SIMULATE_CUDA=1`` set before the first import, ``engine.backend`` hands out this module in place
of ``cupy``; nothing else in Kiln imports it or knows its name.  It gives CI the whole GPU path (the
backend's CuPy branches, the dispatch to the Numba-CUDA twins, which then run under Numba's simulator,
device transfers and the fused optimiser updates) on a machine without a GPU.

What it provides, as CuPy spells it: ``ndarray`` (a NumPy subclass whose data "lives on the device"),
``asarray`` / ``array`` / ``ascontiguousarray`` (host -> device), ``asnumpy`` and ``ndarray.get()``
(device -> host), ``get_array_module``, ``scatter_add`` (cupyx's), ``cuda.Device``, ``cuda.Stream``,
``cuda.get_current_stream``, ``cuda.runtime.getDeviceCount``, and every other NumPy function or ufunc by
name (``xp.zeros``, ``xp.exp``, ``xp.random.random_sample`` ...), returning device arrays.

It behaves like CuPy where a silent host round trip would otherwise hide:

- every operation on device arrays returns device arrays, 0-d ones included (``x.sum()``, ``x[0]``), so a
  value reaches the host only through an explicit read;
- mixing a host ``numpy.ndarray`` into an operation on device arrays raises ``TypeError``, as CuPy does;
- host <-> device transfers are counted: ``h2d`` for each ``asarray`` / ``array`` / ``ascontiguousarray``
  of host data and each host value stored into a device array, ``d2h`` for each ``asnumpy`` / ``get`` and
  each blocking scalar read (``item``, ``float``, ``int``, ``bool``, ``tolist``).  Tests read them with
  :func:`transfer_counts` after :func:`reset_transfer_counts`.

Known limit: ``numpy.asarray(device_array)`` returns a host view silently (a subclass cannot refuse it),
where CuPy raises; the counters do not see it.  One simulated GPU (device 0) exists; ``cuda.Stream()`` makes
streams with distinct non-zero pointers that become current inside ``with stream:`` (the launch helper runs
the Numba twins on a simulator stream for each), and ``cuda.Stream.null`` is the default stream (pointer 0).
"""
from __future__ import annotations

import os
import sys

import numpy as np

# Numba's simulator must be on before numba.cuda is first imported (the CUDA twins run under it).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
if "numba" in sys.modules and "numba.cuda" not in sys.modules:
    from numba.core import config as _numba_config

    if not _numba_config.ENABLE_CUDASIM and os.environ["NUMBA_ENABLE_CUDASIM"] == "1":
        _numba_config.reload_config()

__all__ = [
    "ndarray", "asarray", "array", "ascontiguousarray", "asnumpy", "get_array_module", "scatter_add", "cuda",
    "transfer_counts", "reset_transfer_counts",
]

_counts = {"h2d": 0, "d2h": 0}


def transfer_counts() -> dict:
    """``{"h2d": n, "d2h": m}``: host<->device transfers since the last :func:`reset_transfer_counts`."""
    return dict(_counts)


def reset_transfer_counts() -> None:
    _counts["h2d"] = _counts["d2h"] = 0


def _host_array(a) -> bool:
    return type(a) is np.ndarray


def _refuse_host_arrays(name, args) -> None:
    """CuPy refuses NumPy arrays as operands of device operations; so does the stand-in."""
    for a in args:
        if isinstance(a, (list, tuple)):
            _refuse_host_arrays(name, a)
        elif _host_array(a):
            raise TypeError(f"{name}: a host numpy.ndarray of shape {a.shape} was mixed with simulated CUDA arrays; "
                            "move it to the device first (CuPy raises here too)")


def _device(x):
    """NumPy results as device arrays (scalars as 0-d arrays); anything else unchanged."""
    if type(x) is np.ndarray:
        return x.view(ndarray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(ndarray)
    if isinstance(x, tuple):
        return tuple(_device(v) for v in x)
    if isinstance(x, list):
        return [_device(v) for v in x]
    return x


def _plain(x):
    return x.view(np.ndarray) if isinstance(x, ndarray) else x


class _DeviceHandle:
    """What ``ndarray.device`` answers: CuPy's ``cuda.Device`` of the array (always device 0 here)."""

    id = 0

    def __repr__(self):
        return "<CUDA Device 0 (simulated)>"

    def __eq__(self, other):  # CuPy's Device objects compare by id
        return isinstance(other, _DeviceHandle) and other.id == self.id

    def __hash__(self):
        return hash(("cuda", self.id))


_DEVICE0 = _DeviceHandle()


def _reading_host(name, read):
    """The ``ndarray`` method ``name`` that counts one device-to-host transfer, then ``read``s the host view."""

    def method(self, *args):
        _counts["d2h"] += 1
        return read(self.view(np.ndarray), *args)

    method.__name__ = method.__qualname__ = name
    return method


class ndarray(np.ndarray):
    """An array in simulated device memory: NumPy underneath, CuPy's rules on top (see the module docstring)."""

    __kiln_device_array__ = True  # kernels/__init__.py dispatches arrays carrying this marker to the CUDA twins

    @property
    def device(self):
        return _DEVICE0

    def get(self, stream=None):
        _counts["d2h"] += 1
        return np.array(self.view(np.ndarray), copy=True)

    # Python values read from device memory: each is a device-to-host transfer, as with CuPy
    item, tolist, __float__, __int__, __index__, __bool__ = (
        _reading_host(name, read) for name, read in (
            ("item", np.ndarray.item), ("tolist", np.ndarray.tolist), ("__float__", float), ("__int__", int),
            ("__index__", np.ndarray.__index__), ("__bool__", bool)))

    def __getitem__(self, key):
        return _device(super().__getitem__(_plain_key(key)))

    def __setitem__(self, key, value):
        if _host_array(value) or isinstance(value, (list, tuple)):
            _counts["h2d"] += 1
        super().__setitem__(_plain_key(key), value)

    def __iter__(self):
        for i in range(self.shape[0] if self.ndim else 0):
            yield self[i]

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        _refuse_host_arrays(ufunc.__name__, inputs)
        if out is not None:
            _refuse_host_arrays(ufunc.__name__, out)
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = getattr(ufunc, method)(*(_plain(i) for i in inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _device(result)

    def __array_function__(self, func, types, args, kwargs):
        _refuse_host_arrays(func.__name__, args)
        return _device(func(*_plain_all(args), **{k: _plain_all(v) for k, v in kwargs.items()}))


def _plain_all(x):
    """Device arrays as plain NumPy views, inside lists and tuples too: NumPy functions run on those, so that
    the host temporaries they make internally (``tril``'s mask, ``einsum``'s contractions) mix freely, as the
    device temporaries of CuPy's own implementations do."""
    if isinstance(x, (list, tuple)):
        return type(x)(_plain_all(v) for v in x)
    return _plain(x)


def _plain_key(key):
    if isinstance(key, tuple):
        return tuple(_plain(k) for k in key)
    return _plain(key)


# ---- host <-> device ---------------------------------------------------------------------------------
def asarray(a, dtype=None, order=None):
    """``a`` on the device: the same array when it is already there (cast if ``dtype`` says so), else a copy."""
    if isinstance(a, ndarray):
        return a if dtype is None else a.astype(dtype, copy=False)
    _counts["h2d"] += 1
    return np.array(a, dtype=dtype, order=order or "K", copy=True).view(ndarray)


def array(a, dtype=None, copy=True, order="K", ndmin=0):
    if isinstance(a, ndarray):
        return np.array(a.view(np.ndarray), dtype=dtype, copy=copy, order=order, ndmin=ndmin).view(ndarray)
    _counts["h2d"] += 1
    return np.array(a, dtype=dtype, copy=True, order=order, ndmin=ndmin).view(ndarray)


def ascontiguousarray(a, dtype=None):
    if not isinstance(a, ndarray):
        _counts["h2d"] += 1
    return np.ascontiguousarray(_plain(a), dtype=dtype).view(ndarray)


def asnumpy(a, stream=None, out=None):
    """A host copy of a device array (NumPy input is returned as it is, as CuPy does)."""
    if not isinstance(a, ndarray):
        return np.asarray(a)
    _counts["d2h"] += 1
    if out is not None:
        out[...] = a.view(np.ndarray)
        return out
    return np.array(a.view(np.ndarray), copy=True)


def get_array_module(*args):
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else np


def scatter_add(a, slices, value) -> None:
    """cupyx.scatter_add: ``a[slices] += value`` with repeated indexes added up."""
    _refuse_host_arrays("scatter_add", (a, value))
    np.add.at(a.view(np.ndarray), _plain_key(slices), _plain(value))


# ---- every other NumPy name, device-flavoured ------------------------------------------------------
class _DeviceFunction:
    """A NumPy function or ufunc that refuses host arrays and returns device arrays; attributes pass through."""

    def __init__(self, fn, name):
        self._fn, self.__name__ = fn, name

    def __call__(self, *args, **kwargs):
        _refuse_host_arrays(self.__name__, args)
        return _device(self._fn(*_plain_all(args), **{k: _plain_all(v) for k, v in kwargs.items()}))

    def __getattr__(self, attr):
        inner = getattr(self._fn, attr)
        return _DeviceFunction(inner, f"{self.__name__}.{attr}") if callable(inner) else inner


class _Namespace:
    """``random`` / ``linalg``: NumPy's submodule with device-array results."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        obj = getattr(self._module, name)
        return _DeviceFunction(obj, name) if callable(obj) and not isinstance(obj, type) else obj


random = _Namespace(np.random)
linalg = _Namespace(np.linalg)
_wrapped = {}


def __getattr__(name):
    try:
        obj = getattr(np, name)
    except AttributeError:
        raise AttributeError(f"the simulated CuPy has no attribute {name!r}") from None
    if isinstance(obj, type) or not callable(obj):
        return obj  # dtypes, constants, np.dtype, np.finfo ...
    fn = _wrapped.get(name)
    if fn is None:
        fn = _wrapped[name] = _DeviceFunction(obj, name)
    return fn


# ---- cupy.cuda ---------------------------------------------------------------------------------------
class _Stream:
    """``cupy.cuda.Stream``: the null stream (pointer 0) or a created one with its own non-zero pointer.

    ``with stream:`` (or ``stream.use()``) makes it the current stream, as in CuPy, so that the kernel launch
    helper (kernels/cuda/_launch.py) runs the Numba twins on it; leaving the ``with`` block restores the
    stream that was current before.  Work is done eagerly on the host, so ``synchronize`` has nothing to wait
    for; the pointers only tell streams apart.
    """

    _next_ptr = 1

    def __init__(self, null=False, non_blocking=False, ptds=False):
        self.non_blocking = non_blocking
        if null:
            self.ptr = 0
        else:
            self.ptr = _Stream._next_ptr
            _Stream._next_ptr += 1
        self._previous = []

    def synchronize(self):
        pass

    def use(self):
        _Cuda._current = self
        return self

    def __enter__(self):
        self._previous.append(_Cuda._current)
        _Cuda._current = self
        return self

    def __exit__(self, *exc):
        _Cuda._current = self._previous.pop()
        return False

    def __repr__(self):
        return f"<simulated CUDA stream {self.ptr}>"


class _CudaDevice:
    """``cupy.cuda.Device(i)``: a context manager selecting a device (only 0 exists)."""

    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise ValueError(f"simulated CUDA: device {self.id} does not exist (one simulated GPU, index 0)")

    def use(self):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _Runtime:
    @staticmethod
    def getDeviceCount() -> int:
        return 1

    @staticmethod
    def deviceSynchronize() -> None:
        pass

    @staticmethod
    def runtimeGetVersion() -> int:
        return 0

    @staticmethod
    def driverGetVersion() -> int:
        return 0


class _Cuda:
    Device = _CudaDevice
    Stream = _Stream
    runtime = _Runtime()
    _current = None  # the null stream, set below

    @staticmethod
    def get_current_stream():
        return _Cuda._current


_Stream.null = _Cuda._current = _Stream(null=True)


cuda = _Cuda()
