"""nn.load and the IDX reader on damaged and hostile files (issue 18, item 10): every failure is a
CheckpointError/IDXError naming the file, and declared sizes are refused before anything is
allocated or decompressed (deflate and gzip bombs)."""
import gzip
import io
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import engine
import nn
from engine import archive
from engine.archive import CheckpointError
from nn.data.mnist import IDXError, read_idx


def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_truncated_and_non_zip_files_name_the_file(tmp_path):
    good = tmp_path / "good.npz"
    nn.save({"w": np.arange(50, dtype=np.float32), "b": np.ones(3)}, good)
    raw = good.read_bytes()
    for cut in (0, 10, len(raw) // 2, len(raw) - 1):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match=f"cut{cut}.npz"):
            nn.load(bad)
    text = tmp_path / "notes.npz"
    text.write_text("this is not a zip archive at all\n" * 4)
    with pytest.raises(CheckpointError, match=r"'.*notes.npz' is not a .npz archive \(a zip file\)"):
        nn.load(text)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "absent.npz")


def test_damaged_npy_header_is_a_clear_error(tmp_path):
    data = bytearray(npy_bytes(np.arange(4.0)))
    data[10:40] = b"{'descr': '<f8', 'shape': ((("  # a header numpy's parser chokes on (TokenError etc.)
    path = write_zip(tmp_path / "hdr.npz", {"w.npy": bytes(data)})
    with pytest.raises(CheckpointError, match=r"hdr.npz', member 'w.npy' is damaged"):
        nn.load(path)


def test_key_collisions_are_refused(tmp_path):
    for order in (("a", "a/b"), ("a/b", "a")):
        path = write_zip(tmp_path / "collide.npz", {k + ".npy": npy_bytes(np.ones(2)) for k in order})
        with pytest.raises(CheckpointError, match=r"collide.npz': key 'a(/b)?' (nests under 'a', which is itself a "
                                                  r"tensor|is both a tensor and a nested mapping)"):
            nn.load(path)
    path = write_zip(tmp_path / "empty_part.npz", {"a//b.npy": npy_bytes(np.ones(2))})
    with pytest.raises(CheckpointError, match="empty part"):
        nn.load(path)


def test_non_npy_members_duplicates_and_nul_names_are_refused(tmp_path):
    path = write_zip(tmp_path / "extra.npz", {"w.npy": npy_bytes(np.ones(2)), "readme.txt": b"hello"})
    with pytest.raises(CheckpointError, match=r"extra.npz': member 'readme.txt' is not a .npy array"):
        nn.load(path)
    path = tmp_path / "dup.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_zip(path, {"w.npy": npy_bytes(np.ones(2))})
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("w.npy", npy_bytes(np.zeros(2)))
    with pytest.raises(CheckpointError, match=r"dup.npz': member 'w.npy' appears twice"):
        nn.load(path)
    path = write_zip(tmp_path / "nul.npz", {"ab.npy": npy_bytes(np.ones(2))})
    raw = path.read_bytes().replace(b"ab.npy", b"a\x00.npy")
    path.write_bytes(raw)
    with pytest.raises(CheckpointError, match="contains a NUL character"):
        nn.load(path)
    with pytest.raises(ValueError, match="NUL"):
        nn.save({"a\x00b": np.ones(2)}, tmp_path / "k.npz")


def test_pickled_and_non_numeric_members_are_refused(tmp_path):
    pickled = io.BytesIO()
    np.save(pickled, np.array([{}, 2], dtype=object), allow_pickle=True)
    path = write_zip(tmp_path / "obj.npz", {"w.npy": pickled.getvalue()})
    with pytest.raises(CheckpointError, match="cannot be read without pickle"):
        nn.load(path)
    path = write_zip(tmp_path / "str.npz", {"w.npy": npy_bytes(np.array(["a", "b"]))})
    with pytest.raises(CheckpointError, match=r"str.npz': 'w' has dtype <U1, not a Kiln tensor dtype"):
        nn.load(path)


def test_lying_npy_header_refused_before_allocation(tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    path = write_zip(tmp_path / "liar.npz", {"w.npy": buf.getvalue() + b"\x00" * 16})
    with pytest.raises(CheckpointError, match=r"liar.npz', member 'w.npy': its header declares shape \(1000000000000,\)"
                                              r" of float32 \(4000000000000 bytes\) but the member holds 16"):
        nn.load(path, max_bytes=1 << 40)


def test_deflate_bomb_refused_before_decompressing(tmp_path):
    big = np.zeros(16 << 20, dtype=np.uint8)  # 16 MiB of zeros deflate to a few KiB
    path = write_zip(tmp_path / "bomb.npz", {"w.npy": npy_bytes(big)}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    del big
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"bomb.npz' declares \d+ bytes of data, more than the limit of "
                                                  r"1048576 bytes; .*max_bytes="):
            nn.load(path, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert nn.load(path, max_bytes=32 << 20)["w"].shape == (16 << 20,)  # trusted: a larger limit reads it


def test_module_wide_limit_is_the_default(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    nn.save({"w": np.ones(1000)}, path)
    monkeypatch.setattr(archive, "MAX_LOAD_BYTES", 1000)
    with pytest.raises(CheckpointError, match="more than the limit of 1000 bytes"):
        nn.load(path)
    assert nn.load(path, max_bytes=10_000)["w"].shape == (1000,)
    with pytest.raises(ValueError, match="max_bytes must be a non-negative integer"):
        nn.load(path, max_bytes=-1)


def idx_header(shape, code=0x08):
    return struct.pack(">HBB", 0, code, len(shape)) + b"".join(struct.pack(">I", s) for s in shape)


def test_idx_header_overflow_names_the_file(tmp_path):
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(idx_header((4194304, 4194304, 4194304)) + b"\x00" * 64)
    with pytest.raises(IDXError, match=r"huge-idx3-ubyte: header declares shape \(4194304, 4194304, 4194304\) "
                                       r"\(73786976294838206464 bytes of data\), more than the limit"):
        read_idx(path)


def test_idx_gzip_bombs_are_bounded(tmp_path):
    declared = tmp_path / "declared.gz"  # the header itself asks for 1e9 bytes
    declared.write_bytes(gzip.compress(idx_header((1000, 1000, 1000)) + b"\x00" * 1000))
    with pytest.raises(IDXError, match=r"declared.gz: header declares shape \(1000, 1000, 1000\)"):
        read_idx(declared, max_bytes=1 << 20)
    trailing = tmp_path / "trailing.gz"  # a small, honest header followed by 32 MiB of zeros
    trailing.write_bytes(gzip.compress(idx_header((2, 28, 28)) + bytes(2 * 784) + bytes(32 << 20), 1))
    tracemalloc.start()
    try:
        with pytest.raises(IDXError, match=r"trailing.gz: more than 1048576 unexpected bytes after the data of "
                                           r"shape \(2, 28, 28\)"):
            read_idx(trailing, 2051, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_round_trip_still_exact_after_hardening(tmp_path):
    sd = {"w": engine.randn(3, 4), "f": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "e": np.zeros((0, 3)),
          "s": np.float64(2.5)}
    nn.save(sd, tmp_path / "ok.npz")
    back = nn.load(tmp_path / "ok.npz")
    np.testing.assert_array_equal(back["w"].numpy(), sd["w"].numpy())
    np.testing.assert_array_equal(back["f"].numpy(), sd["f"])
    assert back["e"].shape == (0, 3) and back["s"].item() == 2.5
