"""Downloading dataset files: mirrors tried in turn, MD5-checked, resumable and atomic, urllib only.

:func:`download_file` fetches one URL into ``<file>.part`` next to the target, checks the MD5 of the
whole ``.part`` file, and only then renames it over the target (``os.replace``): the target is either
absent or complete and verified, never half-written.  A download that breaks off (connection lost,
timeout, Ctrl-C) keeps its ``.part`` file, and the next call asks the server for the rest only
(HTTP ``Range: bytes=<have>-``); a server that ignores the range (status 200) is read from the start
again.  A file whose MD5 does not match is deleted and the call fails naming the URL and both sums.

:func:`download_resource` tries each mirror of a dataset in turn (a dataset's ``mirrors`` class
attribute, torchvision's spelling: set ``MNIST.mirrors = ["http://my.host/mnist/"]`` to use your own
copy) and reports every mirror's failure in one :class:`DownloadError` when none works, including the
hint that there may be no network, and where to place the file by hand instead.

Bounds: at most ``max_bytes`` (default ``engine.archive.MAX_LOAD_BYTES``, 1 GiB) are written for one
file, and a server silent for :data:`TIMEOUT` seconds is given up on.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from pathlib import Path

from engine.archive import byte_limit

__all__ = ["DownloadError", "TIMEOUT", "file_md5", "download_file", "download_resource"]

TIMEOUT = 30.0
"""Seconds a server may stay silent (connecting or mid-transfer) before a download gives up."""

_CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """A dataset file could not be downloaded (no network, HTTP error, MD5 mismatch, too large)."""


def file_md5(path, chunk: int = 1 << 20) -> str:
    """The hex MD5 digest of the file at ``path``, read in chunks."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _reason(e: BaseException) -> str:
    if isinstance(e, http.client.IncompleteRead):
        return f"the connection closed with {e.expected} bytes still to come"
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return f"could not connect ({e.reason})"
    return f"{type(e).__name__}: {e}"


def _open(url: str, start: int, timeout: float):
    headers = {"User-Agent": "kiln-datasets"}
    if start:
        headers["Range"] = f"bytes={start}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def _verify_and_publish(part: Path, path: Path, url: str, md5: str | None) -> Path:
    if md5 is not None:
        got = file_md5(part)
        if got != md5.lower():
            part.unlink()
            raise DownloadError(f"{url}: MD5 mismatch for {path.name}: expected {md5}, got {got}; "
                                "the download was discarded")
    os.replace(part, path)
    return path


def download_file(url: str, path, md5: str | None = None, timeout: float | None = None,
                  max_bytes: int | None = None) -> Path:
    """Fetch ``url`` to ``path`` (see the module docstring): resumes from ``path + ".part"``,
    checks ``md5`` (hex) before the atomic rename, writes at most ``max_bytes``.  Returns ``path``."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    limit = byte_limit(max_bytes)
    timeout = TIMEOUT if timeout is None else float(timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    try:
        resp = _open(url, have, timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the range starts at the end: the .part file may already be whole
            e.close()
            return _verify_and_publish(part, path, url, md5)
        raise DownloadError(f"{url}: {_reason(e)}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        raise DownloadError(f"{url}: {_reason(e)}") from None
    with resp:
        resumed = have and resp.status == 206 and resp.headers.get("Content-Range", "").startswith(f"bytes {have}-")
        if not resumed:
            have = 0
        length = resp.headers.get("Content-Length")
        if length is not None and length.isdigit() and have + int(length) > limit:
            raise DownloadError(f"{url}: the server announces {have + int(length)} bytes, more than the limit of "
                                f"{limit} bytes (pass max_bytes= or set engine.archive.MAX_LOAD_BYTES)")
        written = have
        try:
            with open(part, "ab" if resumed else "wb") as f:
                while block := resp.read1(_CHUNK):  # what has arrived, so a stall loses nothing
                    written += len(block)
                    if written > limit:
                        f.close()
                        part.unlink()
                        raise DownloadError(f"{url}: more than the limit of {limit} bytes; the download was discarded")
                    f.write(block)
                f.flush()
                os.fsync(f.fileno())
            if length is not None and length.isdigit() and written < have + int(length):
                raise http.client.IncompleteRead(b"", have + int(length) - written)  # the connection closed early
        except (OSError, http.client.HTTPException) as e:
            raise DownloadError(
                f"{url}: interrupted after {written} bytes ({_reason(e)}); the partial file {part} is kept "
                "and the next download resumes from it"
            ) from None
    return _verify_and_publish(part, path, url, md5)


def download_resource(mirrors, filename: str, md5: str | None, folder, dataset: str,
                      timeout: float | None = None) -> Path:
    """``folder/filename`` with the given MD5: kept if already there and matching, otherwise fetched
    from the first of ``mirrors`` (base URLs) that delivers it.  Raises :class:`DownloadError` naming
    every mirror's failure when none does."""
    folder = Path(folder)
    path = folder / filename
    if path.exists() and (md5 is None or file_md5(path) == md5.lower()):
        return path
    errors = []
    for base in mirrors:
        url = base if base.endswith(filename) else base.rstrip("/") + "/" + filename
        try:
            return download_file(url, path, md5, timeout=timeout)
        except DownloadError as e:
            errors.append(str(e))
    tried = "\n  ".join(errors) if errors else "(no mirrors configured)"
    raise DownloadError(
        f"{dataset}: could not download {filename}; tried:\n  {tried}\n"
        f"Is there a network connection (or a proxy to set through HTTPS_PROXY)?  Otherwise place {filename} "
        f"in {folder} by hand, or point {dataset}.mirrors at a reachable copy."
    )
