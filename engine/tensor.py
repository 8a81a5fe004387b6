"""``Tensor``: an array (numpy or cupy) plus what autodiff needs — ``grad``, ``requires_grad`` and the
node that created it.

Operators and methods are thin: each one is, or calls, a differentiable op from ``engine.ops`` (the
ops that are methods as they stand are attached from engine/_torch_methods.py's tables), with torch's
names and meanings: ``size()`` is the shape as an :class:`Size` (``size(d)`` one dim, ``numel()`` the
count), ``dtype`` an ``engine`` dtype object, ``transpose(d0, d1)`` swaps two dims, ``max(dim)``
returns ``(values, indices)``, ``var`` uses ``correction=1``.  Dtypes promote as torch's (a float32
tensor times 2.5 stays float32, an int64 tensor times 2.5 is float32, see ``engine.dtypes``); NumPy
arrays are treated as constant tensors.  Comparisons return bool tensors without a graph.  ``shape``
stays a plain tuple (``size()`` is the torch.Size-like one).  ``data`` is torch's (a detached
Tensor sharing storage, writes through it untracked); the raw numpy/cupy array is ``array``.  As in
PyTorch, ``==`` is elementwise and tensors hash by identity.
"""
from __future__ import annotations

import numpy as np

from . import backend, dtypes
from ._torch_methods import TorchOpMethods
from .function import AccumulateGrad

__all__ = ["Tensor"]


class Tensor(TorchOpMethods):
    """An n-dimensional array that records the operations applied to it (see the module docstring)."""

    __slots__ = {
        "array": "The raw ``numpy.ndarray`` (CPU) or ``cupy.ndarray`` (GPU) holding this tensor's values.  "
                 "Kiln's ops read and write it; user code should prefer ``.numpy()`` (a NumPy array on the CPU), "
                 "``.detach()`` or torch's ``.data`` (both Tensors).  A write to it in place is not seen by the "
                 "version counter unless followed by ``_bump_version()``.",
        "grad": "The gradient accumulated by ``backward()`` (a Tensor), or None.",
        "requires_grad": "Whether operations on this tensor are recorded for backward.",
        "_creator": None, "_output_nr": None, "_acc": None, "_hooks": None, "_vc": None, "__weakref__": None,
    }
    __array_priority__ = 1000  # so that ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor

        t = tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        self.array, self.grad, self.requires_grad = t.array, None, t.requires_grad
        self._creator, self._output_nr, self._acc, self._hooks = None, 0, None, None
        self._vc = [0, 0]

    @classmethod
    def _wrap(cls, data, creator=None, output_nr=0, requires_grad=False):
        """Fast internal constructor around an existing array (no copy, no dtype rules)."""
        t = object.__new__(cls)
        t.array = data
        t.grad = None
        t.requires_grad = requires_grad
        t._creator = creator
        t._output_nr = output_nr
        t._acc = None
        t._hooks = None
        t._vc = [0, 0]  # version counter, shared with views of the same storage: [writes, writes recorded in a graph]
        return t

    @property
    def data(self) -> "Tensor":
        """torch's ``x.data``: a new Tensor sharing this tensor's storage, with ``requires_grad=False``
        and no ``grad_fn`` (``p.data.add_(g, alpha=-lr)`` changes ``p``).

        As in PyTorch, writes through it are NOT tracked: it gets a version counter of its own, so a
        write through ``x.data`` after ``x`` was saved for backward goes unnoticed and backward uses the
        new values.  :meth:`detach` is the tracked alternative (it shares the version counter, so such
        a write raises at backward).  The raw array is :attr:`array`.
        """
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value) -> None:
        """``x.data = y``: ``x`` now uses ``y``'s storage (any shape, dtype or device), as in PyTorch.

        ``y`` must be a Tensor (TypeError otherwise, as torch), and floating point (or complex) when
        ``x`` requires grad (RuntimeError).  ``x``'s version counter, grad and graph are left alone.
        """
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data: can only be set to a Tensor, got {type(value).__name__}")
        if self.requires_grad and value.array.dtype.kind not in "fc":
            raise RuntimeError(f"Tensor.data: a tensor that requires grad can only be set to floating-point or "
                               f"complex data, got {value.array.dtype}")
        self.array = value.array

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
        return _inplace.write(self, "clamp_", lambda s: ops.arith.clamp(s, min, max), (min, max))

    def zero_(self):
        return _inplace.overwrite(self, "zero_", 0)

    def fill_(self, value):
        return _inplace.overwrite(self, "fill_", value)

    def copy_(self, src, non_blocking=False):
        return _inplace.overwrite(self, "copy_", src)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill from N(mean, std^2), drawn from NumPy's global generator unless ``generator=`` is given."""
        rng = _rng_of(generator)
        return _inplace.overwrite(self, "normal_", np.asarray(rng.normal(mean, std, size=self.shape)))

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill from U(a, b) (torch names them ``from``/``to``), drawn like :meth:`normal_`."""
        rng = _rng_of(generator)
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
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no graph "
                "(did you create it under no_grad, or forget requires_grad=True on an input?)"
            )
        gradient = _initial_grad(self, gradient, "backward")
        if retain_graph is None:
            retain_graph = create_graph
        _autograd.run_backward([self], [gradient], retain_graph=retain_graph, create_graph=create_graph)

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
            if node._hooks is None:
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
        if node._retain is None:
            node._retain = {}
        node._retain[self._output_nr] = weakref.ref(self)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory and the version counter)."""
        t = Tensor._wrap(self.array)
        t._vc = self._vc
        return t

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self._creator is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf tensor; use detach()")
        if requires_grad and not _is_float(self.array.dtype):
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require grad, got {self.array.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    # ---- array facts --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """The dims as a plain tuple (``size()`` gives them as an ``engine.Size``)."""
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def size(self, dim=None):
        """torch's ``size``: the shape as an :class:`engine.Size`, or the length of dim ``dim``."""
        if dim is None:
            return Size(self.array.shape)
        from .ops._util import wrap_dim

        if self.array.ndim == 0:
            raise IndexError(f"size: dimension specified as {dim} but the tensor has no dimensions")
        return self.array.shape[wrap_dim(dim, self.array.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return self.array.size

    nelement = numel

    def element_size(self) -> int:
        return self.array.dtype.itemsize

    @property
    def dtype(self):
        """The element type as an ``engine`` dtype (compares equal to NumPy's and to its name)."""
        d = self.array.dtype
        return dtypes._BY_NP.get(d) or dtypes.as_dtype(d)

    def is_floating_point(self) -> bool:
        return dtypes.is_floating_dtype(self.array.dtype)

    def is_complex(self) -> bool:
        return self.array.dtype.kind == "c"

    @property
    def device(self) -> backend.Device:
        return backend.device_of(self.array)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def is_contiguous(self) -> bool:
        return bool(self.array.flags.c_contiguous)

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (a copy from the GPU; shares memory on the CPU)."""
        return backend.to_numpy(self.array)

    def item(self):
        if self.array.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python scalar, got shape {self.shape}")
        return backend.item(self.array)

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self.array)
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index "
                            f"(dtype {self.dtype}, shape {self.shape})")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    def __format__(self, spec: str) -> str:
        """``f"{x:.3f}"`` formats a 0-d tensor's value, as torch; other tensors take no format spec."""
        if self.array.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        body = np.array2string(backend.to_numpy(self.array), separator=", ", prefix="tensor(")
        extra = ""
        if self.device.type != "cpu":
            extra += f", device='{self.device}'"
        d = self.array.dtype
        if d not in (np.float32, np.int64, np.bool_) or (self.array.size == 0 and d != np.float32):  # as torch
            extra += f", dtype={self.dtype}"
        if self._creator is not None:
            extra += f", grad_fn=<{self._creator.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ---- moving and casting -------------------------------------------------------------------
    def to(self, *args, device=None, dtype=None, non_blocking=False, copy=False) -> "Tensor":
        """Move and/or cast; differentiable.  ``to("cuda")``, ``to(engine.float64)``, ``to("cpu",
        engine.float16)``, ``to(other)`` (other's device and dtype), ``to(dtype=..., device=...)``."""
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.array.dtype
            elif _is_device_spec(a):
                device = a
            elif a is not None:
                dtype = a
        out = self
        if dtype is not None and dtypes.to_numpy_dtype(dtype) != self.array.dtype:
            out = ops.shape.astype(out, dtype)
        if device is not None and backend.as_device(device) != self.device:
            out = ops.shape.to_device(out, device)
        if copy and out is self:
            out = ops.shape.AsType.apply(self, self.array.dtype)  # astype copies: a new tensor in the graph
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def type(self, dtype=None):
        """Without an argument the type name (``"engine.FloatTensor"``); with a dtype, a cast to it."""
        if dtype is None:
            return "engine." + _TYPE_NAMES.get(self.array.dtype.name, self.array.dtype.name) + "Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            names = {v: k for k, v in _TYPE_NAMES.items()}
            dtype = names.get(dtype.rsplit(".", 1)[-1][: -len("Tensor")], dtype)
        return self.to(dtype=dtype)

    def type_as(self, other) -> "Tensor":
        return self.to(dtype=other.array.dtype)

    def astype(self, dtype) -> "Tensor":
        return self.to(dtype=dtype)

    # ---- new tensors like this one (its dtype and device unless told otherwise) ---------------
    def _new(self, shape, fill, dtype, device, requires_grad):
        from .creation import full

        return full(shape, fill, dtype=self.array.dtype if dtype is None else dtype,
                    device=self.device if device is None else device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return self._new(size, fill_value, dtype, device, requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return self._new(_size_arg(size), 0, dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return self._new(_size_arg(size), 1, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return self._new(_size_arg(size), 0, dtype, device, requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from .creation import tensor

        return tensor(data, dtype=self.array.dtype if dtype is None else dtype,
                      device=self.device if device is None else device, requires_grad=requires_grad)

    # ---- operators ----------------------------------------------------------------------------
    def __pos__(self):
        return self

    def __getitem__(self, idx):
        return ops.shape.getitem(self, idx)

    def _compare(self, o, fn):
        xp = backend.get_array_module(self.array)
        return Tensor._wrap(xp.asarray(fn(self.array, o.array if isinstance(o, Tensor) else o)))

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

    # ---- shape (torch's meanings; see engine.ops.shape) ---------------------------------------
    @property
    def T(self) -> "Tensor":
        """All dims reversed (the transpose of a matrix; 0-d and 1-d come back as they are)."""
        return ops.shape.reverse_dims(self)

    @property
    def mT(self) -> "Tensor":
        """The last two dims swapped (a batch of matrices transposed)."""
        return ops.shape.matrix_transpose(self)

    def reshape(self, *shape):
        return ops.shape.reshape(self, *shape)

    def view_as(self, other):
        return ops.shape.view(self, other.shape)

    reshape_as = view_as


    def expand_as(self, other):
        return ops.shape.expand(self, other.shape)


    # (the reductions, elementwise maths and matmuls are the ops themselves: engine/_torch_methods.py's tables)
    def pow(self, exponent):
        return ops.elementwise.power(self, exponent)

    # ---- DLPack (engine/dlpack.py) ------------------------------------------------------------
    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """A DLPack capsule over this tensor's memory: ``torch.from_dlpack(t)``, ``numpy.from_dlpack(t)``."""
        from .dlpack import to_dlpack

        return to_dlpack(self, stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple:
        """(DLPack device type, device id): (1, 0) on the CPU, (2, n) on ``cuda:n``."""
        return self.array.__dlpack_device__()


class Size(tuple):
    """torch.Size: the dims of a tensor, a tuple (``x.size() == (2, 3)`` holds) with ``numel()``."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"engine.Size({list(self)})"

    def __getitem__(self, i):
        out = tuple.__getitem__(self, i)
        return Size(out) if isinstance(i, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _is_device_spec(a) -> bool:
    if isinstance(a, backend.Device):
        return True
    if isinstance(a, str):
        return a.split(":", 1)[0].strip().lower() in ("cpu", "cuda", "gpu")
    return False


def _size_arg(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


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
        if t.array.dtype.kind == "c":
            raise RuntimeError(f"{where}: grad can be implicitly created only for real scalar outputs, got {t.dtype}")
        if t.array.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for scalar outputs; this output has shape "
                f"{t.shape}, so pass gradient= (a tensor of that shape)"
            )
        return Tensor._wrap(backend.get_array_module(t.array).ones(t.array.shape, dtype=t.array.dtype))
    if not isinstance(gradient, Tensor):
        from .creation import as_tensor

        gradient = as_tensor(gradient, dtype=t.dtype)
    g = gradient
    if g.shape != t.shape:
        raise RuntimeError(f"{where}: gradient has shape {g.shape}, but the output has shape {t.shape}")
    return g


from . import autograd as _autograd, function as _function  # noqa: E402

_function.Tensor = _autograd.Tensor = Tensor  # the graph modules refer back to Tensor without import cycles

for _name in dtypes.CAST_METHODS:  # x.float(), x.long(), ...
    setattr(Tensor, _name, dtypes.cast_method(_name))

from . import ops  # noqa: E402  (ops import Tensor; methods above resolve ops at call time)
from . import inplace as _inplace  # noqa: E402  (in-place writes; imports Tensor)
from .random import rng_of as _rng_of  # noqa: E402  (normal_/uniform_'s generator=)
