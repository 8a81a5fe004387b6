"""Which classes and functions ``engine.load`` may rebuild: the allowlist of ``engine.serialization``.

A name in a file is ``"module:qualname"``.  It resolves only to

- what the user allowed: ``add_safe_globals([MyNet])`` (for the process) or ``with safe_globals([MyNet]):``
  (while the block runs; process-wide, like torch's, not per thread); entries are classes/functions or
  ``(object, "module.Name")`` pairs as torch takes them;
- Kiln's own classes derived from a registered safe base (``Tensor`` here; ``nn`` registers
  ``nn.Module`` through :func:`register_safe_base`) and the functions of the public namespaces
  ``engine`` and ``nn.functional``.  To find them, only Kiln's top-level packages (``engine``,
  ``nn``, ``optim``) are ever imported, and the object found must carry exactly the name asked for.

Anything else raises :class:`UnsafeGlobalError` naming it.  Nothing here calls what it resolves.
"""
from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import types

from .archive import CheckpointError
from .tensor import Tensor

__all__ = [
    "UnsafeGlobalError", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "name_of",
    "register_safe_base", "resolve", "safe_globals",
]

_KILN_PACKAGES = ("engine", "nn", "optim")
_SAFE_NAMESPACES = ("engine", "nn.functional")

_lock = threading.Lock()
_safe_bases: list = [Tensor]
_user_globals: dict = {}  # "module:qualname" -> object
_scoped: list = []  # (name, object) pairs added by safe_globals blocks, innermost last


class UnsafeGlobalError(CheckpointError):
    """``engine.load`` met a class or function it is not allowed to rebuild (the message names it)."""


def name_of(obj) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def _entries(globals_list):
    out = []
    for g in globals_list:
        if isinstance(g, tuple) and len(g) == 2 and isinstance(g[1], str):
            obj, name = g
            out.append((name if ":" in name else _dotted_to_name(name, obj), obj))
        elif isinstance(g, (type, types.FunctionType, types.BuiltinFunctionType)):
            out.append((name_of(g), g))
        else:
            raise TypeError(f"safe globals must be classes or functions (or (object, 'module.Name') pairs), got {g!r}")
    return out


def _dotted_to_name(dotted: str, obj) -> str:
    module, _, qual = dotted.rpartition(".")
    return f"{module}:{qual}" if module else name_of(obj)


def add_safe_globals(globals_list) -> None:
    """Allow ``engine.load`` to rebuild these classes/functions (for the rest of the process)."""
    entries = _entries(globals_list)
    with _lock:
        _user_globals.update(entries)


def get_safe_globals() -> list:
    """The classes and functions allowed by :func:`add_safe_globals` and active :func:`safe_globals` blocks."""
    with _lock:
        return list(_user_globals.values()) + [obj for _, obj in _scoped]


def clear_safe_globals() -> None:
    """Forget everything :func:`add_safe_globals` allowed (Kiln's own defaults stay)."""
    with _lock:
        _user_globals.clear()


@contextlib.contextmanager
def safe_globals(globals_list):
    """``with safe_globals([MyNet]): engine.load(path)`` allows these names inside the block only."""
    entries = _entries(globals_list)
    with _lock:
        _scoped.extend(entries)
    try:
        yield
    finally:
        with _lock:
            for e in entries:
                _scoped.remove(e)


def register_safe_base(cls: type) -> None:
    """Allow Kiln's own subclasses of ``cls`` by default (``nn`` registers ``nn.Module``)."""
    with _lock:
        if cls not in _safe_bases:
            _safe_bases.append(cls)


def _kiln_object(name: str):
    """The object a Kiln name refers to, or None (imports only Kiln's top-level packages)."""
    module, _, qual = name.partition(":")
    top = module.split(".")[0]
    if top not in _KILN_PACKAGES or not qual:
        return None
    try:
        importlib.import_module(top)
    except ImportError:
        return None
    obj = sys.modules.get(module)
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    return obj


def _allowed_by_default(obj) -> bool:
    if isinstance(obj, type):
        return any(issubclass(obj, base) for base in _safe_bases)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        for ns in _SAFE_NAMESPACES:
            mod = sys.modules.get(ns)
            if mod is not None and getattr(mod, getattr(obj, "__name__", ""), None) is obj:
                return True
    return False


def resolve(name: str, what: str):
    if not isinstance(name, str):
        raise CheckpointError(f"{what}: a class or function name must be a string, got {name!r}")
    with _lock:
        scoped = dict(_scoped)
        user = dict(_user_globals)
    if name in scoped:
        return scoped[name]
    if name in user:
        return user[name]
    obj = _kiln_object(name)
    if obj is not None and name_of(obj) == name and _allowed_by_default(obj):
        return obj
    dotted = name.replace(":", ".")
    raise UnsafeGlobalError(
        f"{what}: refusing to load {dotted}: it is not one of Kiln's own classes allowed by default; if you "
        f"trust this file, allow it with engine.serialization.add_safe_globals([{dotted.rpartition('.')[2]}]) "
        "or inside `with engine.serialization.safe_globals([...]):`"
    )
