"""examples/mnist.py on small subsets: learns well above chance, writes its JSON and PNG, and
``--resume`` continues a stopped run bit for bit."""
import json

import numpy as np
import pytest

import engine

from ._load import load

mn = load("mnist")
tr = load("_training")

SMALL = ["--limit-train", "1000", "--val-size", "200", "--limit-test", "500", "--batch-size", "32",
         "--warmup", "5", "--no-progress"]


def test_lenet5_learns_and_writes_metrics_and_plot(tmp_path, capsys):
    metrics_path, plot = tmp_path / "m.json", tmp_path / "curves.png"
    m = mn.main(SMALL + ["--epochs", "2", "--out-dir", str(tmp_path), "--metrics-json", str(metrics_path),
                         "--plot", str(plot)])
    out = capsys.readouterr().out
    assert "test accuracy" in out and "s per epoch" in out
    saved = json.loads(metrics_path.read_text())
    assert set(saved) == {"model", "epochs", "test_accuracy", "seconds_per_epoch", "device"}
    assert saved == m
    assert saved["model"] == "lenet5" and saved["epochs"] == 2 and saved["device"] == "cpu"
    assert saved["seconds_per_epoch"] > 0
    assert saved["test_accuracy"] > 0.7           # chance is 0.10; 1000 images, 2 epochs
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "last.npz").exists() and (tmp_path / "best.npz").exists()


def test_mlp_learns(tmp_path):
    m = mn.main(SMALL + ["--model", "mlp", "--epochs", "2", "--no-augment", "--out-dir", str(tmp_path)])
    assert m["model"] == "mlp" and m["test_accuracy"] > 0.8


def test_resume_is_bit_for_bit(tmp_path):
    args = ["--limit-train", "256", "--val-size", "64", "--limit-test", "64", "--batch-size", "32",
            "--warmup", "3", "--no-progress", "--epochs", "2"]
    straight, split = tmp_path / "straight", tmp_path / "split"
    a = mn.main(args + ["--out-dir", str(straight)])
    mn.main(args + ["--out-dir", str(split), "--stop-after", "1"])
    first = tr.load_checkpoint(split / "last.npz")
    assert first["epoch"] == 1
    b = mn.main(["--resume", str(split / "last.npz"), "--out-dir", str(split), "--no-progress"])
    ca, cb = tr.load_checkpoint(straight / "last.npz"), tr.load_checkpoint(split / "last.npz")
    assert ca["epoch"] == cb["epoch"] == 2
    for k, v in ca["model"].items():
        np.testing.assert_array_equal(v, cb["model"][k], err_msg=k)
    # a changed weight after epoch 1 proves the second half really trained
    assert any(not np.array_equal(v, first["model"][k]) for k, v in cb["model"].items())
    sa, sb = ca["optimizer"]["state"], cb["optimizer"]["state"]
    assert sa.keys() == sb.keys()
    for i in sa:
        for k, v in sa[i].items():
            np.testing.assert_array_equal(np.asarray(v), np.asarray(sb[i][k]))
    assert ca["scheduler"] == cb["scheduler"]
    assert a["test_accuracy"] == b["test_accuracy"]
    assert [e["val_loss"] for e in ca["history"]["epochs"]] == [e["val_loss"] for e in cb["history"]["epochs"]]


def test_checkpoint_pack_roundtrip():
    obj = {"state": {0: {"step": 3, "m": np.arange(4.0)}}, "groups": [{"lr": 1e-3, "params": [0, 1],
           "betas": (0.9, 0.999)}], "rng": ("MT19937", np.arange(3, dtype=np.uint32), 2, 0, 0.0),
           "x": np.float32(1.5), "none": None}
    back = tr.unpack(tr.pack(obj))
    assert back["state"][0]["step"] == 3 and isinstance(back["groups"][0]["betas"], tuple)
    np.testing.assert_array_equal(back["state"][0]["m"], obj["state"][0]["m"])
    assert back["rng"][1].dtype == np.uint32 and back["x"].dtype == np.float32 and back["none"] is None


def test_cuda_request_without_gpu_is_a_clear_error(tmp_path):
    if engine.cuda_available():
        pytest.skip("a GPU answers here")
    with pytest.raises(SystemExit, match="no CUDA GPU"):
        mn.main(SMALL + ["--device", "cuda", "--out-dir", str(tmp_path)])
