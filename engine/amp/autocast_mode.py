"""``autocast``: run chosen ops in float16 / bfloat16 inside a region, as ``torch.autocast`` does.

How it works (the one hook point).  ``Function.apply`` (engine/function.py) starts with one check of a
module global that is None unless some thread has an autocast region open; then it hands the call to
:func:`_dispatch` here, which reads this thread's state and the op's row in
:mod:`engine.amp.policy` (keyed by the ``Function`` class name) and decides:

- a ``"lower"`` op (matmul, linear, conv): every floating input except float64 is cast to the low
  dtype, the op computes, its floating outputs are the low dtype;
- an ``"fp32"`` op (losses; on CUDA also softmax, exp/log, sums, layer norm): low-dtype inputs are cast
  to float32 and the op computes in float32;
- an ``"input"`` op (batch norm, layer norm) computes in float32 and returns the dtype of its input;
- a ``"keep"`` op (``astype``, reshapes, indexing) runs untouched: an explicit dtype wins;
- any other op with a low-dtype input runs in its inputs' dtype (a mix with float32 promotes to
  float32, as torch's type promotion does).

Every cast is the differentiable ``astype`` op, so parameters stay float32 leaves and their gradients
arrive in float32.  Nothing changes inside any op: an op lives in one place.

Low precision is emulated, on the CPU and on CUDA alike: the inputs are rounded to the low dtype, the
op computes in float32 on the rounded values (NumPy's BLAS and the Numba kernels take no
float16/bfloat16 arrays, ``ml_dtypes.bfloat16`` included), and its output is rounded to the low dtype.
That is what the hardware does too (low-precision operands, float32 accumulation, a low-precision
result), so results and dtypes are those of a native low-precision op; only the speed is not.

As in torch: the state is per thread and per device type (``autocast("cpu")`` leaves CUDA tensors
alone), regions nest (an inner ``enabled=False`` switches it off), the float32 -> low casts of leaf
tensors that require grad (the parameters) are cached until the outermost region exits
(``cache_enabled``; unlike torch, a parameter updated in place inside the region is cast again),
and ``backward`` belongs outside the region (inside it, the backward's own ops are autocast too).
``autocast("cuda")`` without a usable GPU warns and does nothing, as torch's does.  On a real GPU,
bfloat16 needs CuPy to hold bfloat16 arrays, which it does not: use float16 (torch's CUDA default).
"""
from __future__ import annotations

import functools
import threading
import warnings

import numpy as np

from .. import backend
from .. import function as _function
from .. import grad_mode
from ..ops.shape import astype
from ..tensor import Tensor
from .policy import FP32, INPUT, KEEP, LOWER, policy_of

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype"]

_F32 = np.dtype(np.float32)
_DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16"}  # torch's defaults
_ALIASES = {"float16": "float16", "half": "float16", "bfloat16": "bfloat16"}


def _bfloat16():
    import ml_dtypes  # noqa: PLC0415  (only bfloat16 needs it)

    return np.dtype(ml_dtypes.bfloat16)


def _low_dtypes() -> tuple:
    try:
        return (np.dtype(np.float16), _bfloat16())
    except ImportError:
        return (np.dtype(np.float16),)


_LOW = _low_dtypes()


def _is_float(dtype) -> bool:
    """NumPy floats and the low dtypes (``ml_dtypes.bfloat16`` has NumPy kind 'V', not 'f')."""
    return dtype.kind == "f" or dtype in _LOW


def _resolve_dtype(dtype, device_type):
    """float16 / bfloat16 given as a string ("bfloat16", "torch.float16", "half") or a dtype object."""
    name = None
    if not isinstance(dtype, str):
        try:
            name = np.dtype(dtype).name
        except TypeError:
            pass
    if name is None:  # "bfloat16", "torch.float16", or a dtype object of another library
        name = str(dtype).rsplit(".", 1)[-1]
    if name not in _ALIASES:
        raise ValueError(f"autocast: dtype must be float16 or bfloat16 on '{device_type}', got {dtype!r}")
    if _ALIASES[name] == "bfloat16":
        try:
            return _bfloat16()
        except ImportError:
            raise ValueError("autocast: bfloat16 needs the ml_dtypes package (pip install ml_dtypes)") from None
    return np.dtype(np.float16)


class _ThreadState(threading.local):
    def __init__(self):
        self.dtypes = {}          # device type -> low dtype while enabled, None while disabled
        self.cache_enabled = True
        self.depth = 0            # nesting of autocast regions (the cache is cleared at 0)
        self.busy = False         # inside _dispatch: the ops it runs itself are not dispatched again
        self.cache = {}           # (id(leaf), grad mode) -> (leaf, rounded copy)


_state = _ThreadState()
_lock = threading.Lock()
_open = 0  # regions open in all threads; the hook in Function.apply is installed while > 0


def _open_region(delta):
    global _open
    with _lock:
        _open += delta
        _function._autocast_hook = _dispatch if _open > 0 else None


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """True inside an enabled autocast region for ``device_type`` on this thread."""
    return _state.dtypes.get(device_type) is not None


def autocasting(x) -> bool:
    """True when an enabled autocast region covers tensor ``x``'s device: the ops' dtype checks at the
    door let mixed float32 / low-dtype operands through then, since autocast casts them."""
    return _open > 0 and is_autocast_enabled(backend.device_of(x.array).type)


def float32_operand(x):
    """``x`` cast to float32 when it is a float16/bfloat16 tensor inside a region covering its device.
    For the few ops made of several Functions that torch's lists keep in float32 (the elementwise
    losses: ``nn/_losses_functional.py`` passes its operands through this), which the policy table,
    keyed by single Functions, cannot name."""
    if _open > 0 and isinstance(x, Tensor) and x.array.dtype in _LOW and autocasting(x):
        return astype(x, _F32)
    return x


def get_autocast_dtype(device_type: str):
    """The dtype autocast uses for ``device_type`` (its default when no region is open)."""
    dt = _state.dtypes.get(device_type)
    return dt if dt is not None else _resolve_dtype(_DEFAULT_DTYPE[device_type], device_type)


class autocast:
    """``with engine.autocast("cpu", dtype="bfloat16"): ...`` or ``@engine.autocast("cuda")``."""

    def __init__(self, device_type: str = "cuda", dtype=None, enabled: bool = True, cache_enabled=None):
        if device_type not in _DEFAULT_DTYPE:
            raise ValueError(f"autocast: device_type must be 'cpu' or 'cuda', got {device_type!r}")
        if not isinstance(enabled, bool):
            raise TypeError(f"autocast: enabled must be a bool, got {enabled!r}")
        self.device_type = device_type
        self.fast_dtype = _resolve_dtype(_DEFAULT_DTYPE[device_type] if dtype is None else dtype, device_type)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        if enabled and device_type == "cuda" and not backend.cuda_available():
            warnings.warn("autocast: device_type 'cuda' was given but CUDA is not available; disabling autocast",
                          stacklevel=2)
            enabled = False
        self._enabled = enabled
        self._saved = []

    def __enter__(self):
        st = _state
        self._saved.append((st.dtypes.get(self.device_type), st.cache_enabled))
        st.dtypes[self.device_type] = self.fast_dtype if self._enabled else None
        st.cache_enabled = self._cache_enabled
        st.depth += 1
        _open_region(1)
        return self

    def __exit__(self, *exc):
        st = _state
        st.dtypes[self.device_type], st.cache_enabled = self._saved.pop()
        st.depth -= 1
        if st.depth == 0:
            st.cache.clear()
        _open_region(-1)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self._enabled, self._cache_enabled):
                return fn(*args, **kwargs)

        return wrapper


# ---- the dispatch behind the hook in Function.apply -------------------------------------------
def _dispatch(cls, args, kwargs):
    """The autocast form of ``cls.apply(*args, **kwargs)``, or None to run it unchanged."""
    st = _state
    if st.busy:
        return None
    device_type = None
    for a in args:
        if isinstance(a, Tensor):
            device_type = backend.device_of(a.array).type
            break
    low = st.dtypes.get(device_type) if device_type is not None else None
    if low is None:
        return None
    policy = policy_of(cls, device_type)
    if policy == KEEP:
        return None
    if policy == LOWER:  # float64 is not eligible (as in torch): an all-float64 op runs untouched
        if not any(isinstance(a, Tensor) and _is_float(a.array.dtype) and a.array.dtype != np.float64 for a in args):
            return None
    elif policy in (None, INPUT) and not any(isinstance(a, Tensor) and a.array.dtype in _LOW for a in args):
        return None
    st.busy = True
    try:
        return _run(cls, args, kwargs, policy, low, st)
    finally:
        st.busy = False


def _run(cls, args, kwargs, policy, low, st):
    out_dtype = low if policy == LOWER else None
    if policy == INPUT:  # the norms: the output in the dtype of x (the first tensor argument)
        x_dtype = next(a.array.dtype for a in args if isinstance(a, Tensor))
        out_dtype = x_dtype if x_dtype in _LOW else None
    elif policy is None:  # promote: low only when every floating tensor input is that low dtype
        floats = [a.array.dtype for a in args if isinstance(a, Tensor) and _is_float(a.array.dtype)]
        out_dtype = floats[0] if floats and all(f == floats[0] for f in floats) else None
    compute = []
    for a in args:
        if isinstance(a, Tensor) and _is_float(a.array.dtype):
            if policy == LOWER and a.array.dtype != np.float64:
                a = _rounded(a, low, st)
            elif a.array.dtype in _LOW:
                a = astype(a, _F32)
        elif policy == FP32 and backend.is_array(a) and a.dtype in _LOW:
            a = a.astype(_F32)  # a raw array argument (e.g. a target distribution) goes to float32 too
        compute.append(a)
    out = cls.apply(*compute, **kwargs)
    if out_dtype is None:
        return out
    if isinstance(out, tuple):  # "input": extra outputs (batch statistics) stay float32
        return tuple(_lowered(o, out_dtype) if i == 0 or policy != INPUT else o for i, o in enumerate(out))
    return _lowered(out, out_dtype)


def _lowered(t, dtype):
    return astype(t, dtype) if isinstance(t, Tensor) and t.array.dtype == _F32 else t


def _rounded(t, low, st):
    """``t`` rounded to ``low`` and held in float32 for the computation (differentiable).  The copies of
    float32 leaves that require grad (parameters) are cached for the region, as torch caches casts; a
    leaf changed in place since (an optimiser step inside the region: its version moved) is cast anew."""
    if t.array.dtype == low:
        return astype(t, _F32)
    cacheable = st.cache_enabled and t.array.dtype == _F32 and t.requires_grad and t._creator is None
    if cacheable:
        key = (id(t), grad_mode.is_grad_enabled())
        hit = st.cache.get(key)
        if hit is not None and hit[0] is t and hit[1] == t._version and hit[2] is t.array:
            return hit[3]
    r = astype(astype(t, low), _F32)
    if cacheable:
        st.cache[key] = (t, t._version, t.array, r)
    return r
