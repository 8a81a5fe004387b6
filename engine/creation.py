"""Tensor factories: ``tensor`` (with the dtype rules), ``as_tensor``, zeros, ones, full, eye, arange, randn, rand and the ``*_like`` forms.

Defaults follow torch: floating factories make the default dtype (``engine.get_default_dtype()``,
float32 unless changed) on the CPU unless ``dtype=``/``device=`` say otherwise; ``full`` infers the
dtype from its fill value (an int gives int64, a bool bool), as torch.  ``dtype=`` takes any spelling
(``engine.float64``, ``"float64"``, ``np.float64``).  Random
factories draw from NumPy's global generator unless a ``numpy.random.Generator`` is passed as
``generator=`` (then results are reproducible whatever else draws numbers).
"""
from __future__ import annotations

import numpy as np

from . import backend, dtypes
from .backend import to_device
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "zeros", "ones", "full", "eye", "arange", "randn", "rand", "zeros_like", "ones_like",
           "full_like", "empty", "empty_like", "rand_like", "randn_like", "randint", "randint_like", "randperm",
           "linspace", "logspace", "meshgrid", "from_numpy", "is_tensor", "numel"]


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _leaf(arr, requires_grad):
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def _float_or(dtype) -> np.dtype:
    return dtypes.to_numpy_dtype(dtype) if dtype is not None else dtypes.get_default_dtype().dtype


def _make(arr, dtype, device, requires_grad):
    """A leaf over NumPy-made ``arr`` cast to ``dtype`` (the default dtype by default), on ``device``."""
    arr = arr.astype(_float_or(dtype), copy=False)
    if device is not None:
        arr = to_device(arr, device)
    return _leaf(arr, requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of ``shape`` filled with ``fill_value``, made on ``device``; without ``dtype=`` the dtype
    follows the fill value as torch's (bool -> bool, int -> int64, float -> the default dtype)."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else _shape(shape)
    if dtype is None:
        dtype = dtypes.result_type(fill_value.item() if hasattr(fill_value, "item") else fill_value)
    arr = backend.full(shape, fill_value, dtypes.to_numpy_dtype(dtype), device)
    return _leaf(arr, requires_grad)


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros (the default dtype unless dtype= says otherwise); ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return full(_shape(shape), 0, _float_or(dtype), device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of ones (the default dtype unless dtype= says otherwise); ``ones(2, 3)`` or ``ones((2, 3))``."""
    return full(_shape(shape), 1, _float_or(dtype), device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The (n, m) identity matrix (m defaults to n); float32 unless dtype= says otherwise."""
    if int(n) < 0 or (m is not None and int(m) < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _make(np.eye(int(n), None if m is None else int(m)), dtype, device, requires_grad)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
    """Like torch.arange: integer arguments give int64 unless dtype= says otherwise, floats the default dtype."""
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None:
        dtype = np.int64 if np.issubdtype(arr.dtype, np.integer) else _float_or(None)
    return _make(arr, dtype, device, requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples; ``generator``: an ``engine.Generator`` (see engine.random)."""
    from .random import rng_of

    return _make(np.asarray(rng_of(generator).standard_normal(_shape(shape))), dtype, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1); ``generator``: an ``engine.Generator`` (see engine.random)."""
    from .random import rng_of

    return _make(np.asarray(rng_of(generator).random(_shape(shape))), dtype, device, requires_grad)


def _like(x, fill, dtype, device, requires_grad):
    dtype = dtype if dtype is not None else x.array.dtype
    t = full(x.shape, fill, dtype=dtype, device=device if device is not None else x.device)
    return t.requires_grad_(True) if requires_grad else t


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, 0, dtype, device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, 1, dtype, device, requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return _like(x, fill_value, dtype, device, requires_grad)


def _python_data_dtype(arr: np.ndarray):
    """Python data: floats take the default dtype, ints int64, complex the default complex."""
    if arr.dtype.kind == "f":
        return dtypes.get_default_dtype().dtype
    if arr.dtype.kind == "c":
        return np.dtype(np.complex128 if dtypes.get_default_dtype().dtype == np.float64 else np.complex64)
    if arr.dtype.kind in "iu":
        return np.dtype(np.int64)
    return arr.dtype


# ---- torch factories added with the torch-ops work (empty, random integers, grids) ----------------
def empty(*shape, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor in torch; here zero-filled (the same shape and dtype, never garbage)."""
    return zeros(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False):
    return _like(x, 0, dtype, device, requires_grad)


def _random_like(fn, x, dtype, device, requires_grad, generator):
    dtype = dtype if dtype is not None else x.dtype
    if np.dtype(dtype).kind not in "fc":
        raise RuntimeError(f"{fn.__name__}_like: expected a floating dtype, got {np.dtype(dtype)}")
    return fn(*x.shape, dtype=dtype, device=device if device is not None else x.device,
              requires_grad=requires_grad, generator=generator)


def rand_like(x, dtype=None, device=None, requires_grad=False, generator=None):
    return _random_like(rand, x, dtype, device, requires_grad, generator)


def randn_like(x, dtype=None, device=None, requires_grad=False, generator=None):
    return _random_like(randn, x, dtype, device, requires_grad, generator)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """``randint(high, size)`` or ``randint(low, high, size)``: int64 uniform in [low, high)."""
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)):
            raise TypeError("randint: give size, e.g. randint(0, 10, (3,)) or randint(10, size=(3,))")
        args, size = args[:-1], args[-1]
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(f"randint: expected (high, size) or (low, high, size), got {len(args)} bounds")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    from .random import rng_of

    rng = rng_of(generator)
    shape = _shape((size,)) if isinstance(size, (tuple, list)) else (int(size),)
    draw = rng.integers(low, high, shape) if isinstance(rng, np.random.Generator) else \
        rng.randint(low, high, shape, dtype=np.int64)
    return _make(np.asarray(draw), dtype if dtype is not None else np.int64, device, requires_grad)


def randint_like(x, low=0, high=None, dtype=None, device=None, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(x.shape), generator=generator, dtype=dtype if dtype is not None else x.dtype,
                   device=device if device is not None else x.device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64)."""
    if int(n) < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    from .random import rng_of

    return _make(np.asarray(rng_of(generator).permutation(int(n))), dtype if dtype is not None else np.int64,
                 device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32 by default)."""
    if int(steps) < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    return _make(np.linspace(start, end, int(steps)), dtype, device, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    if int(steps) < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    return _make(np.logspace(start, end, int(steps), base=base), dtype, device, requires_grad)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors; ``indexing="ij"`` (torch's default) or ``"xy"``.

    Each grid is a broadcast of its input, so gradients flow back (summed over the other axes)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [as_tensor(t) for t in tensors]
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-d or 1-d tensors, got shape {t.shape}")
    ts = [t.reshape(-1) for t in ts]
    shape = [t.shape[0] for t in ts]
    order = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
        order[0], order[1] = 1, 0
    out = []
    for i, t in enumerate(ts):
        axis = order.index(i)
        view = [1] * len(ts)
        view[axis] = t.shape[0]
        out.append(t.reshape(tuple(view)).broadcast_to(tuple(shape)))
    return tuple(out)


def from_numpy(arr) -> Tensor:
    """A tensor sharing memory with the NumPy array ``arr`` (dtype kept, as torch.from_numpy)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(arr).__name__}")
    return Tensor._wrap(arr)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python numbers, lists, arrays or a Tensor).

    Dtype rules (torch's): arrays, NumPy scalars and tensors keep their dtype (a float64 NumPy array
    stays float64); Python floats take the default dtype (float32), Python ints int64, bools bool.
    """
    if isinstance(data, Tensor):
        data = data.array
    if backend.is_array(data):
        arr = data.copy()
        target = arr.dtype
    elif isinstance(data, np.generic):
        arr = np.array(data)
        target = arr.dtype
    else:
        arr = np.array(data)
        target = _python_data_dtype(arr)
    if arr.dtype.kind in "OUSVMm":  # object, str, bytes, void, datetime: not numbers
        raise TypeError(
            f"tensor: cannot make a tensor from {type(data).__name__} data of dtype {arr.dtype}; "
            "expected numbers or bools (or an array of a numeric dtype)"
        )
    if dtype is not None:
        target = dtypes.to_numpy_dtype(dtype)
    if arr.dtype != target:
        arr = arr.astype(target)
    if device is not None:
        arr = backend.to_device(arr, device)
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(x, dtype=None) -> Tensor:
    """``x`` itself when it is a Tensor, else a constant tensor over it (arrays are not copied and keep
    their dtype unless ``dtype`` is given; Python scalars follow :func:`tensor`'s rules)."""
    if isinstance(x, Tensor):
        return x
    if backend.is_array(x):
        return Tensor._wrap(x if dtype is None else x.astype(dtypes.to_numpy_dtype(dtype), copy=False))
    return tensor(x, dtype=dtype)


def is_tensor(obj) -> bool:
    """True for an engine Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def numel(x) -> int:
    """The number of elements of a tensor."""
    return x.numel()
