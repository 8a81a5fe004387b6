"""examples/mnist.py refuses bad arguments in argparse (exit status 2, ``error:`` naming the argument) and refuses
a checkpoint that fails any check on ``--resume`` without writing anything (issue 18 items 7 and 12)."""
import copy
import os
import re

import numpy as np
import pytest

from ._load import load

mn = load("mnist")
tr = load("_training")

BAD_ARGS = [
    (["--limit-train", "0"], "--limit-train: must be an integer >= 1, got 0"),
    (["--limit-test", "-3"], "--limit-test: must be an integer >= 1, got -3"),
    (["--epochs", "0"], "--epochs: must be an integer >= 1, got 0"),
    (["--epochs", "-1"], "--epochs: must be an integer >= 1, got -1"),
    (["--val-size", "-5"], r"--val-size: must be an integer in \[1, 59999\], got -5"),
    (["--val-size", "70000"], r"--val-size: must be an integer in \[1, 59999\], got 70000"),
    (["--val-size", "60000"], r"--val-size: must be an integer in \[1, 59999\], got 60000"),
    (["--stop-after", "-1"], "--stop-after: must be an integer >= 1, got -1"),
    (["--batch-size", "0"], "--batch-size: must be an integer >= 1, got 0"),
    (["--batch-size", "abc"], "--batch-size: expected an integer, got 'abc'"),
    (["--lr", "nan"], "--lr: must be a finite number > 0, got nan"),
    (["--lr", "0"], "--lr: must be a finite number > 0, got 0"),
    (["--weight-decay", "-1"], "--weight-decay: must be a finite number >= 0, got -1"),
    (["--warmup", "-2"], "--warmup: must be an integer >= 0, got -2"),
    (["--resume", "/no/such/dir/last.npz"], "--resume: no such checkpoint file: '/no/such/dir/last.npz'"),
]


@pytest.mark.parametrize("argv, message", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_argument_exits_2_with_a_clear_message(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        mn.parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "mnist.py: error: argument " in err
    assert re.search(message, err), err


def test_good_arguments_parse():
    a = mn.parse_args(["--limit-train", "1", "--val-size", "59999", "--epochs", "3", "--lr", "1e-3",
                       "--weight-decay", "0", "--warmup", "0", "--stop-after", "1"])
    assert (a.limit_train, a.val_size, a.epochs, a.lr, a.stop_after) == (1, 59999, 3, 1e-3, 1)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A real one-epoch checkpoint of a tiny run (built once for the module)."""
    d = tmp_path_factory.mktemp("run")
    mn.main(["--limit-train", "64", "--val-size", "32", "--limit-test", "32", "--batch-size", "32", "--warmup", "1",
             "--no-progress", "--no-augment", "--model", "mlp", "--epochs", "2", "--stop-after", "1",
             "--out-dir", str(d), "--plot", str(d / "curves.png")])
    return tr.load_checkpoint(d / "last.npz")


def _opt_group(ck, **kw):
    ck["optimizer"]["param_groups"][0].update(kw)


def _opt_state(ck, key, value):
    ck["optimizer"]["state"][0][key] = value


TAMPER = [
    ("lr nan", lambda ck: _opt_group(ck, lr=float("nan")), "invalid lr: nan"),
    ("lr -1", lambda ck: _opt_group(ck, lr=-1.0), "invalid lr: -1.0"),
    ("lr abc", lambda ck: _opt_group(ck, lr="abc"), "lr must be a number, got 'abc'"),
    ("betas", lambda ck: _opt_group(ck, betas=(2, 0.9)), "beta parameter at index 0: 2"),
    ("step -1", lambda ck: _opt_state(ck, "step", -1), "'step' of parameter 0 must be a non-negative integer"),
    ("int state", lambda ck: _opt_state(ck, "exp_avg", np.zeros_like(ck["optimizer"]["state"][0]["exp_avg"],
                                                                      dtype=np.int64)), "expected a floating dtype"),
    ("sched nan", lambda ck: ck["scheduler"].update(base_lrs=[float("nan")]), r"invalid base_lrs\[0\]: nan"),
    ("sched junk", lambda ck: ck["scheduler"].update(evil=1), r"unknown entries \['evil'\]"),
    ("config lr", lambda ck: ck["config"].update(lr=float("nan")), "saved lr: must be a finite number > 0"),
    ("config batch", lambda ck: ck["config"].update(batch_size=0), "saved batch_size: must be an integer >= 1"),
    ("stopper", lambda ck: ck["early_stopping"].update(best=float("nan")), "best must be a number"),
    ("epoch", lambda ck: ck.update(epoch=-1), r"epoch must be an integer in \[0, 2\], got -1"),
]


@pytest.mark.parametrize("name, tamper, message", TAMPER, ids=[t[0] for t in TAMPER])
def test_resume_refuses_a_bad_checkpoint_and_writes_nothing(checkpoint, tmp_path, capsys, name, tamper, message):
    ck = copy.deepcopy(checkpoint)
    tamper(ck)
    path = tmp_path / "last.npz"
    tr.save_checkpoint(ck, path)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    with pytest.raises(SystemExit) as e:
        mn.main(["--resume", str(path), "--no-progress"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --resume: {path}" in err and "nothing was changed" in err
    assert re.search(message, err), err
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()} == before


def test_resume_refuses_a_file_that_is_not_a_checkpoint(tmp_path, capsys):
    path = tmp_path / "last.npz"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(SystemExit) as e:
        mn.main(["--resume", str(path)])
    assert e.value.code == 2
    assert "cannot be read as a checkpoint" in capsys.readouterr().err
    assert os.listdir(tmp_path) == ["last.npz"]
