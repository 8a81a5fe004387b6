"""DLPack: zero-copy exchange of arrays with NumPy, PyTorch, CuPy, JAX and every other DLPack library.

``engine.from_dlpack(obj)`` takes anything with ``__dlpack__`` / ``__dlpack_device__`` (a NumPy array,
a torch or CuPy tensor) or a DLPack capsule (``torch.utils.dlpack.to_dlpack(t)``) and returns a Kiln
Tensor over the *same memory*: writes on either side show on the other.  ``Tensor.__dlpack__`` /
``__dlpack_device__`` (and ``engine.to_dlpack(t)``, a capsule) go the other way, so
``torch.from_dlpack(t)`` and ``numpy.from_dlpack(t)`` share a Kiln tensor's memory.

CPU memory lands in NumPy, CUDA memory in CuPy; the array module comes from the device backend
(``Device(...).xp``), so a CUDA import on a machine without CuPy or a GPU raises its usual
``CUDAUnavailableError``.  On CUDA, CuPy negotiates the stream with the producer.

Decisions where DLPack leaves room (as PyTorch does):
- A tensor that requires grad is not exported (RuntimeError: ``detach()`` it first), and an imported
  tensor is a leaf without a graph.
- A legacy capsule (no read-only flag) imports writable, as ``torch.from_dlpack`` does; a versioned
  capsule marked read-only imports read-only.
- bfloat16 travels both ways as DLPack's bfloat code (``ml_dtypes.bfloat16`` on the CPU).
- Errors name the problem before anything is consumed: a capsule consumed twice, a device Kiln has no
  arrays for (ROCm, Metal, ...), a dtype Kiln lacks (float8, complex32, vector lanes).
"""
from __future__ import annotations

import ctypes

import numpy as np

from . import backend
from .tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]

_CPU, _CUDA, _CUDA_HOST = 1, 2, 3
_DEVICE_NAMES = {1: "CPU", 2: "CUDA", 3: "CUDA host (pinned)", 4: "OpenCL", 7: "Vulkan", 8: "Metal", 9: "VPI",
                 10: "ROCm", 11: "ROCm host", 12: "ext_dev", 13: "CUDA managed", 14: "oneAPI", 15: "WebGPU",
                 16: "Hexagon", 17: "MAIA"}
_INT, _UINT, _FLOAT, _BFLOAT, _COMPLEX, _BOOL = 0, 1, 2, 4, 5, 6
_CODE_NAMES = {0: "int", 1: "uint", 2: "float", 3: "opaque handle", 4: "bfloat", 5: "complex", 6: "bool"}
_LOW_PRECISION = {7: "float8_e3m4", 8: "float8_e4m3", 9: "float8_e4m3b11fnuz", 10: "float8_e4m3fn",
                  11: "float8_e4m3fnuz", 12: "float8_e5m2", 13: "float8_e5m2fnuz", 14: "float8_e8m0fnu", 15: "float6_e2m3fn",
                  16: "float6_e3m2fn", 17: "float4_e2m1fn"}
_SUPPORTED = {(_INT, 8), (_INT, 16), (_INT, 32), (_INT, 64), (_UINT, 8), (_UINT, 16), (_UINT, 32), (_UINT, 64),
              (_FLOAT, 16), (_FLOAT, 32), (_FLOAT, 64), (_BFLOAT, 16), (_COMPLEX, 64), (_COMPLEX, 128), (_BOOL, 8)}


# ---- reading a capsule's DLTensor header (dlpack.h) ------------------------------------------------
class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32), ("dtype", _DLDataType)]


_VERSIONED_OFFSET = 32  # DLManagedTensorVersioned: version (2 x u32), manager_ctx, deleter, flags (u64), dl_tensor
_LEGACY, _VERSIONED = b"dltensor", b"dltensor_versioned"
_capsule_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_IsValid", ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))
_capsule_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", ctypes.pythonapi))


def _is_capsule(obj) -> bool:
    return type(obj).__name__ == "PyCapsule"


def _header(capsule) -> _DLTensor:
    """The DLTensor inside an unconsumed DLPack capsule (legacy or versioned)."""
    for name, offset in ((_LEGACY, 0), (_VERSIONED, _VERSIONED_OFFSET)):
        if _capsule_is_valid(capsule, name):
            return _DLTensor.from_address(_capsule_pointer(capsule, name) + offset)
    name = _capsule_name(capsule)
    if name in (b"used_dltensor", b"used_dltensor_versioned"):
        raise ValueError("from_dlpack: this DLPack capsule was already consumed (a capsule can be imported only "
                         "once; export the tensor again with __dlpack__() / to_dlpack())")
    raise TypeError(f"from_dlpack: capsule named {name!r} is not a DLPack tensor capsule")


def _dtype_name(code: int, bits: int, lanes: int) -> str:
    if code in _LOW_PRECISION:
        name = _LOW_PRECISION[code]
    else:
        name = f"{_CODE_NAMES[code]}{bits}" if code in _CODE_NAMES else f"type code {code} ({bits} bits)"
    return name if lanes == 1 else f"{name}x{lanes}"


def _check_dtype(header: _DLTensor) -> None:
    dt = header.dtype
    if dt.lanes != 1 or (dt.code, dt.bits) not in _SUPPORTED:
        raise TypeError(f"from_dlpack: dtype {_dtype_name(dt.code, dt.bits, dt.lanes)} has no Kiln equivalent "
                        "(Kiln holds bool, int8-64, uint8-64, float16/32/64, bfloat16, complex64/128)")


def _bfloat16():
    try:
        import ml_dtypes
    except ImportError:
        raise TypeError("DLPack bfloat16 needs the ml_dtypes package (pip install ml_dtypes)") from None
    return np.dtype(ml_dtypes.bfloat16)


class _CapsuleSource:
    """Hands a capsule we already hold to the array library's ``from_dlpack``."""

    def __init__(self, capsule, device):
        self.capsule, self.device = capsule, device

    def __dlpack__(self, **_):
        return self.capsule

    def __dlpack_device__(self):
        return self.device


class _Writable:
    """An ``__array_interface__`` over an imported array's memory, so a legacy capsule imports writable."""

    def __init__(self, arr):
        self.keep = arr  # the capsule-owning array stays alive as long as the view
        self.__array_interface__ = {"data": (arr.ctypes.data, False), "shape": arr.shape,
                                    "strides": arr.strides, "typestr": arr.dtype.str, "version": 3}


def _device(obj):
    if hasattr(obj, "__dlpack_device__"):
        dev_type, dev_id = obj.__dlpack_device__()
        return int(dev_type), int(dev_id)
    header = _header(obj)
    return int(header.device.device_type), int(header.device.device_id)


# ---- the public functions ------------------------------------------------------------------------
def from_dlpack(obj) -> Tensor:
    """A Tensor sharing ``obj``'s memory (see the module docstring).  ``obj``: an object with
    ``__dlpack__`` (NumPy, torch, CuPy, JAX arrays...) or a DLPack capsule."""
    if isinstance(obj, Tensor):
        return Tensor._wrap(obj.array)
    if not (hasattr(obj, "__dlpack__") or _is_capsule(obj)):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ (a NumPy array, a torch or CuPy tensor) "
                        f"or a DLPack capsule, got {type(obj).__name__}")
    dev_type, dev_id = _device(obj)
    if dev_type == _CUDA:
        xp = backend.Device(f"cuda:{dev_id}").xp  # CUDAUnavailableError without CuPy or a GPU
        return Tensor._wrap(xp.from_dlpack(_CapsuleSource(obj, (dev_type, dev_id)) if _is_capsule(obj) else obj))
    if dev_type not in (_CPU, _CUDA_HOST):
        raise ValueError(f"from_dlpack: unsupported device {_DEVICE_NAMES.get(dev_type, 'unknown')} "
                         f"(DLPack device type {dev_type}, id {dev_id}); Kiln holds arrays on the CPU and on CUDA GPUs")
    legacy = _is_capsule(obj) and _capsule_is_valid(obj, _LEGACY)
    capsule = obj if _is_capsule(obj) else _export_capsule(obj)
    header = _header(capsule)
    _check_dtype(header)
    bf16 = header.dtype.code == _BFLOAT
    if bf16:
        header.dtype.code = _UINT  # NumPy reads the bits as uint16; they are viewed as bfloat16 below
    arr = np.from_dlpack(_CapsuleSource(capsule, (dev_type, dev_id)))
    if legacy:
        arr = np.asarray(_Writable(arr))
    return Tensor._wrap(arr.view(_bfloat16()) if bf16 else arr)


def _export_capsule(obj):
    """A capsule from ``obj.__dlpack__``, versioned when the producer speaks DLPack 1.0 (it carries the
    read-only flag), legacy otherwise."""
    try:
        return obj.__dlpack__(max_version=(1, 0))
    except TypeError:  # a producer from before DLPack 1.0 takes no max_version
        return obj.__dlpack__()


def to_dlpack(tensor: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule over ``tensor``'s memory (``Tensor.__dlpack__``; arguments as the array API)."""
    if tensor.requires_grad:
        raise RuntimeError("to_dlpack: cannot export a tensor that requires grad; use tensor.detach() first")
    data = tensor.array
    kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version), ("dl_device", dl_device),
                                ("copy", copy)) if v is not None}
    bf16 = data.dtype.name == "bfloat16"
    capsule = (data.view(np.uint16) if bf16 else data).__dlpack__(**kwargs)
    if bf16:
        _header(capsule).dtype.code = _BFLOAT
    return capsule
