"""Containers: ``Sequential`` (modules called in order), ``ModuleList`` and ``ModuleDict`` (modules
held in a list or dict so that their parameters are registered), ``ParameterList`` and
``ParameterDict`` (the same for parameters).  Names are the list positions ("0", "1", ...) or the dict
keys, as in PyTorch, so state-dict keys match PyTorch's.  As torch, a plain Tensor or array put into a
parameter container is wrapped into a ``Parameter``."""
from __future__ import annotations

from collections import OrderedDict

from engine import Tensor
from engine.backend import is_array

from .module import Module, Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(i, n, what):
    if not isinstance(i, int):
        raise TypeError(f"{what} indices must be integers or slices, not {type(i).__name__}")
    if not -n <= i < n:
        raise IndexError(f"{what} index {i} is out of range for {n} modules")
    return i % n


class Sequential(Module):
    """``Sequential(m1, m2, ...)`` or ``Sequential(OrderedDict(name=module))``: forward feeds each
    module's output to the next."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        keys = list(self._modules)
        return self._modules[keys[_index(idx, len(keys), "Sequential")]]

    def __setitem__(self, idx, module):
        keys = list(self._modules)
        self.add_module(keys[_index(idx, len(keys), "Sequential")], module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        if isinstance(idx, slice):
            for k in keys[idx]:
                del self._modules[k]
        else:
            del self._modules[keys[_index(idx, len(keys), "Sequential")]]

    def append(self, module) -> "Sequential":
        self.add_module(str(len(self._modules)), module)
        return self


class _ListContainer(Module):
    """The list protocol ModuleList and ParameterList share, over their store (``_modules`` or ``_parameters``,
    named by ``_store_name``) keyed "0", "1", ...; each defines ``append`` and ``__setitem__``.  A slice is a
    new container of the same class (torch's)."""

    _store_name = None

    def __init__(self, items=None):
        super().__init__()
        if items is not None:
            self.extend(items)

    @property
    def _store(self):
        return getattr(self, self._store_name)

    def __len__(self):
        return len(self._store)

    def __iter__(self):
        return iter(self._store.values())

    def __getitem__(self, idx):
        items = list(self._store.values())
        if isinstance(idx, slice):
            return type(self)(items[idx])
        return items[_index(idx, len(items), type(self).__name__)]

    def extend(self, items):
        for item in items:
            self.append(item)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); iterate over it in the owner's forward")


class ModuleList(_ListContainer):
    """A list of modules whose parameters belong to the owner; indexable, iterable, appendable."""

    _store_name = "_modules"

    def __init__(self, modules=None):
        super().__init__(modules)

    def _renumber(self, mods):
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[_index(idx, len(mods), "ModuleList")]
        self._renumber(mods)

    def append(self, module) -> "ModuleList":
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index, module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)


class _DictContainer(Module):
    """The dict protocol ModuleDict and ParameterDict share, over their store (``_modules`` or ``_parameters``,
    named by ``_store_name``); each defines its own ``__setitem__`` (add_module / register_parameter)."""

    _store_name = None

    def __init__(self, entries=None):
        super().__init__()
        if entries is not None:
            self.update(entries)

    @property
    def _store(self):
        return getattr(self, self._store_name)

    def __getitem__(self, key):
        return self._store[key]

    def __delitem__(self, key):
        del self._store[key]

    def __len__(self):
        return len(self._store)

    def __iter__(self):
        return iter(self._store)

    def __contains__(self, key):
        return key in self._store

    def keys(self):
        return self._store.keys()

    def values(self):
        return self._store.values()

    def items(self):
        return self._store.items()

    def pop(self, key):
        return self._store.pop(key)

    def clear(self):
        self._store.clear()

    def update(self, entries) -> None:
        items = entries.items() if hasattr(entries, "items") else entries
        for k, v in items:
            self[k] = v

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); index it in the owner's forward")


class ModuleDict(_DictContainer):
    """A dict of modules (insertion ordered) whose parameters belong to the owner."""

    _store_name = "_modules"

    def __init__(self, modules=None):
        super().__init__(modules)

    def __setitem__(self, key, module):
        self.add_module(key, module)


def _as_parameter(value, what):
    if isinstance(value, Parameter) or value is None:
        return value
    if isinstance(value, Tensor) or is_array(value):
        return Parameter(value)
    raise TypeError(f"{what}: expected an nn.Parameter, a Tensor or an array, got {type(value).__name__}")


class ParameterList(_ListContainer):
    """A list of parameters registered under "0", "1", ...; indexable, iterable, appendable."""

    _store_name = "_parameters"

    def __init__(self, values=None):
        super().__init__(values)

    def __setitem__(self, idx, value):
        self.register_parameter(str(_index(idx, len(self), "ParameterList")), _as_parameter(value, "ParameterList"))

    def append(self, value) -> "ParameterList":
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                         for i, p in enumerate(self))


class ParameterDict(_DictContainer):
    """A dict of parameters (insertion ordered) registered under their keys."""

    _store_name = "_parameters"

    def __init__(self, parameters=None):
        super().__init__(parameters)

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def get(self, key, default=None):
        return self._parameters.get(key, default)

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]" for k, p in self.items())
