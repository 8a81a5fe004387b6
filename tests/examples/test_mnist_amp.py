"""``examples/mnist.py --amp``: a bfloat16 autocast run learns with float32 weights, and a float16 run
(autocast + GradScaler) resumes bit for bit, the scaler's state coming back from the checkpoint."""
import numpy as np

from ._load import load

mn = load("mnist")
tr = load("_training")

ARGS = ["--limit-train", "128", "--val-size", "64", "--limit-test", "200", "--batch-size", "32", "--warmup", "2",
        "--no-progress", "--epochs", "2", "--model", "mlp", "--no-augment"]


def test_bfloat16_run_learns_with_float32_weights(tmp_path):
    """(tests/engine/test_autocast.py compares bfloat16 with float32 accuracy on a longer run)"""
    m = mn.main(ARGS + ["--out-dir", str(tmp_path), "--amp", "bfloat16"])
    assert m["test_accuracy"] > 0.5  # chance is 0.1; 128 images, 2 epochs
    ckpt = tr.load_checkpoint(tmp_path / "last.npz")
    assert "scaler" not in ckpt and all(v.dtype == np.float32 for v in ckpt["model"].values())


def test_float16_run_resumes_bit_for_bit_with_its_scaler(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    mn.main(ARGS + ["--out-dir", str(straight), "--amp", "float16"])
    mn.main(ARGS + ["--out-dir", str(split), "--amp", "float16", "--stop-after", "1"])
    first = tr.load_checkpoint(split / "last.npz")
    assert first["scaler"]["scale"] == 2.0**16 and first["scaler"]["_growth_tracker"] == 4  # 4 good steps
    mn.main(["--resume", str(split / "last.npz"), "--out-dir", str(split), "--no-progress", "--amp", "float16"])
    a, b = tr.load_checkpoint(straight / "last.npz"), tr.load_checkpoint(split / "last.npz")
    assert a["scaler"] == b["scaler"] and a["scaler"]["_growth_tracker"] == 8
    for k, v in a["model"].items():
        np.testing.assert_array_equal(v, b["model"][k], err_msg=k)
