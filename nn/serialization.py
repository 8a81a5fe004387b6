"""``nn.save(state_dict, path)`` / ``nn.load(path, max_bytes=None)``: checkpoints as ``.npz`` or
``.safetensors`` files, chosen by the path's suffix; never pickle.

``save`` takes a mapping of names to Tensors, arrays or Python numbers.  Nested mappings are allowed
and stored under ``"outer/inner"`` keys, so a key may not contain ``/`` (nor NUL, nor be empty);
arrays of dtype object are refused.  ``.npz`` files are plain NumPy archives (``np.load`` reads them;
bfloat16 cannot be stored there: use ``.safetensors``); ``.safetensors`` files follow Hugging Face's
format (``nn/safetensors_io.py``), so PyTorch's ``safetensors.torch.save_file`` output loads as it is
and ``safetensors.numpy.load_file`` reads Kiln's.  Any other suffix is refused: the path is used
exactly as given.  The write is atomic (``engine.archive.atomic_write``: temporary file, fsync,
rename; stale temporaries of the same target left by a killed save are removed; the replaced file's
mode is kept).

``load`` returns an ``OrderedDict`` of CPU Tensors in the saved order (nested again where it was
nested), ready for ``Module.load_state_dict``.  A file may make Kiln allocate at most
``engine.archive.MAX_LOAD_BYTES`` (1 GiB) unless ``max_bytes=`` says otherwise; declared sizes are
checked before anything is allocated.  A damaged or hostile file raises
``engine.archive.CheckpointError`` (a ``ValueError``) naming the file: not a zip, truncated, members
that are not ``.npy`` arrays, duplicate names, a name that is both a value and a nested mapping
(``a`` and ``a/b``), pickled content, a dtype Kiln lacks, overlapping safetensors offsets.
"""
from __future__ import annotations

import os
from collections import OrderedDict

import numpy as np

import engine.serialization
from engine import Tensor
from engine.archive import CheckpointError, atomic_write, describe, read_npz, write_npz

from .module import Module
from .safetensors_io import read_safetensors, write_safetensors

__all__ = ["save", "load", "FORMATS"]

_SEP = "/"

FORMATS = {".npz": (write_npz, read_npz), ".safetensors": (write_safetensors, read_safetensors)}
"""Suffix -> (writer, reader) of the formats ``save``/``load`` know."""

# Kiln's own modules and parameters are safe for ``engine.load`` to rebuild (see engine/serialization.py)
engine.serialization.register_safe_base(Module)


def _format(path, op: str):
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{op}: {path!r} has suffix {suffix!r}; the format is chosen by suffix: "
            + " or ".join(repr(s) for s in FORMATS)
        )
    return FORMATS[suffix]


def _check_key(key, prefix: str) -> None:
    if not isinstance(key, str):
        raise TypeError(f"save: keys must be strings, got {type(key).__name__} ({key!r}) under {prefix!r}")
    if not key or _SEP in key or "\x00" in key:
        raise ValueError(
            f"save: key {prefix + key!r} is empty or contains {_SEP!r} (which separates nested keys) or NUL"
        )


def _flatten(mapping, prefix, out):
    for key, value in mapping.items():
        _check_key(key, prefix)
        name = prefix + key
        if hasattr(value, "items"):
            _flatten(value, name + _SEP, out)
            continue
        if isinstance(value, Tensor):
            arr = value.numpy()
        elif isinstance(value, (bool, int, float, np.generic)) or hasattr(value, "__array__"):
            arr = np.asarray(value)
        else:
            raise TypeError(f"save: value for {name!r} is a {type(value).__name__}; only arrays and numbers are saved")
        if arr.dtype == object:
            raise TypeError(f"save: value for {name!r} has dtype object, which cannot be saved without pickle")
        out[name] = arr


def save(state_dict, path) -> None:
    """Write ``state_dict`` to ``path`` (``.npz`` or ``.safetensors``), atomically."""
    if not hasattr(state_dict, "items"):
        raise TypeError(f"save: expected a mapping (e.g. module.state_dict()), got {type(state_dict).__name__}")
    path = os.fspath(path)
    writer, _ = _format(path, "save")
    arrays: OrderedDict = OrderedDict()
    _flatten(state_dict, "", arrays)
    if writer is write_npz:
        for name, arr in arrays.items():
            if arr.dtype.kind not in "biufc":
                raise TypeError(f"save: {name!r} has dtype {arr.dtype}, which .npz cannot store faithfully; "
                                "save to a .safetensors path instead")
    atomic_write(path, lambda f: writer(f, arrays))


def _nest(items, what: str) -> "OrderedDict":
    out: OrderedDict = OrderedDict()
    leaves = {}
    for name, arr in items:
        if arr.dtype.kind not in "biuf" and arr.dtype.name != "bfloat16":
            raise CheckpointError(f"{what}: {name!r} has dtype {arr.dtype}, not a Kiln tensor dtype")
        parts = name.split(_SEP)
        if not all(parts):
            raise CheckpointError(f"{what}: key {name!r} has an empty part between {_SEP!r} separators")
        node = out
        for depth, p in enumerate(parts):
            here = _SEP.join(parts[: depth + 1])
            if here in leaves:
                raise CheckpointError(f"{what}: key {name!r} nests under {here!r}, which is itself a tensor")
            if depth == len(parts) - 1:
                if p in node:
                    raise CheckpointError(f"{what}: key {name!r} is both a tensor and a nested mapping "
                                          f"(other keys start with {name + _SEP!r})")
                node[p] = Tensor._wrap(arr)
                leaves[here] = True
            else:
                node = node.setdefault(p, OrderedDict())
    return out


def load(path, max_bytes=None) -> "OrderedDict":
    """Read a checkpoint written by :func:`save` (or any pickle-free .npz / safetensors file)."""
    path = os.fspath(path)
    _, reader = _format(path, "load")
    items = reader(path, max_bytes=max_bytes)
    if any(name == engine.serialization.STRUCTURE for name, _ in items):
        raise CheckpointError(f"{describe(path)} was written by engine.save: read it with engine.load")
    return _nest(items, describe(path))
