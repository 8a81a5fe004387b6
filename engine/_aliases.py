"""torch's namespace under ``engine``: ``engine.nn``, ``engine.optim`` and ``engine.utils.data`` are the
very module objects ``nn``, ``optim`` and ``nn.data`` (and so are their submodules: ``engine.nn.functional``
is ``nn.functional``), so a program written ``import torch.nn.functional as F`` or ``from
torch.utils.data import DataLoader`` runs with ``torch`` renamed to ``engine``.

``engine`` must not import ``nn``/``optim`` while it initialises (they import ``engine``), so the
aliases resolve on first use: a meta-path finder answers imports of the aliased names with the real
module (never a second copy, so classes stay identical), and ``engine.__getattr__`` answers attribute
access (``engine.nn.Linear`` after a plain ``import engine``).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: alias prefix -> the real package it stands for
ALIASES = {"engine.nn": "nn", "engine.optim": "optim", "engine.utils.data": "nn.data"}


def real_name(fullname: str):
    """The real module name behind an aliased one (``engine.nn.functional`` -> ``nn.functional``), or None."""
    for alias, real in ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str):
        self.real = real

    def create_module(self, spec):
        return importlib.import_module(self.real)  # the real module itself: its attributes are left as they are

    def exec_module(self, module):
        pass  # already executed under its real name


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        real = real_name(fullname)
        if real is None:
            return None
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real), is_package=True)


def install() -> None:
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())


def resolve(fullname: str):
    """Import the aliased module ``fullname`` (e.g. ``"engine.nn"``) and return it."""
    return importlib.import_module(fullname)
