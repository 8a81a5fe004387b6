"""torch's everyday tensor functions that are not maths: ``clone``, ``ravel``, ``unbind``, ``addcmul`` /
``addcdiv``, ``square``, ``count_nonzero``, ``nansum`` / ``nanmean``, ``diff``, ``rot90``, ``take``,
``broadcast_tensors``, and the dtype helpers ``is_floating_point``, ``is_complex``, ``result_type``,
``can_cast`` and ``inference_mode``.

All but ``clone`` are compositions of existing engine ops (so they are differentiable, twice, for free);
``clone`` is one Function: a copy into new storage whose gradient is the identity.  Errors carry torch's
messages and exception types.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..backend import get_array_module
from ..function import Function
from ..grad_mode import set_grad_enabled
from ..memory_format import check as check_memory_format
from ..tensor import Tensor
from ._util import normalize_axes, operand, wrap_dim
from .elementwise import add, mul, sub
from .index import masked_fill
from .layout import flip
from .logic import isnan, logical_xor
from .promotion import result_dtype
from .reduce import sum as _sum
from .shape import astype, broadcast_to, cat, getitem, narrow, reshape, transpose


# torch's names of the integer dtypes, as its error messages spell them
_TORCH_NAMES = {
    "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
    "uint8": "Byte", "bool": "Bool",
}


def _torch_name(dtype) -> str:
    return _TORCH_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _tensor(x):
    x = operand(x)
    return x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))


# ---- clone ------------------------------------------------------------------------------------
class Clone(Function):
    """A copy of ``x`` in new storage (C-contiguous); the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x).array(x, copy=True)

    @staticmethod
    def backward(ctx, gy):
        return gy


def clone(input, *, memory_format=None):  # noqa: A002  (torch's names)
    """torch.clone: a copy that stays in the graph (gradient: identity), with its own storage and version
    counter.  ``memory_format`` is accepted for torch's signature; the copy is always C-contiguous (Kiln
    has one memory layout, engine/memory_format.py)."""
    check_memory_format("clone", memory_format)
    return Clone.apply(_tensor(input))


# ---- shapes -----------------------------------------------------------------------------------
def ravel(input):  # noqa: A002
    """torch.ravel: the elements as one dimension (a 0-d tensor gives shape (1,))."""
    return reshape(_tensor(input), -1)


def unbind(input, dim=0):  # noqa: A002
    """torch.unbind: the slices along ``dim`` as a tuple of tensors (each one dim fewer)."""
    x = _tensor(input)
    d = wrap_dim(dim, x.ndim, "unbind")
    lead = (slice(None),) * d
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[d]))


def broadcast_tensors(*tensors):
    """torch.broadcast_tensors: every tensor broadcast to their common shape (a tuple)."""
    xs = [_tensor(t) for t in tensors]
    shape = ()
    for i, x in enumerate(xs):
        try:
            shape = np.broadcast_shapes(shape, tuple(x.shape))
        except ValueError:
            a, b = tuple(shape), tuple(x.shape)
            n = max(len(a), len(b))
            a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
            d = next(k for k in range(n) if a[k] != b[k] and 1 not in (a[k], b[k]))
            raise RuntimeError(f"The size of tensor a ({a[d]}) must match the size of tensor b ({b[d]}) at "
                               f"non-singleton dimension {d}") from None
    return tuple(x if tuple(x.shape) == shape else broadcast_to(x, shape) for x in xs)


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """torch.rot90: rotate by 90 degrees ``k`` times in the plane ``dims``, from the first towards the second."""
    x = _tensor(input)
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = (wrap_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = k % 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return clone(x)


def take(input, index):  # noqa: A002
    """torch.take: ``input`` read as 1-D at ``index`` (an int64 tensor; negative entries count from the end);
    the result has ``index``'s shape."""
    x, idx = _tensor(input), _tensor(index)
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_torch_name(idx.dtype)}")
    n = x.numel()
    raw = idx.array
    xp = get_array_module(raw)
    bad = (raw >= n) | (raw < -n)
    if bool(bad.any()):
        i = int(raw[bad].reshape(-1)[0])
        raise IndexError(f"out of range: tried to access index {i} on a tensor of {n} elements.")
    return getitem(reshape(x, -1), xp.where(raw < 0, raw + n, raw))


# ---- arithmetic and reductions ----------------------------------------------------------------
def square(input):  # noqa: A002
    """torch.square: ``input * input`` (bool input gives int64, as torch)."""
    x = _tensor(input)
    if x.dtype == np.bool_:
        x = astype(x, np.int64)
    return mul(x, x)


def _scaled(value, *xs):
    """``value`` as torch passes it to addcmul: converted to the result dtype (an integer result truncates a
    float value, as torch does)."""
    dt = result_dtype(*[operand(x) for x in xs])
    if dt.kind in "iub" and isinstance(value, float):
        return int(value)
    return value


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """torch.addcmul: ``input + value * tensor1 * tensor2`` (broadcast, promoted as torch)."""
    prod = mul(tensor1, tensor2)
    value = _scaled(value, input, tensor1, tensor2)
    return add(input, prod if value == 1 else mul(prod, value))


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """torch.addcdiv: ``input + value * tensor1 / tensor2``; integer tensor1 and tensor2 are refused, as torch."""
    from .elementwise import div

    t1, t2 = _tensor(tensor1), _tensor(tensor2)
    if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs.")
    quot = div(t1, t2)
    return add(input, quot if value == 1 else mul(quot, value))


def count_nonzero(input, dim=None):  # noqa: A002
    """torch.count_nonzero: how many entries are not zero, over ``dim`` (an int or a tuple; all by default),
    as int64 without a gradient."""
    x = _tensor(input)
    axes = normalize_axes(dim, x.ndim, "count_nonzero")
    xp = get_array_module(x.array)
    return Tensor._wrap(xp.asarray(xp.count_nonzero(x.array, axis=axes), dtype=np.int64))


def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """torch.nansum: the sum with NaN counted as zero (NaN entries get gradient zero)."""
    x = _tensor(input)
    if x.dtype.kind in "fcV":
        x = masked_fill(x, isnan(x), 0)
    return _sum(x, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """torch.nanmean: the mean of the non-NaN entries (NaN where all are NaN); floating input only."""
    x = _tensor(input)
    if x.dtype.kind not in "fcV":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_torch_name(x.dtype)}")
    count = _sum(~isnan(x), dim, keepdim)
    return nansum(x, dim, keepdim, dtype=dtype) / count


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """torch.diff: the ``n``-th forward difference along ``dim``, after concatenating ``prepend`` / ``append``
    (bool input differences with ``!=``, as torch)."""
    x = _tensor(input)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n == 0:  # torch returns the input as it is, prepend and append unused
        return x
    d = wrap_dim(dim, x.ndim, "diff")
    parts = []
    for extra in (prepend, append):
        if extra is not None:
            extra = _tensor(extra)
            if extra.ndim != x.ndim:
                raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        parts.append(extra)
    if parts[0] is not None or parts[1] is not None:
        x = cat([p for p in (parts[0], x, parts[1]) if p is not None], d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = logical_xor(hi, lo) if x.dtype == np.bool_ else sub(hi, lo)
    return x


# ---- dtype helpers ----------------------------------------------------------------------------
def _tensor_arg(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def is_floating_point(input) -> bool:  # noqa: A002
    """torch.is_floating_point: True for a floating-point tensor."""
    return _tensor_arg("is_floating_point", input).is_floating_point()


def is_complex(input) -> bool:  # noqa: A002
    """torch.is_complex: True for a complex tensor."""
    return _tensor_arg("is_complex", input).is_complex()


def result_type(tensor, other):
    """torch.result_type: the dtype an elementwise op on ``tensor`` and ``other`` (tensors or numbers) gives."""
    raws = [x.array if isinstance(x, Tensor) else x for x in (tensor, other)]
    return _dt.as_dtype(_dt.result_type(*raws))


def _rank(d) -> int:
    """bool < integer < floating < complex: the order of torch's casting categories."""
    npd = _dt.to_numpy_dtype(d)
    return 3 if npd.kind == "c" else 2 if _dt.is_floating_dtype(npd) else 0 if npd.kind == "b" else 1


def can_cast(from_, to) -> bool:
    """torch.can_cast: whether type promotion may cast ``from_`` to ``to`` (never down a category:
    complex -> float, float -> integer and integer -> bool are refused; within a category any width goes)."""
    return _rank(from_) <= _rank(to)


class inference_mode(set_grad_enabled):  # noqa: N801  (torch's name)
    """torch.inference_mode, as a context manager or a decorator (``@inference_mode``, ``@inference_mode()``,
    ``inference_mode(False)``).  In Kiln it is ``no_grad`` (``mode=True``) or ``enable_grad`` (``mode=False``):
    nothing is recorded, but the tensors made inside are ordinary tensors (torch's inference tensors, which
    refuse later use in autograd, and its speed-ups do not exist here)."""

    def __new__(cls, mode=True):
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # bare ``@inference_mode`` on a function

    def __init__(self, mode: bool = True):
        super().__init__(not mode)
