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

__all__ = ["tensor", "as_tensor", "is_tensor", "numel", "zeros", "ones", "full", "eye", "arange", "randn", "rand", "zeros_like", "ones_like", "full_like"]


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
    return _make(np.eye(n, m), dtype, device, requires_grad)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
    """Like torch.arange: integer arguments give int64 unless dtype= says otherwise, floats the default dtype."""
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None:
        dtype = np.int64 if np.issubdtype(arr.dtype, np.integer) else _float_or(None)
    return _make(arr, dtype, device, requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    gen = generator if generator is not None else np.random
    return _make(np.asarray(gen.standard_normal(_shape(shape))), dtype, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    gen = generator if generator is not None else np.random
    return _make(np.asarray(gen.random(_shape(shape))), dtype, device, requires_grad)


def _like(x, fill, dtype, device, requires_grad):
    dtype = dtype if dtype is not None else x.data.dtype
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


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python numbers, lists, arrays or a Tensor).

    Dtype rules (torch's): arrays, NumPy scalars and tensors keep their dtype (a float64 NumPy array
    stays float64); Python floats take the default dtype (float32), Python ints int64, bools bool.
    """
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_array(data):
        arr = data.copy()
        target = arr.dtype
    elif isinstance(data, np.generic):
        arr = np.array(data)
        target = arr.dtype
    else:
        arr = np.array(data)
        if arr.dtype == object:
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data")
        target = _python_data_dtype(arr)
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
