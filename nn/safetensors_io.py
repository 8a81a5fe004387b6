"""The safetensors format, read and written by Kiln itself (the ``safetensors`` package is not needed).

A file is: 8 bytes (little-endian unsigned) giving the header's length N, N bytes of UTF-8 JSON
``{"__metadata__": {str: str}, NAME: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}}``,
then the tensors' raw little-endian bytes, offsets counted from the end of the header.

Written as Hugging Face's implementation writes it, so that ``safetensors.numpy.load_file`` and
``safetensors.torch.load_file`` read Kiln's files: the header is padded with spaces to a multiple of
8 bytes, the data are laid out largest element size first (each tensor stays aligned) and cover the
data section with no gap; ``__metadata__`` says ``{"format": "pt"}`` because Kiln's names and layouts
are PyTorch's.  The header lists the tensors in the order they were given, and :func:`read_safetensors`
returns them in header order, so a Kiln round trip keeps the state dict's order.

Reading checks everything before it allocates: the header length against the file size, the JSON
(no duplicate names), every dtype (one Kiln has: see ``DTYPES``; e.g. F8_E4M3 or C64 are refused by
name), that each tensor's byte range matches its shape and dtype, that ranges neither overlap nor
leave gaps nor run past the end of the file, and that the total fits the byte limit of
``engine.archive``.  Errors are :class:`engine.archive.CheckpointError` naming the file.
"""
from __future__ import annotations

import json
import os

import numpy as np

from engine.archive import CheckpointError, byte_limit, describe, too_large

__all__ = ["DTYPES", "read_safetensors", "write_safetensors"]

DTYPES = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "<i2", "U16": "<u2", "I32": "<i4", "U32": "<u4",
    "I64": "<i8", "U64": "<u8", "F16": "<f2", "F32": "<f4", "F64": "<f8", "BF16": "bfloat16",
}
"""safetensors dtype codes Kiln reads and writes, with their NumPy dtypes (BF16 through ``ml_dtypes``)."""

_HEADER_MAX = 100 * 1024 * 1024  # the reference implementation's own cap on the JSON header


def _numpy_dtype(code: str) -> np.dtype:
    spec = DTYPES[code]
    if spec == "bfloat16":
        import ml_dtypes  # noqa: PLC0415  (optional: only bfloat16 needs it)

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(spec)


def _code_of(dtype: np.dtype):
    if dtype.name == "bfloat16":
        return "BF16"
    for code, spec in DTYPES.items():
        if spec != "bfloat16" and np.dtype(spec).newbyteorder("=") == dtype.newbyteorder("="):
            return code
    return None


def write_safetensors(f, arrays) -> None:
    """Write ``{name: ndarray}`` to the binary file ``f`` in the safetensors format."""
    entries = []
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        code = _code_of(arr.dtype)
        if code is None:
            raise TypeError(f"save: {name!r} has dtype {arr.dtype}, which safetensors cannot store "
                            f"(it stores {', '.join(DTYPES)})")
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        entries.append((name, code, arr if arr.flags.c_contiguous else arr.copy(order="C")))  # keeps 0-d
    layout = sorted(range(len(entries)), key=lambda i: -entries[i][2].dtype.itemsize)  # stable: keeps order
    offsets, pos = {}, 0
    for i in layout:
        offsets[i] = (pos, pos + entries[i][2].nbytes)
        pos += entries[i][2].nbytes
    header = {"__metadata__": {"format": "pt"}}
    for i, (name, code, arr) in enumerate(entries):
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": list(offsets[i])}
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    f.write(len(blob).to_bytes(8, "little"))
    f.write(blob)
    for i in layout:
        arr = entries[i][2]
        if arr.nbytes:
            f.write(arr.reshape(-1).view(np.uint8))


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise CheckpointError(f"the header names {key!r} twice")
        out[key] = value
    return out


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _parse_header(raw: bytes, what: str) -> tuple:
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except CheckpointError as e:
        raise CheckpointError(f"{what}: {e}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{what}: the safetensors header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{what}: the safetensors header is a {type(header).__name__}, not a JSON object")
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise CheckpointError(f"{what}: __metadata__ must map strings to strings")
    tensors = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(
                f"{what}: tensor {name!r} must have exactly dtype, shape and data_offsets, got {entry!r}"
            )
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(code, str) or code not in DTYPES:
            raise CheckpointError(f"{what}: tensor {name!r} has dtype {code!r}, which Kiln does not have "
                                  f"(it reads {', '.join(DTYPES)})")
        if not isinstance(shape, list) or not all(_is_count(s) for s in shape):
            raise CheckpointError(f"{what}: tensor {name!r} has shape {shape!r}, not a list of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)
                and offsets[0] <= offsets[1]):
            raise CheckpointError(
                f"{what}: tensor {name!r} has data_offsets {offsets!r}, not [begin, end] with begin <= end"
            )
        try:
            dtype = _numpy_dtype(code)
        except ImportError:
            raise CheckpointError(f"{what}: tensor {name!r} is {code}, which needs the ml_dtypes package") from None
        count = 1
        for s in shape:
            count *= s
        if count * dtype.itemsize != offsets[1] - offsets[0]:
            raise CheckpointError(
                f"{what}: tensor {name!r} of shape {tuple(shape)} and dtype {code} needs {count * dtype.itemsize} "
                f"bytes but its data_offsets {offsets} span {offsets[1] - offsets[0]}"
            )
        tensors.append((name, dtype, tuple(shape), offsets[0], offsets[1]))
    return tensors


def _check_layout(tensors, data_len: int, what: str) -> None:
    pos, prev = 0, None
    for name, _, _, begin, end in sorted(tensors, key=lambda t: (t[3], t[4])):
        if end > data_len:
            raise CheckpointError(f"{what}: tensor {name!r} has data_offsets [{begin}, {end}], past the end of the "
                                  f"data section ({data_len} bytes)")
        if begin < pos:
            raise CheckpointError(f"{what}: tensors {prev!r} and {name!r} overlap (bytes {begin}..{pos})")
        if begin > pos:
            raise CheckpointError(f"{what}: {begin - pos} bytes before tensor {name!r} belong to no tensor")
        pos, prev = end, name
    if pos != data_len:
        raise CheckpointError(f"{what}: {data_len - pos} bytes after the last tensor belong to no tensor")


def read_safetensors(path, max_bytes=None) -> list:
    """``[(name, ndarray), ...]`` in header order from the safetensors file ``path`` (checked first)."""
    what = describe(path)
    limit = byte_limit(max_bytes)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError(f"{what}: truncated: {size} bytes, too short for a safetensors header length")
        n = int.from_bytes(head, "little")
        if n > size - 8:
            raise CheckpointError(f"{what}: truncated header: it declares {n} bytes, the file holds {size - 8} after "
                                  "the length")
        if n > _HEADER_MAX:
            raise CheckpointError(f"{what}: the header declares {n} bytes, more than the {_HEADER_MAX} a safetensors "
                                  "header may have")
        tensors = _parse_header(f.read(n), what)
        data_len = size - 8 - n
        _check_layout(tensors, data_len, what)
        if data_len > limit:
            raise too_large(what, data_len, limit)
        out = []
        for name, dtype, shape, begin, end in tensors:
            arr = np.empty(shape, dtype=dtype)
            if end > begin:
                f.seek(8 + n + begin)
                view = arr.reshape(-1).view(np.uint8)
                if f.readinto(view) != end - begin:
                    raise CheckpointError(f"{what}: truncated while reading tensor {name!r}")
            if not np.little_endian:
                arr = arr.astype(arr.dtype.newbyteorder("="))
            out.append((name, arr))
    return out
