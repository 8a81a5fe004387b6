"""Programs the distributed tests run under ``mpiexec -n 2``: ``python -m tests.distributed.mpi_jobs JOB OUTDIR``.

Each rank does one job and saves what it saw to ``OUTDIR/rank<r>.npz``; the test in the parent process loads
those files and asserts the numbers, so failures read like ordinary pytest failures.
"""
from __future__ import annotations

import os
import sys

import numpy as np


def rank_inputs(rank: int) -> dict:
    """The arrays rank ``rank`` contributes to the collectives job (the test rebuilds them to check)."""
    rng = np.random.default_rng(100 + rank)
    return {
        "f32": rng.standard_normal((3, 5)).astype(np.float32),
        "f64": rng.standard_normal(7),
        "i64": np.array([rank, 10 * rank + 1], dtype=np.int64),
        "scalar": np.array(float(rank + 1), dtype=np.float32),
    }


def collectives(comm, out: dict) -> None:
    x = rank_inputs(comm.rank)
    out["mean_f32"], out["mean_f64"] = comm.allreduce_mean([x["f32"], x["f64"]])
    out["mean_i64"], out["mean_scalar"] = comm.allreduce_mean([x["i64"], x["scalar"]])
    (out["sum_i64"],) = comm.allreduce_sum([x["i64"]])
    out["empty"] = np.array(len(comm.allreduce_mean([])))
    b = [np.full((2, 3), comm.rank, np.float32), np.arange(4) * (comm.rank + 1)]
    out["bcast_a"], out["bcast_b"] = comm.broadcast(b, root=1)
    bad = [np.zeros((2, 3) if comm.rank == 0 else (3, 2), np.float32)]
    out["bcast_mismatch"] = _error_of(lambda: comm.broadcast(bad, root=0))
    out["obj"] = np.array(comm.bcast_object({"seed": 1234 + comm.rank}, root=0)["seed"])
    comm.barrier()
    out["size"] = np.array(comm.size)


def _error_of(call) -> np.ndarray:
    from engine.distributed import CollectiveMismatchError

    try:
        call()
    except CollectiveMismatchError as exc:
        return np.array(str(exc))
    return np.array("no error")


def mismatches(comm, out: dict) -> None:
    """Same sizes in other shapes or order, other sizes, another collective: each raises on both ranks."""
    r = comm.rank
    f32 = np.float32
    out["shape"] = _error_of(lambda: comm.allreduce_mean([np.ones((2, 3) if r == 0 else (3, 2), f32)]))
    order = [np.ones(3, f32), np.ones(4, f32)]
    out["order"] = _error_of(lambda: comm.allreduce_sum(order if r == 0 else order[::-1]))
    out["size"] = _error_of(lambda: comm.allreduce_mean([np.ones(3 + r, f32)]))
    out["dtype"] = _error_of(lambda: comm.allreduce_mean([np.ones(3, f32 if r == 0 else np.float64)]))
    out["collective"] = _error_of(
        lambda: comm.allreduce_mean([np.ones(2, f32)]) if r == 0 else comm.broadcast([np.ones(2, f32)], root=0))
    out["barrier_vs_bcast_object"] = _error_of(lambda: comm.barrier() if r == 0 else comm.bcast_object(1, root=0))
    (out["after"],) = comm.allreduce_sum([np.full(2, r + 1.0)])  # the communicator is still usable


def leave(comm, out: dict) -> None:
    """Rank 1 leaves through sys.exit(code) while rank 0 waits in an all-reduce."""
    if comm.rank == 1:
        sys.exit(int(os.environ["KILN_TEST_EXIT_CODE"]))
    comm.allreduce_mean([np.ones(4, np.float32)])
    out["unreachable"] = np.array(True)


def fail(comm, out: dict) -> None:
    """Rank 1 raises before the all-reduce that rank 0 waits in."""
    if comm.rank == 1:
        raise RuntimeError("deliberate failure on rank 1")
    comm.allreduce_mean([np.ones(4, np.float32)])
    out["unreachable"] = np.array(True)


def train(comm, out: dict) -> None:
    """Data-parallel training from different initial weights per rank (rank 0's are broadcast)."""
    from tests.distributed.training import PER_RANK, full_batch, train

    x, y = full_batch(comm.size)
    rows = slice(comm.rank * PER_RANK, (comm.rank + 1) * PER_RANK)
    for kind in ("sgd", "adam"):
        for key, value in train(kind, 1000 + comm.rank, x[rows], y[rows], comm).items():
            out[f"{kind}/{key}"] = value
    partial_gradients(comm, out)


def partial_gradients(comm, out: dict) -> None:
    """A gradient present on rank 1 only averages with zeros; one present nowhere stays None everywhere."""
    import nn
    import optim
    from engine import Tensor
    from optim.distributed import DistributedOptimizer

    a, b = nn.Parameter(np.zeros(3, np.float32)), nn.Parameter(np.zeros(2, np.float32))
    opt = DistributedOptimizer(optim.SGD([a, b], lr=1.0), comm)
    if comm.rank == 1:
        a.grad = Tensor._wrap(np.array([2.0, 4.0, 6.0], np.float32))
    opt.allreduce_grads()
    out["partial_a"] = a.grad.array
    out["partial_b_none"] = np.array(b.grad is None)


def main(argv: list[str]) -> None:
    from engine.distributed import Communicator

    job, outdir = argv[0], argv[1]
    options = dict(arg.split("=", 1) for arg in argv[2:])
    comm = Communicator(timeout=float(options.get("timeout", 60)),
                        abort_on_exception=options.get("hook", "1") == "1")
    out: dict = {}
    JOBS[job](comm, out)
    np.savez(f"{outdir}/rank{comm.rank}.npz", **out)


JOBS = {"collectives": collectives, "fail": fail, "train": train, "mismatches": mismatches, "leave": leave}

if __name__ == "__main__":
    main(sys.argv[1:])
