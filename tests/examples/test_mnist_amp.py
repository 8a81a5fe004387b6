"""``examples/mnist.py --amp``: bfloat16 autocast learns like float32 on a small run, and a float16 run
(autocast + GradScaler) resumes bit for bit, the scaler's state coming back from the checkpoint."""
import numpy as np

from ._load import load

mn = load("mnist")
tr = load("_training")

ARGS = ["--limit-train", "192", "--val-size", "64", "--limit-test", "200", "--batch-size", "32", "--warmup", "2",
        "--no-progress", "--epochs", "2", "--model", "mlp", "--no-augment"]


def test_bfloat16_run_learns_like_float32(tmp_path):
    full = mn.main(ARGS + ["--out-dir", str(tmp_path / "f32")])
    bf16 = mn.main(ARGS + ["--out-dir", str(tmp_path / "bf16"), "--amp", "bfloat16"])
    assert full["test_accuracy"] > 0.6
    assert abs(bf16["test_accuracy"] - full["test_accuracy"]) <= 0.02  # 200 test images: 4 of them
    ckpt = tr.load_checkpoint(tmp_path / "bf16" / "last.npz")
    assert "scaler" not in ckpt and all(v.dtype == np.float32 for v in ckpt["model"].values())


def test_float16_run_resumes_bit_for_bit_with_its_scaler(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    mn.main(ARGS + ["--out-dir", str(straight), "--amp", "float16"])
    mn.main(ARGS + ["--out-dir", str(split), "--amp", "float16", "--stop-after", "1"])
    first = tr.load_checkpoint(split / "last.npz")
    assert first["scaler"]["scale"] == 2.0**16 and first["scaler"]["_growth_tracker"] == 6  # 6 good steps
    mn.main(["--resume", str(split / "last.npz"), "--out-dir", str(split), "--no-progress", "--amp", "float16"])
    a, b = tr.load_checkpoint(straight / "last.npz"), tr.load_checkpoint(split / "last.npz")
    assert a["scaler"] == b["scaler"] and a["scaler"]["_growth_tracker"] == 12
    for k, v in a["model"].items():
        np.testing.assert_array_equal(v, b["model"][k], err_msg=k)
