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

    __slots__ = ("data", "grad", "requires_grad", "_creator", "_output_nr", "_acc", "_hooks", "_vc", "__weakref__")
    __array_priority__ = 1000  # so that ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor

        t = tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        self.data, self.grad, self.requires_grad = t.data, None, t.requires_grad
        self._creator, self._output_nr, self._acc, self._hooks = None, 0, None, None
        self._vc = [0, 0]

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
        t._vc = [0, 0]  # version counter, shared with views of the same storage: [writes, writes recorded in a graph]
        return t

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's storage has seen (PyTorch's ``Tensor._version``)."""
        return self._vc[0]

    def _bump_version(self) -> None:
        """Record an in-place write to this tensor's storage (PyTorch's version counter).

        Every in-place write (optimiser steps, ``nn.init``, ``load_state_dict``, in-place methods, item
        assignment) calls this, so that backward can tell a tensor saved for it was changed afterwards.
        The counter is shared with ``detach()`` and with outputs of view ops (basic indexing, reshape,
        transpose) that alias this tensor's array, so a write through any of them is seen.
        """
        self._vc[0] += 1

    # ---- in-place writes (torch's in-place methods; engine.inplace checks, writes and bumps _version) --
    def add_(self, other, alpha=1):
        return _inplace.arithmetic(self, "add_", ops.elementwise.add, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1):
        return _inplace.arithmetic(self, "sub_", ops.elementwise.sub, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return _inplace.arithmetic(self, "mul_", ops.elementwise.mul, other)

    def div_(self, other):
        return _inplace.arithmetic(self, "div_", ops.elementwise.div, other)

    def clamp_(self, min=None, max=None):  # noqa: A002  (torch's argument names)
        if min is None and max is None:
            raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
        return _inplace.write(self, "clamp_", lambda s: ops.elementwise.clip(s, min, max), (min, max))

    def zero_(self):
        return _inplace.overwrite(self, "zero_", 0)

    def fill_(self, value):
        return _inplace.overwrite(self, "fill_", value)

    def copy_(self, src, non_blocking=False):
        return _inplace.overwrite(self, "copy_", src)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill from N(mean, std^2), drawn from NumPy's global generator unless ``generator=`` is given."""
        rng = generator if generator is not None else np.random
        return _inplace.overwrite(self, "normal_", np.asarray(rng.normal(mean, std, size=self.shape)))

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill from U(a, b) (torch names them ``from``/``to``), drawn like :meth:`normal_`."""
        rng = generator if generator is not None else np.random
        return _inplace.overwrite(self, "uniform_", np.asarray(rng.uniform(a, b, size=self.shape)))

    def __setitem__(self, index, value):
        _inplace.setitem(self, index, value)

    # ``x += y`` is ``x.add_(y)`` as in torch, so ``p -= lr * p.grad`` under no_grad updates the parameter
    def __iadd__(self, o):
        return self.add_(o)

    def __isub__(self, o):
        return self.sub_(o)

    def __imul__(self, o):
        return self.mul_(o)

    def __itruediv__(self, o):
        return self.div_(o)

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
        """The same data, cut from the graph (shares memory and the version counter)."""
        t = Tensor._wrap(self.data)
        t._vc = self._vc
        return t

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
        if t.data.dtype.kind == "c":
            raise RuntimeError(f"{where}: grad can be implicitly created only for real scalar outputs, got {t.dtype}")
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
from . import inplace as _inplace  # noqa: E402  (in-place writes; imports Tensor)
