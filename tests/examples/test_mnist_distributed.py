"""examples/mnist.py --distributed under ``mpiexec -n 2``: both ranks train on their shards in step,
rank 0 reports an accuracy well above chance and writes the metrics."""
import json

from engine.distributed.launch import run_mpi
from tests.distributed.helpers import ROOT, require_mpi


def test_mnist_distributed_two_ranks(tmp_path):
    require_mpi()
    metrics = tmp_path / "metrics.json"
    proc = run_mpi(2, [str(ROOT / "examples" / "mnist.py"), "--distributed", "--model", "mlp", "--limit-train", "1500",
                       "--limit-test", "400", "--val-size", "300", "--no-progress", "--no-augment",
                       "--out-dir", str(tmp_path / "run"), "--metrics-json", str(metrics)],
                   timeout=240, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = json.loads(metrics.read_text())
    assert m["model"] == "mlp" and m["epochs"] == 1
    assert m["test_accuracy"] > 0.6  # 10 classes: chance is 0.1
