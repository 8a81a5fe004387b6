"""nn.save / nn.load: exact round trips (dtypes kept), nested mappings, no pickle anywhere, atomic
replacement (a failed save leaves the old file intact and no temporary files behind)."""
import os

import numpy as np
import pytest

import engine
import nn


def test_round_trip_exact_dtypes_and_order(tmp_path):
    sd = {"b.w": engine.randn(3, 2), "a": np.arange(5, dtype=np.int64), "h": engine.tensor(np.float16(1.5)),
          "scalar": 3, "nested": {"x": np.ones(2, dtype=np.float64)}}
    path = tmp_path / "ck.npz"
    nn.save(sd, path)
    back = nn.load(path)
    assert list(back) == ["b.w", "a", "h", "scalar", "nested"]
    np.testing.assert_array_equal(back["b.w"].numpy(), sd["b.w"].numpy())
    assert back["b.w"].dtype == np.float32 and back["a"].dtype == np.int64 and back["h"].dtype == np.float16
    assert back["scalar"].item() == 3 and back["nested"]["x"].dtype == np.float64
    with np.load(path, allow_pickle=False) as z:  # a plain, pickle-free npz
        assert "nested/x" in z.files


def test_object_arrays_and_bad_values_refused(tmp_path):
    with pytest.raises(TypeError, match="object"):
        nn.save({"x": np.array([{}, 1], dtype=object)}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match="only arrays and numbers"):
        nn.save({"x": "text"}, tmp_path / "b.npz")
    assert not os.listdir(tmp_path)


def test_atomic_save_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "ck.npz"
    nn.save({"w": np.ones(3)}, path)

    class Boom:
        shape = (2,)

        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        nn.save({"w": np.zeros(3), "z": Boom()}, path)
    np.testing.assert_array_equal(nn.load(path)["w"].numpy(), np.ones(3))
    assert sorted(os.listdir(tmp_path)) == ["ck.npz"]


def test_load_refuses_pickled_content(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([{}, 2], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        nn.load(path)


def test_model_checkpoint_round_trip(tmp_path):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    m(engine.randn(5, 3))
    nn.save(m.state_dict(), tmp_path / "m.npz")
    m2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    m2.load_state_dict(nn.load(tmp_path / "m.npz"))
    x = engine.randn(2, 3)
    m.eval(), m2.eval()
    np.testing.assert_array_equal(m(x).numpy(), m2(x).numpy())
