"""nn.save's atomic write (issue 18, item 11): a save killed mid-write leaves a temporary that the
next save of the same target removes (and only that target's, only when its writer is gone); the
replaced file keeps its mode."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nn

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="process probes and file modes are POSIX")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@posix_only
def test_killed_save_leaves_an_orphan_that_the_next_save_removes(tmp_path):
    target = tmp_path / "ckpt.npz"
    nn.save({"w": np.ones(3)}, target)
    script = (
        "import os, signal, sys\n"
        "from engine.archive import atomic_write\n"
        "def write(f):\n"
        "    f.write(b'x' * 4096); f.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "atomic_write(sys.argv[1], write)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(target)], cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    orphans = [p for p in os.listdir(tmp_path) if p.startswith(".tmp-ckpt.npz-")]
    assert len(orphans) == 1
    np.testing.assert_array_equal(nn.load(target)["w"].numpy(), np.ones(3))  # the old file is intact
    nn.save({"w": np.zeros(3)}, target)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]
    np.testing.assert_array_equal(nn.load(target)["w"].numpy(), np.zeros(3))


@posix_only
def test_only_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    gone = dead_pid()
    names = {
        f".tmp-ck.npz-{gone}-0badc0de": False,  # writer gone: removed
        f".tmp-ck.npz-{os.getppid()}-0badc0de": True,  # writer alive (maybe saving right now): kept
        f".tmp-other.npz-{gone}-0badc0de": True,  # another target's: kept
        ".tmp-ck.npz-ab_12cd3": True,  # old-style name, recent: kept
        ".tmp-ck.npz-zz_99xy7": False,  # old-style name, two hours old: removed
    }
    for name in names:
        (tmp_path / name).write_bytes(b"partial")
    old = time.time() - 7200
    os.utime(tmp_path / ".tmp-ck.npz-zz_99xy7", (old, old))
    nn.save({"w": np.ones(2)}, tmp_path / "ck.npz")
    left = set(os.listdir(tmp_path))
    assert left == {"ck.npz"} | {n for n, keep in names.items() if keep}


@posix_only
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_mode_of_the_replaced_file_is_kept(tmp_path, suffix):
    path = tmp_path / ("m" + suffix)
    nn.save({"w": np.ones(2)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # a new file: the usual mode, not mkstemp's 0600
    for mode in (0o644, 0o640, 0o600):
        os.chmod(path, mode)
        nn.save({"w": np.zeros(2)}, path)
        assert path.stat().st_mode & 0o777 == mode
    np.testing.assert_array_equal(nn.load(path)["w"].numpy(), np.zeros(2))


def test_failed_safetensors_save_keeps_old_file_and_leaves_nothing(tmp_path):
    path = tmp_path / "w.safetensors"
    nn.save({"w": np.ones(3, dtype=np.float32)}, path)
    with pytest.raises(TypeError, match=r"'z' has dtype complex128, which safetensors cannot store"):
        nn.save({"w": np.zeros(3), "z": np.ones(2, dtype=complex)}, path)
    assert os.listdir(tmp_path) == ["w.safetensors"]
    np.testing.assert_array_equal(nn.load(path)["w"].numpy(), np.ones(3))
