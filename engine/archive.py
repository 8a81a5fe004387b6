"""Checkpoint files, read and written safely: atomic replacement, bounded allocation, no pickle.

Everything that writes a checkpoint (``nn.save``, ``engine.save``) goes through :func:`atomic_write`,
and everything that reads an ``.npz`` archive (``nn.load``, ``engine.load``) through :func:`read_npz`.

Writing.  The bytes go to a temporary file next to the target, named ``.tmp-<name>-<pid>-<random>``,
which is flushed to disk and renamed over the target: a crash leaves either the old file or the new
one, never a half-written one.  A process killed mid-save leaves its temporary behind; the next save
of the same target removes every temporary of that target whose writing process is gone (temporaries
of the older ``.tmp-<name>-<random>`` form are removed once an hour old).  The new file keeps the
mode of the file it replaces; a new file gets the usual ``0o666 & ~umask``.

Reading.  A file may make Kiln allocate at most :data:`MAX_LOAD_BYTES` (1 GiB) of array data.  The
limit applies to the sizes the file *declares* (the zip directory, each ``.npy`` header), checked
before anything is decompressed or allocated, so a tiny deflate bomb is refused at once.  Pass
``max_bytes=`` to a loader (or set ``engine.archive.MAX_LOAD_BYTES``) to read larger files.  Every
malformed file raises :class:`CheckpointError` (a ``ValueError``) naming the file and what is wrong;
only a missing or unreadable path keeps its ``OSError``.  Arrays of dtype object (pickles) are never
read.
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import struct
import time
import tokenize
import zipfile
import zlib

import numpy as np

__all__ = ["MAX_LOAD_BYTES", "CheckpointError", "atomic_write", "byte_limit", "describe", "read_npz", "write_npz"]

MAX_LOAD_BYTES = 1 << 30
"""The most array data (bytes) a file may make Kiln allocate unless the loader is given ``max_bytes=``."""

_TMP_PREFIX = ".tmp-"
_LEGACY_TMP_AGE_S = 3600.0
_READ_CHUNK = 1 << 24
_NPY_HEADER_MAX = 10000

# what a damaged archive or .npy header raises from inside zipfile/zlib/numpy's header parser
_PARSE_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, ValueError, SyntaxError,
    tokenize.TokenError, struct.error, KeyError, IndexError, TypeError, OverflowError, NotImplementedError,
    RecursionError, MemoryError,
)


class CheckpointError(ValueError):
    """A checkpoint file is damaged, hostile or not in a format Kiln reads (the message names the file)."""


def describe(source) -> str:
    """How error messages name ``source``: the path as given, or the file object's name."""
    if isinstance(source, (str, bytes, os.PathLike)):
        return repr(os.fsdecode(source))
    name = getattr(source, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(source).__name__}>"


def byte_limit(max_bytes) -> int:
    """``max_bytes`` checked, or the module-wide :data:`MAX_LOAD_BYTES` when it is None."""
    if max_bytes is None:
        return MAX_LOAD_BYTES
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a non-negative integer (bytes), got {max_bytes!r}")
    return int(max_bytes)


def too_large(what: str, declared: int, limit: int) -> CheckpointError:
    return CheckpointError(
        f"{what} declares {declared} bytes of data, more than the limit of {limit} bytes; if you trust the file, "
        "pass a larger max_bytes= to the loader (or set engine.archive.MAX_LOAD_BYTES)"
    )


# ---- writing ------------------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # signal 0 is not a probe elsewhere: never guess a process is gone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists under another user
        return True
    return True


def _remove_stale_temporaries(directory: str, base: str) -> None:
    prefix = _TMP_PREFIX + base + "-"
    pattern = re.compile(r"(\d+)-[0-9a-f]{8}")
    legacy = re.compile(r"[a-z0-9_]{8}")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        rest = entry.name[len(prefix):]
        m = pattern.fullmatch(rest)
        try:
            if m:
                pid = int(m.group(1))
                stale = pid != os.getpid() and not _pid_alive(pid)
            elif legacy.fullmatch(rest):
                stale = now - entry.stat(follow_symlinks=False).st_mtime > _LEGACY_TMP_AGE_S
            else:
                stale = False
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass  # gone already, or not ours to remove


def atomic_write(path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file next to ``path``, then rename it over ``path``."""
    path = os.fspath(path)
    directory, base = os.path.split(os.path.abspath(path))
    _remove_stale_temporaries(directory, base)
    while True:
        tmp = os.path.join(directory, f"{_TMP_PREFIX}{base}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        try:
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            os.fsync(dfd)
        except OSError:
            pass
        finally:
            os.close(dfd)


def write_npz(f, arrays) -> None:
    """Write ``{name: ndarray}`` to the binary file ``f`` as an uncompressed ``.npz`` (``name.npy`` members)."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)


# ---- reading ------------------------------------------------------------------------------------
def _read_header(member, where: str):
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=_NPY_HEADER_MAX)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=_NPY_HEADER_MAX)
    else:
        raise CheckpointError(f"{where}: .npy format version {version} is not supported (1.0 and 2.0 are)")
    if dtype.hasobject:
        raise CheckpointError(f"{where} holds Python objects (dtype {dtype}), which cannot be read without pickle")
    if dtype.kind not in "biufcUS" or dtype.itemsize == 0 or dtype.fields is not None:
        raise CheckpointError(f"{where} has dtype {dtype!r}, which is not a numeric array dtype")
    return shape, fortran, dtype


def _read_exact(member, arr, nbytes: int, where: str) -> None:
    view = memoryview(arr.reshape(-1).view(np.uint8)) if nbytes else None
    pos = 0
    while pos < nbytes:
        chunk = member.read(min(_READ_CHUNK, nbytes - pos))
        if not chunk:
            raise CheckpointError(f"{where}: truncated: {pos} of {nbytes} data bytes")
        view[pos : pos + len(chunk)] = chunk
        pos += len(chunk)
    if member.read(1):  # also makes zipfile check the member's CRC
        raise CheckpointError(f"{where}: unexpected bytes after the array data")


def read_npz(source, max_bytes=None) -> list:
    """``[(name, ndarray), ...]`` in archive order from an ``.npz`` file (path or seekable binary file).

    Member names must end in ``.npy`` (the suffix is removed) and be unique; the declared sizes must fit
    the byte limit (see the module docstring).  Raises :class:`CheckpointError` naming the file."""
    what = describe(source)
    limit = byte_limit(max_bytes)
    try:
        zf = zipfile.ZipFile(source)
    except (OSError, RuntimeError) as e:
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise CheckpointError(f"{what} cannot be read as a .npz archive ({type(e).__name__}: {e})") from None
    except _PARSE_ERRORS as e:
        raise CheckpointError(f"{what} is not a .npz archive (a zip file): {type(e).__name__}: {e}") from None
    out = []
    with zf:
        infos = zf.infolist()
        seen = set()
        for info in infos:
            name = info.orig_filename
            if "\x00" in name:
                raise CheckpointError(f"{what}: member name {name!r} contains a NUL character")
            if not name.endswith(".npy") or name == ".npy":
                raise CheckpointError(
                    f"{what}: member {name!r} is not a .npy array (a .npz holds only NAME.npy members)"
                )
            if name in seen:
                raise CheckpointError(f"{what}: member {name!r} appears twice")
            seen.add(name)
        declared = sum(info.file_size for info in infos)
        if declared > limit:
            raise too_large(what, declared, limit)
        for info in infos:
            where = f"{what}, member {info.orig_filename!r}"
            try:
                with zf.open(info) as member:
                    shape, fortran, dtype = _read_header(member, where)
                    count = 1
                    for s in shape:
                        count *= int(s)
                    nbytes = count * dtype.itemsize
                    if member.tell() + nbytes != info.file_size:
                        raise CheckpointError(
                            f"{where}: its header declares shape {shape} of {dtype} ({nbytes} bytes) but the "
                            f"member holds {info.file_size - member.tell()} data bytes"
                        )
                    arr = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
                    _read_exact(member, arr, nbytes, where)
            except CheckpointError:
                raise
            except RuntimeError as e:  # e.g. an encrypted member
                raise CheckpointError(f"{where} cannot be read: {e}") from None
            except _PARSE_ERRORS as e:
                raise CheckpointError(f"{where} is damaged: {type(e).__name__}: {e}") from None
            out.append((info.orig_filename[: -len(".npy")], arr.T if fortran else arr))
    return out
