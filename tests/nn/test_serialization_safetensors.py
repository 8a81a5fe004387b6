"""nn.save/nn.load in the safetensors format (issue 20, item 2): the format follows the suffix; PyTorch's
files load into Kiln's layers with the same outputs; Kiln's files load in the safetensors package;
damaged headers, dtypes Kiln lacks and bad offsets are clear errors naming the file."""
import json
import struct

import numpy as np
import pytest

import engine
import nn
from engine.archive import CheckpointError


def raw_file(path, header, data=b"", pad=True):
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + data)
    return path


def test_suffix_chooses_the_format_and_others_are_refused(tmp_path):
    sd = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    nn.save(sd, tmp_path / "a.safetensors")
    nn.save(sd, tmp_path / "a.npz")
    assert (tmp_path / "a.npz").read_bytes()[:2] == b"PK"
    n = struct.unpack("<Q", (tmp_path / "a.safetensors").read_bytes()[:8])[0]
    assert n % 8 == 0 and (tmp_path / "a.safetensors").read_bytes()[8:9] == b"{"
    for name in ("a.safetensors", "a.npz"):
        np.testing.assert_array_equal(nn.load(tmp_path / name)["w"].numpy(), sd["w"])
    for bad in ("a.pt", "a", "a.safetensor"):
        with pytest.raises(ValueError, match=r"save: '.*' has suffix '.*'; the format is chosen by suffix: '.npz' or "
                                             r"'.safetensors'"):
            nn.save(sd, tmp_path / bad)
    with pytest.raises(ValueError, match=r"load: '.*a.bin' has suffix '.bin'"):
        nn.load(tmp_path / "a.bin")


def test_round_trip_keeps_dtypes_shapes_and_order(tmp_path):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    sd = {
        "z.weight": engine.randn(3, 2), "a.count": np.array(7, dtype=np.int64), "mask": np.array([True, False]),
        "h": np.linspace(0, 1, 5).astype(np.float16), "bf": np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16),
        "u8": np.arange(3, dtype=np.uint8), "empty": np.zeros((0, 4), dtype=np.float64),
        "nested": {"x": np.ones((2, 2), dtype=np.int32)},
    }
    path = tmp_path / "all.safetensors"
    nn.save(sd, path)
    back = nn.load(path)
    assert list(back) == ["z.weight", "a.count", "mask", "h", "bf", "u8", "empty", "nested"]
    for key in ("a.count", "mask", "h", "bf", "u8", "empty"):
        assert back[key].dtype == np.asarray(sd[key]).dtype and back[key].shape == np.asarray(sd[key]).shape
        np.testing.assert_array_equal(back[key].numpy(), np.asarray(sd[key]))
    np.testing.assert_array_equal(back["z.weight"].numpy(), sd["z.weight"].numpy())
    assert back["nested"]["x"].dtype == np.int32


def test_kiln_files_load_in_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    m(engine.randn(5, 3))
    path = tmp_path / "m.safetensors"
    nn.save(m.state_dict(), path)
    theirs = st.load_file(str(path))
    ours = m.state_dict()
    assert set(theirs) == set(ours)
    for k, v in ours.items():
        assert theirs[k].dtype == v.dtype
        np.testing.assert_array_equal(theirs[k], v.numpy())


def test_pytorch_files_load_into_kiln_layers_with_equal_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    t_lin, t_conv = torch.nn.Linear(5, 3), torch.nn.Conv2d(2, 4, 3, padding=1, stride=2)
    st_torch.save_file(t_lin.state_dict(), str(tmp_path / "lin.safetensors"))
    st_torch.save_file(t_conv.state_dict(), str(tmp_path / "conv.safetensors"))
    k_lin, k_conv = nn.Linear(5, 3), nn.Conv2d(2, 4, 3, padding=1, stride=2)
    k_lin.load_state_dict(nn.load(tmp_path / "lin.safetensors"))
    k_conv.load_state_dict(nn.load(tmp_path / "conv.safetensors"))
    x = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    img = np.random.default_rng(1).standard_normal((2, 2, 7, 7)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(k_lin(engine.tensor(x)).numpy(), t_lin(torch.from_numpy(x)).numpy(), atol=1e-6)
        np.testing.assert_allclose(k_conv(engine.tensor(img)).numpy(), t_conv(torch.from_numpy(img)).numpy(),
                                   atol=1e-5)
    # and the other way: Kiln's file read by PyTorch's loader
    nn.save(k_conv.state_dict(), tmp_path / "back.safetensors")
    t2 = torch.nn.Conv2d(2, 4, 3, padding=1, stride=2)
    t2.load_state_dict(st_torch.load_file(str(tmp_path / "back.safetensors")))
    assert torch.equal(t2.weight, t_conv.weight)


def test_truncated_and_malformed_headers_name_the_file(tmp_path):
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x10\x00")
    with pytest.raises(CheckpointError, match=r"short.safetensors': truncated: 2 bytes"):
        nn.load(short)
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(struct.pack("<Q", 1000) + b'{"w": {"dtype"')
    with pytest.raises(CheckpointError, match=r"cut.safetensors': truncated header: it declares 1000 bytes, the file "
                                              r"holds 14"):
        nn.load(cut)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(struct.pack("<Q", 6) + b"{nope}")
    with pytest.raises(CheckpointError, match="garbage.safetensors': the safetensors header is not valid JSON"):
        nn.load(garbage)
    dup = tmp_path / "dup.safetensors"
    blob = b'{"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "w": {"dtype": "U8", "shape": [1], ' \
           b'"data_offsets": [1, 2]}}'
    dup.write_bytes(struct.pack("<Q", len(blob)) + blob + b"\x01\x02")
    with pytest.raises(CheckpointError, match="dup.safetensors': the header names 'w' twice"):
        nn.load(dup)


def test_dtype_kiln_lacks_is_refused_by_name(tmp_path):
    path = raw_file(tmp_path / "f8.safetensors", {"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}},
                    b"\x00\x00")
    with pytest.raises(CheckpointError, match=r"f8.safetensors': tensor 'w' has dtype 'F8_E4M3', which Kiln does not "
                                              r"have \(it reads BOOL, U8"):
        nn.load(path)


def test_bad_offsets_are_refused(tmp_path):
    def entry(begin, end, shape=(2,)):
        return {"dtype": "F32", "shape": list(shape), "data_offsets": [begin, end]}

    cases = {
        "overlap": ({"a": entry(0, 8), "b": entry(4, 12)}, 12, r"tensors 'a' and 'b' overlap"),
        "past_end": ({"a": entry(0, 8), "b": entry(8, 16)}, 12, r"tensor 'b' has data_offsets \[8, 16\], past the end"),
        "size": ({"a": entry(0, 12)}, 12, r"tensor 'a' of shape \(2,\) and dtype F32 needs 8 bytes but its "
                                         r"data_offsets \[0, 12\] span 12"),
        "gap": ({"a": entry(4, 12)}, 12, r"4 bytes before tensor 'a' belong to no tensor"),
        "tail": ({"a": entry(0, 8)}, 12, r"4 bytes after the last tensor belong to no tensor"),
        "reversed": ({"a": entry(8, 0)}, 8,
                     r"tensor .a. has data_offsets \[8, 0\], not \[begin, end\] with begin <= end"),
        "shape": ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, 8,
                  r"tensor .a. has shape \[-2\], not a list of non-negative"),
    }
    for name, (header, size, message) in cases.items():
        path = raw_file(tmp_path / f"{name}.safetensors", header, b"\x00" * size)
        with pytest.raises(CheckpointError, match=f"{name}.safetensors': " + message):
            nn.load(path)


def test_declared_size_beyond_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.safetensors"
    nn.save({"w": np.zeros(1000, dtype=np.float32)}, path)
    message = "big.safetensors. declares 4000 bytes of data, more than the limit of 100 bytes"
    with pytest.raises(CheckpointError, match=message):
        nn.load(path, max_bytes=100)
