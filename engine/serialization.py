"""``engine.save(obj, f)`` / ``engine.load(f, map_location=None, weights_only=True)``: what
``torch.save``/``torch.load`` store, without pickle.

What can be saved: Tensors (and Parameters), NumPy arrays and scalars, Python numbers, strings, bytes,
None, lists, tuples, dicts (any hashable saved keys: ``int`` keys of an optimizer's state stay ints),
OrderedDicts, sets, devices, dtypes, and whole objects such as Modules.  Objects shared in several
places (a tied weight, a module used twice) are stored once and come back shared; cycles are kept.
Tensors come back as leaves with their ``requires_grad`` (gradients are not saved, as in torch).

The file.  An uncompressed ``.npz`` archive (``engine.archive``): every array is a member ``<i>.npy``
and the member ``__kiln__.npy`` holds the structure as UTF-8 JSON (a uint8 array) naming, for each
node, what it is.  ``np.load`` can inspect a file; nothing in it is ever unpickled.  A path is written
atomically (``engine.archive.atomic_write``); a binary file object is written in place.  ``load``
reads paths and seekable binary file objects, with the byte limit of ``engine.archive``
(``max_bytes=``).

Objects.  An object is stored as its class's qualified name plus its ``__dict__`` (or what its
``__getstate__`` returns); functions and classes stored as values (``self.act = F.relu``) by their
qualified names.  Loading rebuilds an object with ``cls.__new__(cls)`` and restores its state
(``__setstate__`` or ``__dict__``): nothing else is ever called, and only for names the allowlist
(``engine/safe_globals.py``) allows: Kiln's own Modules, Tensors and public functions by default,
anything else only through ``add_safe_globals([MyNet])`` or ``with safe_globals([MyNet]):`` (both
re-exported here, as in ``torch.serialization``); any other name raises :class:`UnsafeGlobalError`
naming it.  ``weights_only`` is accepted for torch's signature; ``False`` does *not* switch on a
general unpickler (Kiln has none): it loads exactly as ``True``.

Objects that pickle through their own ``__reduce__`` (``functools.partial``, say) are refused at
save time: their constructor arguments are exactly what this format never stores or calls.

``map_location``: None (each tensor to the device it was saved on), a device or string (everything
there), a dict ``{"cuda:0": "cpu"}``, or a callable ``fn(cpu_tensor, saved_location)`` returning a
Tensor to use (or None for the default), as torch's.
"""
from __future__ import annotations

import collections
import json
import os
import sys
import types

import numpy as np

from . import backend
from .archive import CheckpointError, atomic_write, describe, read_npz, write_npz
from .safe_globals import (  # noqa: F401  (re-exported: engine.serialization.safe_globals etc., as torch's)
    UnsafeGlobalError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    name_of,
    register_safe_base,
    resolve,
    safe_globals,
)
from .tensor import Tensor

__all__ = [
    "save", "load", "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals",
    "register_safe_base", "UnsafeGlobalError", "CheckpointError",
]

FORMAT, VERSION = "kiln.serialization", 1
STRUCTURE = "__kiln__"


# ---- writing ------------------------------------------------------------------------------------
def _reachable_name(obj) -> str:
    module, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    target = sys.modules.get(module) if isinstance(module, str) else None
    for part in (qual or "<none>").split("."):
        target = getattr(target, part, None)
    if target is not obj:
        raise TypeError(f"save: cannot save {obj!r}: it is not reachable by a module-level name "
                        "(a lambda, a local function or class?)")
    return name_of(obj)


class _Encoder:
    def __init__(self):
        self.arrays: dict = {}
        self.memo: dict = {}  # id(obj) -> node id
        self.keep: list = []  # keeps memoized objects alive so that their ids stay unique

    def array(self, arr) -> dict:
        arr = np.asarray(arr)
        if arr.dtype.hasobject:
            raise TypeError(f"save: an array of dtype {arr.dtype} cannot be saved without pickle")
        name = str(len(self.arrays))
        if arr.dtype.kind in "biufcUS":
            self.arrays[name] = arr
            return {"array": name}
        self.arrays[name] = arr.view(f"u{arr.dtype.itemsize}")  # e.g. bfloat16 (ml_dtypes): stored as raw bits
        return {"array": name, "view": arr.dtype.name}

    def remember(self, obj) -> int:
        self.memo[id(obj)] = k = len(self.memo)
        self.keep.append(obj)
        return k

    def items(self, mapping) -> list:
        return [[self.encode(k), self.encode(v)] for k, v in mapping.items()]

    def encode(self, o):
        if o is None or isinstance(o, (bool, str)) or type(o) in (int, float):
            return o
        if id(o) in self.memo:
            return {"$": "ref", "id": self.memo[id(o)]}
        if isinstance(o, Tensor):
            cls = type(o)
            node = {"$": "tensor", "id": self.remember(o), "requires_grad": bool(o.requires_grad),
                    "device": str(o.device), **self.array(o.numpy())}
            if cls is not Tensor:
                node["class"] = _reachable_name(cls)
            return node
        if backend.is_array(o):
            return {"$": "ndarray", "id": self.remember(o), **self.array(backend.to_numpy(o))}
        if isinstance(o, np.generic):
            return {"$": "npscalar", **self.array(np.asarray(o))}
        if type(o) is complex:
            return {"$": "complex", "real": o.real, "imag": o.imag}
        if type(o) is bytes:
            return {"$": "bytes", **self.array(np.frombuffer(o, dtype=np.uint8))}
        if type(o) is tuple:
            return {"$": "tuple", "items": [self.encode(v) for v in o]}
        if type(o) is list:
            k = self.remember(o)
            return {"$": "list", "id": k, "items": [self.encode(v) for v in o]}
        if type(o) in (dict, collections.OrderedDict):
            tag = "dict" if type(o) is dict else "odict"
            k = self.remember(o)
            return {"$": tag, "id": k, "items": self.items(o)}
        if type(o) in (set, frozenset):
            return {"$": type(o).__name__, "items": [self.encode(v) for v in o]}
        if isinstance(o, backend.Device):
            return {"$": "device", "name": str(o)}
        if isinstance(o, np.dtype):
            return {"$": "dtype", "name": o.name}
        if isinstance(o, (type, types.FunctionType, types.BuiltinFunctionType)):
            return {"$": "global", "name": _reachable_name(o)}
        return self.encode_object(o)

    def encode_object(self, o):
        cls = type(o)
        name = _reachable_name(cls)
        if cls.__reduce_ex__ is not object.__reduce_ex__ or cls.__reduce__ is not object.__reduce__:
            raise TypeError(f"save: cannot save a {cls.__qualname__}: it pickles through __reduce__, whose "
                            "arguments Kiln's format does not store (only __dict__ or __getstate__ state)")
        own_state = getattr(cls, "__getstate__", None) not in (None, getattr(object, "__getstate__", None))
        if own_state:
            state, setstate = o.__getstate__(), True
        elif hasattr(o, "__dict__"):
            state, setstate = dict(vars(o)), False
        else:
            raise TypeError(f"save: cannot save a {cls.__qualname__}: it has neither __dict__ nor __getstate__")
        k = self.remember(o)
        if not setstate:
            return {"$": "object", "id": k, "class": name, "dict": self.items(state)}
        self.keep.append(state)
        return {"$": "object", "id": k, "class": name, "setstate": self.encode(state)}


def save(obj, f) -> None:
    """Write ``obj`` to ``f`` (a path, written atomically, or a binary file object)."""
    enc = _Encoder()
    root = enc.encode(obj)
    doc = json.dumps({"format": FORMAT, "version": VERSION, "root": root}).encode("utf-8")
    arrays = dict(enc.arrays)
    arrays[STRUCTURE] = np.frombuffer(doc, dtype=np.uint8)
    if isinstance(f, (str, bytes, os.PathLike)):
        atomic_write(f, lambda fh: write_npz(fh, arrays))
    else:
        write_npz(f, arrays)


# ---- reading ------------------------------------------------------------------------------------
def _map_device(location: str, map_location):
    if map_location is None:
        return location
    if isinstance(map_location, dict):
        return str(map_location.get(location, location))
    return str(map_location)


class _Decoder:
    def __init__(self, arrays, what, map_location):
        self.arrays, self.what, self.map_location = arrays, what, map_location
        self.memo: dict = {}

    def fail(self, msg):
        return CheckpointError(f"{self.what}: malformed structure: {msg}")

    def array(self, node):
        name = node.get("array")
        if name not in self.arrays:
            raise self.fail(f"array {name!r} is not in the archive")
        arr = self.arrays[name]
        view = node.get("view")
        if view is not None:
            try:
                import ml_dtypes  # noqa: PLC0415  (only the dtypes NumPy lacks are stored as views)

                dtype = np.dtype(getattr(ml_dtypes, view))
            except (ImportError, AttributeError, TypeError):
                raise self.fail(f"array {name!r} has dtype {view!r}, which this installation lacks") from None
            if dtype.itemsize != arr.dtype.itemsize or arr.dtype.kind != "u":
                raise self.fail(f"array {name!r} of dtype {arr.dtype} cannot hold {view}")
            arr = arr.view(dtype)
        return arr

    def tensor(self, node):
        arr, location = self.array(node), node.get("device", "cpu")
        cls = Tensor if "class" not in node else resolve(node["class"], self.what)
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise self.fail(f"{node['class']!r} is not a Tensor class")
        if callable(self.map_location) and not isinstance(self.map_location, (str, backend.Device)):
            res = self.map_location(Tensor._wrap(arr), location)
            data = res.array if isinstance(res, Tensor) else self.to(arr, location)
        else:
            data = self.to(arr, _map_device(location, self.map_location))
        requires_grad = bool(node.get("requires_grad", False)) and data.dtype.kind in "fc"
        return cls._wrap(data, requires_grad=requires_grad)

    def to(self, arr, device):
        try:
            return backend.to_device(arr, device)
        except backend.CUDAUnavailableError:
            raise backend.CUDAUnavailableError(
                f"engine.load: {self.what} holds tensors saved on {device}, but CUDA is not available here; "
                "pass map_location='cpu'"
            ) from None

    def register(self, node, obj):
        k = node.get("id")
        if k is not None:
            self.memo[k] = obj
        return obj

    def decode(self, node):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if not isinstance(node, dict) or not isinstance(node.get("$"), str):
            raise self.fail(f"unexpected node {str(node)[:80]!r}")
        tag = node["$"]
        if tag == "ref":
            if node.get("id") not in self.memo:
                raise self.fail(f"reference to unknown object {node.get('id')!r}")
            return self.memo[node["id"]]
        if tag == "tensor":
            return self.register(node, self.tensor(node))
        if tag == "ndarray":
            return self.register(node, self.array(node))
        if tag == "npscalar":
            return self.array(node)[()]
        if tag == "complex":
            return complex(node["real"], node["imag"])
        if tag == "bytes":
            return self.array(node).tobytes()
        if tag == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if tag == "list":
            out = self.register(node, [])
            out.extend(self.decode(v) for v in node["items"])
            return out
        if tag in ("dict", "odict"):
            out = self.register(node, {} if tag == "dict" else collections.OrderedDict())
            for k, v in node["items"]:
                out[self.decode(k)] = self.decode(v)
            return out
        if tag in ("set", "frozenset"):
            return (set if tag == "set" else frozenset)(self.decode(v) for v in node["items"])
        if tag == "device":
            return backend.Device(node["name"])
        if tag == "dtype":
            return np.dtype(node["name"])
        if tag == "global":
            return resolve(node["name"], self.what)
        if tag == "object":
            return self.object(node)
        raise self.fail(f"unknown node kind {tag!r}")

    def object(self, node):
        cls = resolve(node.get("class"), self.what)
        if not isinstance(cls, type):
            raise self.fail(f"{node.get('class')!r} is not a class")
        obj = self.register(node, cls.__new__(cls))
        if "setstate" in node:
            obj.__setstate__(self.decode(node["setstate"]))
            return obj
        state = {}
        for k, v in node["dict"]:
            key = self.decode(k)
            if not isinstance(key, str):
                raise self.fail(f"attribute name {key!r} of a {cls.__qualname__} is not a string")
            state[key] = self.decode(v)
        obj.__dict__.update(state)
        return obj


def load(f, map_location=None, weights_only: bool = True, max_bytes=None):
    """Read what :func:`save` wrote to ``f`` (a path or a seekable binary file object)."""
    what = describe(f)
    arrays = dict(read_npz(f, max_bytes=max_bytes))
    if STRUCTURE not in arrays:
        raise CheckpointError(f"{what} was not written by engine.save (it has no {STRUCTURE} member; "
                              "an nn.save checkpoint is read by nn.load)")
    raw = arrays.pop(STRUCTURE)
    try:
        doc = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{what}: the structure is not valid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise CheckpointError(f"{what}: not a {FORMAT} version {VERSION} file")
    dec = _Decoder(arrays, what, map_location)
    try:
        return dec.decode(doc.get("root"))
    except (CheckpointError, backend.CUDAUnavailableError):
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as e:
        raise CheckpointError(f"{what}: malformed structure ({type(e).__name__}: {e})") from None
