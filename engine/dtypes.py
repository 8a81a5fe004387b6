"""Dtype objects (``engine.float32``, ``engine.int64``, ...) and torch's type promotion.

A :class:`dtype` is a thin named wrapper around a NumPy dtype.  It works wherever a dtype does:
``engine.zeros(3, dtype=engine.float64)``, ``x.to(engine.int32)``, and also in NumPy/CuPy calls
(``np.zeros(3, dtype=engine.float32)``), because it carries NumPy's ``.dtype`` attribute protocol.
It compares equal to the matching NumPy dtype, scalar type and name (``x.dtype == engine.float32``,
``x.dtype == np.float32`` and ``x.dtype == "float32"`` all hold) and hashes like the NumPy dtype, so
either may key a dict.  Attributes it does not define (``kind``, ``itemsize``, ``type``) come from the
NumPy dtype.  ``bfloat16`` needs the ``ml_dtypes`` package on the CPU; without it, using it raises.

Promotion follows torch (``torch.result_type``): operands fall in three tiers — tensors with at
least one dimension, 0-d tensors, Python scalars — and a lower tier only changes the result when it
brings a higher category (bool < integer < floating < complex).  A Python float becomes the default
dtype (float32 unless :func:`set_default_dtype` says otherwise), a Python int int64.  So float32 +
float64 -> float64, int64 tensor + 2.5 -> float32, float32 tensor + float64 0-d tensor -> float32,
int16 tensor + 7 -> int16.  Mixing an integer and a float dtype gives the float one (int64 +
float16 -> float16), and float16 + bfloat16 -> float32, as in torch.
"""
from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "dtype",
    "as_dtype",
    "to_numpy_dtype",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
    "is_floating_dtype",
]


class dtype:  # noqa: N801  (torch's name)
    """A tensor element type; see the module docstring."""

    __slots__ = ("name", "dtype", "is_floating_point", "is_complex", "is_signed")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self.dtype = np_dtype  # NumPy's dtype-attribute protocol: np.dtype(engine.float32) works
        kind = np_dtype.kind
        self.is_floating_point = kind == "f" or name == "bfloat16"
        self.is_complex = kind == "c"
        self.is_signed = kind in "ifc" or name == "bfloat16"

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(builtins.object.__getattribute__(self, "dtype"), attr)

    def __eq__(self, other):
        if other is self:
            return True
        if isinstance(other, dtype):
            return False
        try:
            return self.dtype == np.dtype(other)
        except (TypeError, ValueError):
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self) -> str:
        return f"engine.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        return (as_dtype, (self.name,))


def _bfloat16_numpy():
    try:
        import ml_dtypes
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
_BY_NAME: dict = {n: dtype(n, np.dtype(n)) for n in _NAMES}
_BY_NP: dict = {d.dtype: d for d in _BY_NAME.values()}
_BF16_NP = _bfloat16_numpy()


class _MissingBFloat16(dtype):
    """``engine.bfloat16`` when ml_dtypes is missing: naming it works, using it raises."""

    __slots__ = ()

    def __init__(self):
        self.name, self.is_floating_point, self.is_complex, self.is_signed = "bfloat16", True, False, True

    @property
    def dtype(self):  # noqa: D401
        raise TypeError("bfloat16 needs the ml_dtypes package on the CPU (pip install ml_dtypes)")


if _BF16_NP is not None:
    _BY_NAME["bfloat16"] = dtype("bfloat16", _BF16_NP)
    _BY_NP[_BF16_NP] = _BY_NAME["bfloat16"]
else:
    _BY_NAME["bfloat16"] = _MissingBFloat16()

# torch's short names
_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "short": "int16", "int": "int32",
            "long": "int64", "cfloat": "complex64", "cdouble": "complex128"}


# torch's casting methods (``x.float()``, ``x.long()``, ``module.double()``): {method name: the dtype it casts to}
CAST_METHODS = {"float": np.float32, "double": np.float64, "half": np.float16, "bfloat16": _BY_NAME["bfloat16"],
                "int": np.int32, "long": np.int64, "short": np.int16, "char": np.int8, "byte": np.uint8,
                "bool": np.bool_}


def cast_method(name):
    """The method ``name(self)`` that is ``self.to(dtype=CAST_METHODS[name])`` (a Tensor's or a Module's)."""
    target = CAST_METHODS[name]

    def cast(self):
        return self.to(dtype=target)

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"``self.to(dtype={getattr(target, '__name__', None) or target.name})`` (torch's ``.{name}()``)."
    return cast


def as_dtype(d) -> dtype:
    """The engine dtype for an engine dtype, a NumPy dtype or scalar type, or a name ("float32", "long")."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str):
        name = d[7:] if d.startswith("engine.") else d
        name = _ALIASES.get(name, name)
        if name in _BY_NAME:
            return _BY_NAME[name]
    if d is builtins.float:
        return get_default_dtype()
    if d is builtins.int:
        return _BY_NAME["int64"]
    if d is builtins.bool:
        return _BY_NAME["bool"]
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"dtype: {d!r} is not a dtype (expected e.g. engine.float32 or 'float32')") from None
    found = _BY_NP.get(npd)
    if found is None:  # a NumPy dtype torch has no name for (uint16, ...): wrap it under NumPy's name
        found = _BY_NP[npd] = dtype(npd.name, npd)
    return found


def to_numpy_dtype(d) -> np.dtype:
    """The NumPy dtype behind any dtype spelling (see :func:`as_dtype`)."""
    if d.__class__ is np.dtype:
        return d
    return as_dtype(d).dtype


_default = [_BY_NAME["float32"]]


def get_default_dtype() -> dtype:
    """The dtype of Python floats turned into tensors (float32 unless set_default_dtype changed it)."""
    return _default[0]


def set_default_dtype(d) -> None:
    """Set the default floating-point dtype (a floating dtype only, as torch)."""
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def is_floating_dtype(npd) -> bool:
    """True for a floating NumPy dtype (bfloat16 included)."""
    return npd.kind == "f" or npd == _BF16_NP


# ---- promotion --------------------------------------------------------------------------------
def _category(npd) -> int:
    k = npd.kind
    if k == "b":
        return 0
    if k in "iu":
        return 1
    if k == "c":
        return 3
    return 2  # "f", and bfloat16 (kind "V")


def promote_types(a, b) -> np.dtype:
    """torch.promote_types on NumPy dtypes: a float beats any integer, float16 + bfloat16 -> float32."""
    a, b = to_numpy_dtype(a), to_numpy_dtype(b)
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb and builtins.max(ca, cb) == 2:
        return a if ca == 2 else b
    if _BF16_NP is not None and (a == _BF16_NP or b == _BF16_NP):
        other = b if a == _BF16_NP else a
        if _category(other) == 2:
            return np.dtype(np.float32) if other.itemsize <= 2 else other
        if _category(other) == 3:
            return other
        return _BF16_NP
    return np.promote_types(a, b)


def _combine(higher, lower):
    """torch's combine_categories: the higher tier's dtype unless the lower one brings a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _category(higher), _category(lower)
    if ch >= cl:
        return higher
    if ch == 2 and cl == 3:  # float tensor, complex scalar: complex of the float's width
        return np.dtype(np.complex128) if higher.itemsize >= 8 else np.dtype(np.complex64)
    return promote_types(higher, lower) if cl == 2 and ch < 2 else lower


def _scalar_dtype(x) -> np.dtype:
    if isinstance(x, builtins.bool) or isinstance(x, np.bool_):
        return np.dtype(np.bool_)
    if isinstance(x, (builtins.int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(x, (builtins.complex, np.complexfloating)):
        return np.dtype(np.complex128) if get_default_dtype().dtype == np.float64 else np.dtype(np.complex64)
    return get_default_dtype().dtype


def result_type(*operands) -> np.dtype:
    """torch.result_type over raw arrays (by ndim: >0-d and 0-d tiers) and Python scalars."""
    dim = zero = wrapped = None
    for x in operands:
        npd = getattr(x, "dtype", None)
        if npd is None or not hasattr(x, "ndim"):
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
        elif x.ndim == 0:
            zero = npd if zero is None else promote_types(zero, npd)
        else:
            dim = npd if dim is None else promote_types(dim, npd)
    return _combine(dim, _combine(zero, wrapped))
