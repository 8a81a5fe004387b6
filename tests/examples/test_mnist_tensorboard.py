"""``examples/mnist.py --tensorboard DIR``: the event file it writes is read back record by record
(a minimal TFRecord reader, CRCs checked) and its scalars equal the run's history and metrics; without
tensorboardX and tensorboard the run stops with an ImportError naming the package."""
import builtins
import glob
import struct

import numpy as np
import pytest

from ._load import load

mn = load("mnist")
tr = load("_training")

ARGS = ["--limit-train", "192", "--val-size", "64", "--limit-test", "64", "--batch-size", "32", "--warmup", "2",
        "--no-progress", "--epochs", "2", "--model", "mlp", "--no-augment"]


def _read_events(path):
    """Every Event in a TFRecord file: uint64 length, uint32 masked CRC32C of it, data, CRC of data."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    data = open(path, "rb").read()
    events, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 12
        ev = event_pb2.Event()
        ev.ParseFromString(data[pos:pos + n])
        events.append(ev)
        pos += n + 4
    assert pos == len(data), f"{path}: a truncated record"
    return events


def test_tensorboard_scalars_equal_the_history(tmp_path):
    pytest.importorskip("tensorboardX")
    tb_dir = tmp_path / "tb"
    metrics = mn.main(ARGS + ["--out-dir", str(tmp_path / "run"), "--tensorboard", str(tb_dir),
                              "--plot", str(tmp_path / "curves.png")])
    assert (tmp_path / "curves.png").exists()  # the PNG is still drawn next to the event file
    files = glob.glob(str(tb_dir / "events.out.tfevents.*"))
    assert len(files) == 1
    scalars = {}
    for ev in _read_events(files[0]):
        for v in ev.summary.value:
            scalars.setdefault(v.tag, []).append((ev.step, v.simple_value))
    history = tr.load_checkpoint(tmp_path / "run" / "last.npz")["history"]
    for tag, key in (("train/loss", "train_loss"), ("train/accuracy", "train_acc"), ("val/loss", "val_loss"),
                     ("val/accuracy", "val_acc")):
        got = scalars[tag]
        assert [s for s, _ in got] == [1, 2], tag
        np.testing.assert_allclose([v for _, v in got], [e[key] for e in history["epochs"]], rtol=1e-6, err_msg=tag)
    steps_per_epoch = 192 // 32
    step_loss = scalars["train/loss_step"]
    assert len(step_loss) == len(history["steps"]) == 2 * steps_per_epoch
    np.testing.assert_allclose([s for s, _ in step_loss], [round(h["epoch"] * steps_per_epoch) for h in history["steps"]])
    np.testing.assert_allclose([v for _, v in step_loss], [h["loss"] for h in history["steps"]], rtol=1e-6)
    factor = mn.lr_factor(2 * steps_per_epoch, 2)  # the run's warm-up then cosine schedule, peak 2e-3
    lrs = scalars["lr"]
    np.testing.assert_allclose([v for _, v in lrs], [2e-3 * factor(s - 1) for s, _ in lrs], rtol=1e-6)
    assert lrs[0][1] == pytest.approx(1e-3, rel=1e-6)  # step 1 of the 2 warm-up steps
    assert scalars["test/accuracy"] == [(2, pytest.approx(metrics["test_accuracy"], rel=1e-6))]


def test_without_a_tensorboard_package_the_run_says_what_to_install(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.split(".")[0] in ("tensorboardX", "tensorboard"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ImportError, match=r"--tensorboard needs the tensorboardX package \(pip install tensorboardX"):
        mn.main(ARGS + ["--out-dir", str(tmp_path / "run"), "--tensorboard", str(tmp_path / "tb")])
    assert not (tmp_path / "tb").exists()


def test_event_records_carry_valid_crcs(tmp_path):
    """The file is a well-formed TFRecord stream (what TensorBoard's reader checks)."""
    pytest.importorskip("tensorboardX")
    log = tr.ScalarLog(str(tmp_path))
    log.add("a", 1.5, 3)
    log.close()
    (path,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    data, pos = open(path, "rb").read(), 0

    def masked_crc32c(b):
        crc = 0xFFFFFFFF
        for byte in b:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
        crc ^= 0xFFFFFFFF
        return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

    count = 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (n,) = struct.unpack("<Q", header)
        assert struct.unpack_from("<I", data, pos + 8)[0] == masked_crc32c(header)
        body = data[pos + 12:pos + 12 + n]
        assert struct.unpack_from("<I", data, pos + 12 + n)[0] == masked_crc32c(body)
        pos += 12 + n + 4
        count += 1
    assert count == 2  # the file-version event and the scalar
