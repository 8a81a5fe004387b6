"""engine.save / engine.load (issue 17): torch.save's shapes round trip through paths and file objects,
whole Modules come back with equal outputs and shared weights, and every class outside the allowlist
is refused naming itself; nothing is ever unpickled."""
import functools
import io
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import engine
import nn
import optim
from engine.archive import CheckpointError
from engine.serialization import UnsafeGlobalError, add_safe_globals, clear_safe_globals, safe_globals


class TinyNet(nn.Module):
    """A user's own model class: not Kiln's, so it loads only once allowed."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        self.scale = 2.0
        self.act = engine.tanh

    def forward(self, x):
        return self.act(self.body(x)) * self.scale


def round_trip(obj, **kwargs):
    buf = io.BytesIO()
    engine.save(obj, buf)
    buf.seek(0)
    return engine.load(buf, **kwargs)


def test_tensor_array_and_scalars(tmp_path):
    t = engine.randn(3, 4, requires_grad=True)
    back = round_trip(t)
    assert type(back) is engine.Tensor and back.requires_grad and back.is_leaf and back.grad is None
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back.numpy(), t.numpy())
    arr = np.arange(12, dtype=np.int16).reshape(3, 4)[:, ::2]
    path = tmp_path / "a.pt"  # torch's customary suffix: engine.save takes any path
    engine.save(arr, path)
    got = engine.load(path)
    assert type(got) is np.ndarray and got.dtype == np.int16
    np.testing.assert_array_equal(got, arr)
    assert round_trip(np.float32(1.25)) == np.float32(1.25) and type(round_trip(np.float32(1.25))) is np.float32
    for value in (3, -2**70, 2.5, float("inf"), True, None, "text", 1 + 2j, b"\x00\xff"):
        got = round_trip(value)
        assert got == value and type(got) is type(value)
    assert np.isnan(round_trip(float("nan")))


def test_nested_containers_keep_their_types():
    obj = {"list": [1, 2.0, (3, "x")], "tuple": (engine.ones(2), [None]), 7: {"deep": OrderedDict(b=1, a=2)},
           (1, 2): frozenset({1, 2}), "set": {3, 4}, "dtype": np.dtype("float64"), "dev": engine.Device("cpu")}
    back = round_trip(obj)
    assert list(back) == list(obj)
    assert back["list"] == [1, 2.0, (3, "x")] and type(back["list"][2]) is tuple
    assert type(back["tuple"]) is tuple and back["tuple"][1] == [None]
    np.testing.assert_array_equal(back["tuple"][0].numpy(), np.ones(2, dtype=np.float32))
    assert type(back[7]["deep"]) is OrderedDict and list(back[7]["deep"].items()) == [("b", 1), ("a", 2)]
    assert back[(1, 2)] == frozenset({1, 2}) and back["set"] == {3, 4}
    assert back["dtype"] == np.float64 and back["dev"] == engine.Device("cpu")


def test_shared_objects_and_cycles_stay_shared():
    t = engine.randn(2)
    inner = [t]
    obj = {"a": inner, "b": inner, "t": t}
    obj["self"] = obj
    back = round_trip(obj)
    assert back["a"] is back["b"] and back["a"][0] is back["t"] and back["self"] is back


def test_state_dict_round_trip_loads_into_a_fresh_model(tmp_path):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    m(engine.randn(6, 3))
    path = tmp_path / "sd.pt"
    engine.save(m.state_dict(), path)
    sd = engine.load(path)
    assert type(sd) is OrderedDict and list(sd) == list(m.state_dict())
    m2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    m2.load_state_dict(sd)
    m.eval(), m2.eval()
    x = engine.randn(5, 3)
    np.testing.assert_array_equal(m(x).numpy(), m2(x).numpy())


def test_optimizer_state_dict_round_trip_continues_identically():
    def make():
        rng = np.random.default_rng(0)
        m = nn.Linear(3, 2)
        m.load_state_dict({"weight": rng.standard_normal((2, 3)), "bias": np.zeros(2)})
        return m, optim.Adam(m.parameters(), lr=0.1)

    x = engine.tensor(np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32))
    m1, o1 = make()
    for _ in range(2):
        o1.zero_grad(), (m1(x) ** 2).sum().backward(), o1.step()
    sd = round_trip(o1.state_dict())
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999) and set(sd["state"]) == {0, 1}
    m2, o2 = make()
    m2.load_state_dict(m1.state_dict())
    o2.load_state_dict(sd)
    for m, o in ((m1, o1), (m2, o2)):
        o.zero_grad(), (m(x) ** 2).sum().backward(), o.step()
    np.testing.assert_array_equal(m1.weight.numpy(), m2.weight.numpy())


def test_kiln_module_round_trip_gives_equal_outputs(tmp_path):
    from nn.models import LeNet5

    m = LeNet5()
    m.eval()
    path = tmp_path / "lenet.pt"
    engine.save(m, path)
    back = engine.load(path, weights_only=True)
    assert type(back) is LeNet5 and not back.training
    assert [n for n, _ in back.named_parameters()] == [n for n, _ in m.named_parameters()]
    assert all(type(p) is nn.Parameter and p.requires_grad for p in back.parameters())
    x = engine.randn(2, 1, 28, 28)
    np.testing.assert_array_equal(back(x).numpy(), m(x).numpy())


def test_tied_weights_stay_tied():
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight
    back = round_trip(nn.Sequential(a, b))
    assert back[0].weight is back[1].weight


def test_user_class_is_refused_naming_itself_until_allowed(tmp_path):
    m = TinyNet()
    path = tmp_path / "tiny.pt"
    engine.save(m, path)
    name = f"{__name__}.TinyNet"
    refused = rf"tiny.pt': refusing to load {name}: .*add_safe_globals\(\[TinyNet\]\)"
    with pytest.raises(UnsafeGlobalError, match=refused):
        engine.load(path)
    with pytest.raises(UnsafeGlobalError, match=name):  # weights_only=False is no general unpickler
        engine.load(path, weights_only=False)
    with safe_globals([TinyNet]):
        back = engine.load(path)
    x = engine.randn(5, 4)
    np.testing.assert_array_equal(back(x).numpy(), m(x).numpy())
    assert back.act is engine.tanh and back.scale == 2.0
    with pytest.raises(UnsafeGlobalError, match=name):  # the block's permission ended with it
        engine.load(path)
    with safe_globals([(TinyNet, name)]):  # torch's (object, "module.Name") form
        assert type(engine.load(path)) is TinyNet
    add_safe_globals([TinyNet])
    try:
        assert TinyNet in engine.serialization.get_safe_globals()
        assert type(engine.load(path)) is TinyNet
    finally:
        clear_safe_globals()
    with pytest.raises(UnsafeGlobalError, match=name):
        engine.load(path)


def test_foreign_functions_and_forged_classes_are_refused(tmp_path):
    path = tmp_path / "fn.pt"
    engine.save({"f": os.path.join}, path)
    with pytest.raises(UnsafeGlobalError, match=rf"refusing to load {os.path.join.__module__}.join"):
        engine.load(path)
    # a forged file naming a dangerous callable as a class
    engine.save({"x": 1}, path)
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(np.load(zf.open("__kiln__.npy")).tobytes())
    doc["root"] = {"$": "object", "id": 0, "class": "os:system", "dict": []}
    forged = tmp_path / "forged.pt"
    with zipfile.ZipFile(forged, "w") as zf:
        with zf.open("__kiln__.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8))
    with pytest.raises(UnsafeGlobalError, match="refusing to load os.system"):
        engine.load(forged)


def test_unsaveable_values_and_foreign_files(tmp_path):
    with pytest.raises(TypeError, match="not reachable by a module-level name"):
        engine.save({"f": lambda x: x}, tmp_path / "l.pt")
    with pytest.raises(TypeError, match="cannot save a partial: it pickles through __reduce__"):
        engine.save({"f": functools.partial(max, 1)}, tmp_path / "p.pt")
    with pytest.raises(TypeError, match="dtype object cannot be saved without pickle"):
        engine.save(np.array([{}], dtype=object), tmp_path / "o.pt")
    assert not os.listdir(tmp_path)  # nothing half-written
    nn.save({"w": np.ones(2)}, tmp_path / "w.npz")
    with pytest.raises(CheckpointError, match=r"w.npz' was not written by engine.save .*read by nn.load"):
        engine.load(tmp_path / "w.npz")
    (tmp_path / "junk.pt").write_bytes(b"\x80\x04K\x01.")  # a pickle: never read
    with pytest.raises(CheckpointError, match=r"junk.pt' is not a .npz archive"):
        engine.load(tmp_path / "junk.pt")


def test_map_location_forms():
    t = engine.randn(2, 2)
    for loc in ("cpu", engine.Device("cpu"), {"cpu": "cpu"}):
        back = round_trip(t, map_location=loc)
        assert str(back.device) == "cpu"
        np.testing.assert_array_equal(back.numpy(), t.numpy())
    seen = []
    back = round_trip({"t": t}, map_location=lambda storage, location: seen.append(location) or storage)
    assert seen == ["cpu"]
    np.testing.assert_array_equal(back["t"].numpy(), t.numpy())


def forge(path, root, arrays=None):
    with zipfile.ZipFile(path, "w") as zf:
        for name, arr in {**(arrays or {}), "__kiln__": np.frombuffer(json.dumps(
                {"format": "kiln.serialization", "version": 1, "root": root}).encode(), dtype=np.uint8)}.items():
            with zf.open(name + ".npy", "w") as f:
                np.lib.format.write_array(f, arr)
    return path


def test_cuda_tensors_need_map_location_without_cuda(tmp_path):
    path = forge(tmp_path / "gpu.pt", {"$": "tensor", "id": 0, "array": "0", "device": "cuda:0",
                                       "requires_grad": False}, {"0": np.ones(3, dtype=np.float32)})
    if not engine.cuda_available():
        with pytest.raises(engine.CUDAUnavailableError, match=r"gpu.pt' holds tensors saved on cuda:0, .*"
                                                              r"map_location='cpu'"):
            engine.load(path)
    back = engine.load(path, map_location="cpu")
    assert str(back.device) == "cpu" and back.numpy().tolist() == [1, 1, 1]
    assert str(engine.load(path, map_location={"cuda:0": "cpu"}).device) == "cpu"


def test_malformed_structures_are_clear_errors(tmp_path):
    cases = {
        "ref": ({"$": "ref", "id": 5}, "reference to unknown object 5"),
        "array": ({"$": "ndarray", "id": 0, "array": "9"}, "array '9' is not in the archive"),
        "kind": ({"$": "pickle"}, "unknown node kind 'pickle'"),
        "items": ({"$": "list", "id": 0}, r"malformed structure \(KeyError"),
    }
    for name, (root, message) in cases.items():
        with pytest.raises(CheckpointError, match=f"{name}.pt': malformed structure.*{message}|{message}"):
            engine.load(forge(tmp_path / f"{name}.pt", root))
    engine.save({"w": engine.ones(1)}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match=r"x.npz' was written by engine.save: read it with engine.load"):
        nn.load(tmp_path / "x.npz")


def test_open_file_objects_work_and_errors_name_them(tmp_path):
    path = tmp_path / "f.pt"
    with open(path, "wb") as f:
        engine.save({"w": engine.arange(4)}, f)
    with open(path, "rb") as f:
        assert engine.load(f)["w"].numpy().tolist() == [0, 1, 2, 3]
    path.write_bytes(path.read_bytes()[:50])
    with open(path, "rb") as f, pytest.raises(CheckpointError, match=r"f.pt' is not a .npz archive"):
        engine.load(f)
