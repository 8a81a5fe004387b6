"""``Module`` and ``Parameter``: the building blocks every layer and model is made of.

A ``Module`` registers, in assignment order, its parameters (``Parameter`` attributes), its buffers
(``register_buffer``: state that is saved but not trained, e.g. BatchNorm's running statistics) and
its submodules (``Module`` attributes).  Everything else follows PyTorch's ``torch.nn.Module``:
dotted names (``"0.weight"``), ``state_dict``/``load_state_dict``, ``train``/``eval``, ``to``,
``zero_grad``, ``requires_grad_``, ``apply``, forward hooks and pre-hooks (``prepend``,
``with_kwargs``), full backward hooks and pre-hooks (``nn/_backward_hooks.py``) and a nested ``repr``.
Assigning or registering a name that already exists keeps its place in registration order, as torch.

Decisions written down here:

- ``state_dict()`` returns an ``OrderedDict`` of detached Tensors sharing memory with the module (as
  PyTorch).  ``load_state_dict`` accepts Tensors, NumPy/CuPy arrays or Python numbers, so a PyTorch
  state dict turned into NumPy arrays loads as it is.  It checks *every* key and shape before it
  writes anything: on failure it raises one ``RuntimeError`` listing all problems and the module is
  unchanged.  Values are copied into the existing arrays (identity of every Parameter is kept, so an
  optimizer built before the load keeps working), cast to the parameter's dtype and device.
- ``to(device=None, dtype=None)`` converts in place (``param.array`` is replaced, the Parameter object
  stays); ``dtype`` only applies to floating-point parameters and buffers (integer buffers such as
  ``num_batches_tracked`` keep their dtype).  Gradients are moved/cast along.
- ``zero_grad(set_to_none=True)``: gradients become ``None`` by default, or are zero-filled.
- ``Parameter`` lives in ``nn/parameter.py``; the checks of ``load_state_dict`` in ``nn/state_loading.py``.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from engine import Tensor
from engine.backend import as_device, device_of, get_array_module, is_array, to_device
from engine.dtypes import cast_method

from engine.grad_mode import is_grad_enabled

from ._backward_hooks import BackwardHookState
from .parameter import Parameter
from .state_loading import check_state_dict

__all__ = ["Module", "Parameter"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` returns: the keys it could not match."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Base class of all layers and models; subclasses define ``__init__`` and ``forward``."""

    training: bool

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_hooks_with_kwargs", set())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- calling ------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); subclasses of Module define one")

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        bw = d.get("_backward_hooks") or d.get("_backward_pre_hooks")
        if not self._forward_hooks and not self._forward_pre_hooks and not bw:
            return self.forward(*args, **kwargs)
        with_kwargs = d.get("_hooks_with_kwargs", ())
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            f"{type(self).__name__}: a forward pre-hook registered with_kwargs=True must return "
                            f"None or an (args, kwargs) pair, got {type(res).__name__}"
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        state = None
        if bw and is_grad_enabled():
            state = BackwardHookState(self, args)
            args = state.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            res = hook(self, args, kwargs, out) if key in with_kwargs else hook(self, args, out)
            if res is not None:
                out = res
        if state is not None:
            out = state.wrap_outputs(out)
        return out

    def _add_hook(self, store, hook, prepend, with_kwargs):
        handle = _Handle(store, hook)
        if prepend:
            store.move_to_end(handle.id, last=False)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output)`` after every forward (``hook(module, args, kwargs, output)`` with
        ``with_kwargs=True``); a non-None return replaces the output.  ``prepend`` runs it before the
        hooks already registered.  ``always_call`` is accepted for torch's signature (hooks here do not
        run when forward raises)."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before every forward; a non-None return replaces the arguments (a tuple,
        or one value).  With ``with_kwargs=True``: ``hook(module, args, kwargs)`` returning None or an
        ``(args, kwargs)`` pair."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` when the gradients of this module's inputs are known;
        a non-None return (a tuple like ``grad_input``) replaces them.  See ``nn/_backward_hooks.py``."""
        return self._add_hook(self._backward_hooks, hook, prepend, False)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradients of this module's outputs are known; a non-None
        return replaces ``grad_output`` before it flows into the module."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend, False)

    # ---- registration -------------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call (call super().__init__() first)"
            )
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):  # a name already registered keeps its place, as in torch
            self._drop(name, keep="_parameters")
            params[name] = value
        elif isinstance(value, Module):
            self._drop(name, keep="_modules")
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of {type(self).__name__} "
                    "(an nn.Parameter or None is expected)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} of {type(self).__name__} "
                    "(an nn.Module or None is expected)"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} of {type(self).__name__} "
                    "(a Tensor or None is expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        if not self._drop(name):
            object.__delattr__(self, name)

    def _drop(self, name, keep=None) -> bool:
        """Remove ``name`` from every store but ``keep`` (and from the plain attributes)."""
        d = self.__dict__
        found = False
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep and name in d[key]:
                del d[key][name]
                found = True
        d["_non_persistent"].discard(name)
        if name in d:
            del d[name]
            found = True
        return found

    def _check_name(self, name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name {name!r} must be non-empty and contain no '.'")

    def register_parameter(self, name: str, param) -> None:
        """Add a Parameter (or None, meaning "absent", e.g. ``bias=False``) under ``name``."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__}")
        if name in self.__dict__ and name not in self._parameters:
            raise KeyError(f"register_parameter: attribute {name!r} already exists")
        self._drop(name, keep="_parameters")  # a re-registered name keeps its place, as in torch
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a buffer: a Tensor saved in ``state_dict`` (unless ``persistent=False``) but not trained."""
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            if is_array(tensor):
                tensor = Tensor._wrap(tensor)
            else:
                raise TypeError(f"register_buffer: {name!r} must be a Tensor, an array or None, got {type(tensor).__name__}")
        if name in self.__dict__ and name not in self._buffers:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        self._drop(name, keep="_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module) -> None:
        """Add a child module (or None) under ``name``."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be an nn.Module or None, got {type(module).__name__}")
        self._drop(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    # ---- iteration ----------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(dotted name, module) for this module and every descendant, depth first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, getter, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, m in mods:
            for name, v in getter(m):
                if v is None:
                    continue
                if remove_duplicate:
                    if id(v) in seen:
                        continue
                    seen.add(id(v))
                yield mod_prefix + ("." if mod_prefix else "") + name, v

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(dotted name, Parameter) pairs in registration order; a shared parameter is listed once."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> "Module":
        m = self
        if target == "":
            return m
        for part in target.split("."):
            if part not in m._modules or m._modules[part] is None:
                raise AttributeError(f"get_submodule: {type(m).__name__} has no submodule {part!r} (in {target!r})")
            m = m._modules[part]
        return m

    def get_parameter(self, target: str) -> Parameter:
        mod, _, name = target.rpartition(".")
        m = self.get_submodule(mod)
        if name not in m._parameters:
            raise AttributeError(f"get_parameter: {type(m).__name__} has no parameter {name!r}")
        return m._parameters[name]

    # ---- modes and gradients ------------------------------------------------------------------
    def apply(self, fn) -> "Module":
        """Call ``fn(m)`` on every submodule (children first) and on ``self``; returns ``self``."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Turn gradient tracking of every parameter on or off (freeze layers for transfer learning)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor._wrap(get_array_module(p.grad.array).zeros_like(p.grad.array))

    # ---- devices and dtypes -------------------------------------------------------------------
    def _convert(self, fn) -> "Module":
        """Replace the array of every parameter, gradient and buffer by ``fn(array)`` in place."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                p.array = fn(p.array)
                if p.grad is not None:
                    p.grad = Tensor._wrap(fn(p.grad.array))
            for name, b in m._buffers.items():
                if b is not None:
                    b.array = fn(b.array)
        return self

    def to(self, device=None, dtype=None) -> "Module":
        """Move to ``device`` and/or cast floating-point parameters and buffers to ``dtype``; in place."""
        if isinstance(device, (np.dtype, type)) and dtype is None:
            device, dtype = None, device
        if isinstance(device, str) and dtype is None:
            try:
                as_device(device)
            except ValueError as bad_device:
                try:  # to("float64")
                    dt = np.dtype(device)
                    device, dtype = None, dt
                except TypeError:
                    raise ValueError(
                        f"Module.to: expected a device ('cpu', 'cuda', 'cuda:N') or a dtype ('float32', "
                        f"'float64', ...), got {device!r}"
                    ) from bad_device
        dev = as_device(device) if device is not None else None
        dt = np.dtype(dtype) if dtype is not None else None
        if dt is not None and dt.kind not in "fc":
            raise TypeError(f"Module.to: only floating-point dtypes are allowed, got {dt}")

        def fn(a):
            if dt is not None and a.dtype.kind in "fc" and a.dtype != dt:
                a = a.astype(dt)
            if dev is not None and device_of(a) != dev:
                a = to_device(a, dev)
            return a

        return self._convert(fn)

    double, float, half = (cast_method(name) for name in ("double", "float", "half"))  # floating params/buffers

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self, device="cuda") -> "Module":
        return self.to(device)

    # ---- state --------------------------------------------------------------------------------
    def _state_items(self, prefix=""):
        """(key, target tensor) for every parameter and persistent buffer, in state_dict order."""
        for mod_prefix, m in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            dot = mod_prefix + "." if mod_prefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    yield dot + name, p
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    yield dot + name, b

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> "OrderedDict":
        """Every parameter and persistent buffer by dotted name, as detached Tensors sharing memory."""
        out = OrderedDict() if destination is None else destination
        for key, t in self._state_items(prefix):
            out[key] = t if keep_vars else Tensor._wrap(t.array)
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Every key and shape is checked first; on any problem a RuntimeError lists them all and nothing
        changes.  With ``strict=False`` missing and unexpected keys are allowed (shapes still must
        match) and returned as ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a mapping of names to arrays, got {type(state_dict).__name__}")
        plan, missing, unexpected = check_state_dict(
            OrderedDict(self._state_items()), state_dict, strict, type(self).__name__
        )
        converted = [(t, to_device(a, device_of(t.array)).astype(t.array.dtype, copy=False)) for t, a in plan]
        for target, arr in converted:
            flags = getattr(target.array, "flags", None)
            if flags is None or getattr(flags, "writeable", True):
                target.array[...] = arr
            else:  # a read-only array (e.g. a broadcast view): give the tensor its own copy
                target.array = arr.copy()
            target._bump_version()  # an in-place write: a graph that saved the old values must not use these
        return _IncompatibleKeys(missing, unexpected)

    # ---- repr ---------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr line (layers override it)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not lines:
            return f"{self._get_name()}()"
        if not self._modules and len(lines) == 1:
            return f"{self._get_name()}({lines[0]})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        keys = set(super().__dir__())
        keys.update(self._parameters, self._buffers, self._modules)
        return sorted(k for k in keys if not k[0].isdigit())

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Total number of parameter elements (only those with ``requires_grad`` when asked)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)


class _Handle:
    """Returned by hook registration; ``remove()`` unregisters the hook."""

    _next = 0

    def __init__(self, store, hook):
        _Handle._next += 1
        self.id = _Handle._next
        self._store = store
        store[self.id] = hook

    def remove(self):
        self._store.pop(self.id, None)
