"""``Tensor``: an array (numpy or cupy) plus what autodiff needs — ``grad``, ``requires_grad`` and the
node that created it.

Operators and methods are thin: each one calls a differentiable op from ``engine.ops``.  Python scalars
mix with tensors under NumPy's promotion rules (a float32 tensor times 2.5 stays float32); NumPy arrays
are treated as constant tensors.  Comparisons return bool tensors without a graph.  Following NumPy
rather than PyTorch where the two disagree: ``size`` is the element count (``shape`` gives the
dimensions) and ``var`` divides by N (``ddof=0``).  As in PyTorch, ``==`` is elementwise and tensors
hash by identity.
"""
from __future__ import annotations

import numpy as np

from . import backend
from .function import AccumulateGrad

__all__ = ["Tensor"]


class Tensor:
    """An n-dimensional array that records the operations applied to it (see the module docstring)."""

    __slots__ = ("data", "grad", "requires_grad", "_creator", "_output_nr", "_acc", "_hooks", "_version", "__weakref__")
    __array_priority__ = 1000  # so that ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor

        t = tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        self.data, self.grad, self.requires_grad = t.data, None, t.requires_grad
        self._creator, self._output_nr, self._acc, self._hooks = None, 0, None, None
        self._version = 0

    @classmethod
    def _wrap(cls, data, creator=None, output_nr=0, requires_grad=False):
        """Fast internal constructor around an existing array (no copy, no dtype rules)."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._creator = creator
        t._output_nr = output_nr
        t._acc = None
        t._hooks = None
        t._version = 0
        return t

    def _bump_version(self) -> None:
        """Record an in-place write to this tensor's storage (PyTorch's version counter).

        Every in-place write (optimiser steps, ``nn.init``, ``load_state_dict``, in-place methods, item
        assignment) calls this, so that backward can tell a tensor saved for it was changed afterwards.
        """
        self._version += 1

    # ---- graph --------------------------------------------------------------------------------
    @property
    def creator(self):
        """The Function node that produced this tensor (None for leaves)."""
        return self._creator

    grad_fn = creator

    @property
    def is_leaf(self) -> bool:
        return self._creator is None

    def _accumulator(self) -> AccumulateGrad:
        if self._acc is None:
            self._acc = AccumulateGrad(self)
        return self._acc

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is required unless ``self`` holds one element.  ``retain_graph`` defaults to
        ``create_graph``; without it the graph's saved arrays are freed and a second backward raises.
        """
        from .autograd import run_backward

        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no graph "
                "(did you create it under no_grad, or forget requires_grad=True on an input?)"
            )
        gradient = _initial_grad(self, gradient, "backward")
        if retain_graph is None:
            retain_graph = create_graph
        run_backward([self], [gradient], retain_graph=retain_graph, create_graph=create_graph)

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this tensor's gradient is computed; a non-None return replaces it.

        Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self._creator is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self._creator
            if getattr(node, "_hooks", None) is None:
                node._hooks = {}
            hooks = node._hooks.setdefault(self._output_nr, [])
        hooks.append(fn)
        return _HookHandle(hooks, fn)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if self._creator is None:
            return
        import weakref

        node = self._creator
        if getattr(node, "_retain", None) is None:
            node._retain = {}
        node._retain[self._output_nr] = weakref.ref(self)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory)."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self._creator is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf tensor; use detach()")
        if requires_grad and not _is_float(self.data.dtype):
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require grad, got {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    # ---- array facts --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements (NumPy's meaning)."""
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self) -> backend.Device:
        return backend.device_of(self.data)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (a copy from the GPU; shares memory on the CPU)."""
        return backend.to_numpy(self.data)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python scalar, got shape {self.shape}")
        return self.data.reshape(-1)[0].item()

    def tolist(self):
        return backend.to_numpy(self.data).tolist()

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self.data)
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    def __repr__(self) -> str:
        body = np.array2string(backend.to_numpy(self.data), separator=", ", prefix="tensor(")
        extra = ""
        if self.device.type != "cpu":
            extra += f", device='{self.device}'"
        if self.dtype != np.float32:
            extra += f", dtype={self.dtype}"
        if self._creator is not None:
            extra += f", grad_fn=<{self._creator.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ---- moving and casting -------------------------------------------------------------------
    def to(self, device=None, dtype=None) -> "Tensor":
        """Copy to another device and/or dtype; differentiable. ``to("cuda")``, ``to(dtype="float64")``."""
        if isinstance(device, (np.dtype, type)) and dtype is None:
            device, dtype = None, device
        out = self
        if dtype is not None and np.dtype(dtype) != self.dtype:
            out = ops.shape.astype(out, dtype)
        if device is not None and backend.as_device(device) != self.device:
            out = ops.shape.to_device(out, device)
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def astype(self, dtype) -> "Tensor":
        return self.to(dtype=dtype)

    def float(self) -> "Tensor":
        return self.to(dtype=np.float32)

    def double(self) -> "Tensor":
        return self.to(dtype=np.float64)

    # ---- operators ----------------------------------------------------------------------------
    def __add__(self, o):
        return ops.elementwise.add(self, o)

    def __radd__(self, o):
        return ops.elementwise.add(o, self)

    def __sub__(self, o):
        return ops.elementwise.sub(self, o)

    def __rsub__(self, o):
        return ops.elementwise.sub(o, self)

    def __mul__(self, o):
        return ops.elementwise.mul(self, o)

    def __rmul__(self, o):
        return ops.elementwise.mul(o, self)

    def __truediv__(self, o):
        return ops.elementwise.div(self, o)

    def __rtruediv__(self, o):
        return ops.elementwise.div(o, self)

    def __pow__(self, o):
        return ops.elementwise.power(self, o)

    def __rpow__(self, o):
        return ops.elementwise.power(o, self)

    def __matmul__(self, o):
        return ops.linalg.matmul(self, o)

    def __rmatmul__(self, o):
        return ops.linalg.matmul(o, self)

    def __neg__(self):
        return ops.elementwise.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.elementwise.abs(self)

    def __getitem__(self, idx):
        return ops.shape.getitem(self, idx)

    def _compare(self, o, fn):
        return Tensor._wrap(fn(self.data, o.data if isinstance(o, Tensor) else o))

    def __lt__(self, o):
        return self._compare(o, lambda a, b: a < b)

    def __le__(self, o):
        return self._compare(o, lambda a, b: a <= b)

    def __gt__(self, o):
        return self._compare(o, lambda a, b: a > b)

    def __ge__(self, o):
        return self._compare(o, lambda a, b: a >= b)

    def __eq__(self, o):
        return self._compare(o, lambda a, b: a == b)

    def __ne__(self, o):
        return self._compare(o, lambda a, b: a != b)

    @property
    def T(self) -> "Tensor":
        return ops.shape.transpose(self)

    # ---- methods (each one an op from engine.ops) ---------------------------------------------
    def exp(self):
        return ops.elementwise.exp(self)

    def log(self):
        return ops.elementwise.log(self)

    def sqrt(self):
        return ops.elementwise.sqrt(self)

    def abs(self):
        return ops.elementwise.abs(self)

    def sin(self):
        return ops.elementwise.sin(self)

    def cos(self):
        return ops.elementwise.cos(self)

    def tanh(self):
        return ops.elementwise.tanh(self)

    def sigmoid(self):
        return ops.elementwise.sigmoid(self)

    def relu(self):
        return ops.elementwise.relu(self)

    def clip(self, a_min=None, a_max=None):
        return ops.elementwise.clip(self, a_min, a_max)

    def maximum(self, o):
        return ops.elementwise.maximum(self, o)

    def minimum(self, o):
        return ops.elementwise.minimum(self, o)

    def sum(self, axis=None, keepdims=False):
        return ops.reduce.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.reduce.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return ops.reduce.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return ops.reduce.min(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        return ops.reduce.var(self, axis, keepdims, ddof)

    def logsumexp(self, axis=None, keepdims=False):
        return ops.reduce.logsumexp(self, axis, keepdims)

    def argmax(self, axis=None):
        return Tensor._wrap(backend.get_array_module(self.data).argmax(self.data, axis=axis))

    def argmin(self, axis=None):
        return Tensor._wrap(backend.get_array_module(self.data).argmin(self.data, axis=axis))

    def any(self):
        return bool(self.data.any())

    def all(self):
        return bool(self.data.all())

    def reshape(self, *shape):
        return ops.shape.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    def flatten(self, start_axis=0):
        return ops.shape.flatten(self, start_axis)

    def transpose(self, *axes):
        return ops.shape.transpose(self, *axes)

    def swapaxes(self, a, b):
        return ops.shape.swapaxes(self, a, b)

    def broadcast_to(self, shape):
        return ops.shape.broadcast_to(self, shape)

    def squeeze(self, axis=None):
        return ops.shape.squeeze(self, axis)

    def unsqueeze(self, axis):
        return ops.shape.expand_dims(self, axis)

    expand_dims = unsqueeze

    def split(self, indices_or_sections, axis=0):
        return ops.shape.split(self, indices_or_sections, axis)

    def pad(self, pad_width, value=0.0):
        return ops.shape.pad(self, pad_width, value)

    def matmul(self, o):
        return ops.linalg.matmul(self, o)

    def softmax(self, axis=-1):
        return ops.softmax.softmax(self, axis)

    def log_softmax(self, axis=-1):
        return ops.softmax.log_softmax(self, axis)


    # ---- torch methods from engine/ops/{math,arith,logic,scan,sort,index,layout,views} -------------
    def __mod__(self, o):
        return ops.arith.remainder(self, o)

    def __rmod__(self, o):
        return ops.arith.remainder(o, self)

    def __floordiv__(self, o):
        return ops.arith.floor_divide(self, o)

    def __rfloordiv__(self, o):
        return ops.arith.floor_divide(o, self)

    def __lshift__(self, o):
        return ops.logic.bitwise_left_shift(self, o)

    def __rlshift__(self, o):
        return ops.logic.bitwise_left_shift(o, self)

    def __rshift__(self, o):
        return ops.logic.bitwise_right_shift(self, o)

    def __rrshift__(self, o):
        return ops.logic.bitwise_right_shift(o, self)

    def __and__(self, o):
        return ops.logic.bitwise_and(self, o)

    def __rand__(self, o):
        return ops.logic.bitwise_and(o, self)

    def __or__(self, o):
        return ops.logic.bitwise_or(self, o)

    def __ror__(self, o):
        return ops.logic.bitwise_or(o, self)

    def __xor__(self, o):
        return ops.logic.bitwise_xor(self, o)

    def __rxor__(self, o):
        return ops.logic.bitwise_xor(o, self)

    def __invert__(self):
        return ops.logic.bitwise_not(self)

    def add(self, other, alpha=1):
        return ops.elementwise.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return ops.elementwise.sub(self, other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other):
        return ops.elementwise.mul(self, other)

    multiply = mul

    def div(self, other, rounding_mode=None):
        return ops.arith.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def floor_divide(self, other):
        return ops.arith.floor_divide(self, other)

    def fmod(self, other):
        return ops.arith.fmod(self, other)

    def remainder(self, other):
        return ops.arith.remainder(self, other)

    def pow(self, exponent):
        return ops.arith.pow(self, exponent)

    def square(self):
        return ops.elementwise.mul(self, self)

    def neg(self):
        return ops.elementwise.neg(self)

    negative = neg

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.logic.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.logic.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return ops.logic.equal(self, other)

    def round(self, decimals=0):
        return ops.math.round(self, decimals)

    def trunc(self):
        return ops.math.trunc(self)

    fix = trunc

    def floor(self):
        return ops.math.floor(self)

    def ceil(self):
        return ops.math.ceil(self)

    def sign(self):
        return ops.math.sign(self)

    sgn = sign

    def rsqrt(self):
        return ops.math.rsqrt(self)

    def reciprocal(self):
        return ops.math.reciprocal(self)

    def tan(self):
        return ops.math.tan(self)

    def asin(self):
        return ops.math.asin(self)

    def acos(self):
        return ops.math.acos(self)

    def atan(self):
        return ops.math.atan(self)

    arcsin, arccos, arctan = asin, acos, atan

    def atan2(self, other):
        return ops.arith.atan2(self, other)

    arctan2 = atan2

    def sinh(self):
        return ops.math.sinh(self)

    def cosh(self):
        return ops.math.cosh(self)

    def asinh(self):
        return ops.math.asinh(self)

    def acosh(self):
        return ops.math.acosh(self)

    def atanh(self):
        return ops.math.atanh(self)

    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def erf(self):
        return ops.math.erf(self)

    def erfc(self):
        return ops.math.erfc(self)

    def erfinv(self):
        return ops.math.erfinv(self)

    def log2(self):
        return ops.math.log2(self)

    def log10(self):
        return ops.math.log10(self)

    def log1p(self):
        return ops.math.log1p(self)

    def exp2(self):
        return ops.math.exp2(self)

    def expm1(self):
        return ops.math.expm1(self)

    def copysign(self, other):
        return ops.arith.copysign(self, other)

    def logaddexp(self, other):
        return ops.arith.logaddexp(self, other)

    def lerp(self, end, weight):
        return ops.arith.lerp(self, end, weight)

    def clamp(self, min=None, max=None):  # noqa: A002  (torch's argument names)
        return ops.arith.clamp(self, min, max)

    clip = clamp

    def logical_not(self):
        return ops.logic.logical_not(self)

    def logical_and(self, other):
        return ops.logic.logical_and(self, other)

    def logical_or(self, other):
        return ops.logic.logical_or(self, other)

    def logical_xor(self, other):
        return ops.logic.logical_xor(self, other)

    def bitwise_not(self):
        return ops.logic.bitwise_not(self)

    def bitwise_and(self, other):
        return ops.logic.bitwise_and(self, other)

    def bitwise_or(self, other):
        return ops.logic.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return ops.logic.bitwise_xor(self, other)

    def bitwise_left_shift(self, other):
        return ops.logic.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return ops.logic.bitwise_right_shift(self, other)

    def isinf(self):
        return ops.logic.isinf(self)

    def isnan(self):
        return ops.logic.isnan(self)

    def isfinite(self):
        return ops.logic.isfinite(self)

    def eq(self, other):
        return ops.logic.eq(self, other)

    def ne(self, other):
        return ops.logic.ne(self, other)

    def lt(self, other):
        return ops.logic.lt(self, other)

    def le(self, other):
        return ops.logic.le(self, other)

    def gt(self, other):
        return ops.logic.gt(self, other)

    def ge(self, other):
        return ops.logic.ge(self, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def prod(self, dim=None, keepdim=False, dtype=None):
        return ops.scan.prod(self, dim, keepdim, dtype)

    def cumsum(self, dim, dtype=None):
        return ops.scan.cumsum(self, dim, dtype)

    def cumprod(self, dim, dtype=None):
        return ops.scan.cumprod(self, dim, dtype)

    def cummax(self, dim):
        return ops.scan.cummax(self, dim)

    def cummin(self, dim):
        return ops.scan.cummin(self, dim)

    def logcumsumexp(self, dim):
        return ops.scan.logcumsumexp(self, dim)

    def sort(self, dim=-1, descending=False, stable=False):
        return ops.sort.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return ops.sort.argsort(self, dim, descending, stable)

    def msort(self):
        return ops.sort.msort(self)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        return ops.sort.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return ops.sort.kthvalue(self, k, dim, keepdim)

    def repeat(self, *sizes):
        return ops.layout.repeat(self, *sizes)

    def tile(self, dims):
        return ops.layout.tile(self, dims)

    def repeat_interleave(self, repeats, dim=None, output_size=None):
        return ops.layout.repeat_interleave(self, repeats, dim, output_size)

    def flip(self, *dims):
        return ops.layout.flip(self, dims[0] if len(dims) == 1 else dims)

    def fliplr(self):
        return ops.layout.fliplr(self)

    def flipud(self):
        return ops.layout.flipud(self)

    def roll(self, shifts, dims=None):
        return ops.layout.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return ops.layout.tril(self, diagonal)

    def triu(self, diagonal=0):
        return ops.layout.triu(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return ops.layout.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return ops.layout.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return ops.layout.diag_embed(self, offset, dim1, dim2)

    def unflatten(self, dim, sizes):
        return ops.layout.unflatten(self, dim, sizes)

    def unfold(self, dimension, size, step):
        return ops.layout.unfold(self, dimension, size, step)

    def movedim(self, source, destination):
        return ops.layout.movedim(self, source, destination)

    moveaxis = movedim

    def gather(self, dim, index):
        return ops.index.gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None):
        return ops.index.scatter(self, dim, index, src, value)

    def scatter_add(self, dim, index, src):
        return ops.index.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return ops.index.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return ops.index.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return ops.index.masked_select(self, mask)

    def nonzero(self, as_tuple=False):
        return ops.index.nonzero(self, as_tuple)

    def argwhere(self):
        return ops.index.argwhere(self)

    def take_along_dim(self, indices, dim=None):
        return ops.index.take_along_dim(self, indices, dim)

    def where(self, condition, other):
        return ops.index.where(condition, self, other)

    def view(self, *shape):
        return ops.views.view(self, *shape)

    def view_as(self, other):
        return ops.views.view_as(self, other)

    reshape_as = view_as

    def expand(self, *sizes):
        return ops.views.expand(self, *sizes)

    def expand_as(self, other):
        return ops.views.expand_as(self, other)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.views.flatten(self, start_dim, end_dim)

class _HookHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def _is_float(dtype) -> bool:
    return np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.complexfloating)


def _initial_grad(t: Tensor, gradient, where: str) -> Tensor:
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for scalar outputs; this output has shape "
                f"{t.shape}, so pass gradient= (a tensor of that shape)"
            )
        return Tensor._wrap(backend.get_array_module(t.data).ones_like(t.data))
    if not isinstance(gradient, Tensor):
        from .creation import as_tensor

        gradient = as_tensor(gradient, dtype=t.dtype)
    g = gradient
    if g.shape != t.shape:
        raise RuntimeError(f"{where}: gradient has shape {g.shape}, but the output has shape {t.shape}")
    return g


from . import autograd as _autograd, function as _function  # noqa: E402

_function.Tensor = _autograd.Tensor = Tensor  # the graph modules refer back to Tensor without import cycles

from . import ops  # noqa: E402  (ops import Tensor; methods above resolve ops at call time)
