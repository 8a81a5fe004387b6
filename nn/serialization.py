"""``nn.save(state_dict, path)`` / ``nn.load(path)``: checkpoints as ``.npz`` files, never pickle.

``save`` takes a mapping of names to Tensors, arrays or Python numbers (nested mappings are allowed
and stored under ``"outer/inner"`` keys); arrays of dtype object are refused.  The file is written
to a temporary file in the same directory, flushed to disk, then renamed over ``path`` — so a crash
never leaves a half-written checkpoint and an existing file is replaced only by a complete one.  The
path is used exactly as given (no ``.npz`` suffix is added).

``load`` reads with ``allow_pickle=False`` and returns an ``OrderedDict`` of CPU Tensors in the saved
order (nested again where it was nested), ready for ``Module.load_state_dict``.
"""
from __future__ import annotations

import os
import tempfile
from collections import OrderedDict

import numpy as np

from engine import Tensor
from engine.backend import to_numpy

__all__ = ["save", "load"]

_SEP = "/"


def _flatten(mapping, prefix, out):
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {type(key).__name__} ({key!r})")
        if _SEP in key:
            raise ValueError(f"save: key {key!r} must not contain {_SEP!r} (it separates nested keys)")
        name = prefix + key
        if hasattr(value, "items"):
            _flatten(value, name + _SEP, out)
            continue
        if isinstance(value, Tensor):
            arr = to_numpy(value.data)
        elif isinstance(value, (bool, int, float, np.generic)) or hasattr(value, "__array__"):
            arr = to_numpy(value) if hasattr(value, "shape") else np.asarray(value)
        else:
            raise TypeError(f"save: value for {name!r} is a {type(value).__name__}; only arrays and numbers are saved")
        if arr.dtype == object:
            raise TypeError(f"save: value for {name!r} has dtype object, which cannot be saved without pickle")
        out[name] = arr


def save(state_dict, path) -> None:
    """Write ``state_dict`` to ``path`` as .npz, atomically (temporary file + rename)."""
    if not hasattr(state_dict, "items"):
        raise TypeError(f"save: expected a mapping (e.g. module.state_dict()), got {type(state_dict).__name__}")
    arrays: OrderedDict = OrderedDict()
    _flatten(state_dict, "", arrays)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path) -> "OrderedDict":
    """Read a checkpoint written by :func:`save`: an OrderedDict of Tensors (nested where saved so)."""
    path = os.fspath(path)
    try:
        npz = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise ValueError(f"load: {path!r} is not a pickle-free .npz checkpoint ({e})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path!r} holds a single array, not a checkpoint written by nn.save")
    out: OrderedDict = OrderedDict()
    with npz:
        for name in npz.files:
            try:
                arr = npz[name]
            except ValueError as e:
                raise ValueError(f"load: entry {name!r} of {path!r} cannot be read without pickle ({e})") from None
            node = out
            parts = name.split(_SEP)
            for p in parts[:-1]:
                node = node.setdefault(p, OrderedDict())
            node[parts[-1]] = Tensor._wrap(arr)
    return out
