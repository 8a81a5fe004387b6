"""Distributed cases: one all-reduce of ResNet-20's gradients over 2 processes, and the scaling efficiency of
the MLP training step from 1 to 2 processes -- measured inside ``mpiexec`` jobs on this machine.

The bench runs in one process, so each case's ``setup`` starts ``mpiexec -n N python -m bench.cases_distributed
JOB`` once (through :func:`engine.distributed.launch.run_mpi`); the job times itself -- after a warm-up and a
barrier, ``inner`` calls per sample, the slowest rank's time per call, seven samples -- and prints the figures
as JSON.  The case's ``fn`` then *replays* the measured per-call time (a spin-wait of exactly that long) so that
the runner's table and JSON carry it, and the case's note gives the raw figures.  Nothing here is timed by the
runner itself.

- ``allreduce_resnet20_2proc``: ``Communicator.allreduce_mean`` of ResNet-20's 65 gradient arrays (272,474
  float32, 1.09 MB) packed into one buffer, 2 ranks, shared memory.  Reference ``mpi_flat``: a bare
  ``MPI.Allreduce`` of the same already-packed buffer (the ratio is the cost of packing, unpacking and the deadline).
- ``mlp_b128_step_2proc``: one SGD-momentum step of ``bench.nets.mlp`` (784-256-128-10) on 128 samples per
  rank, gradients averaged by ``DistributedOptimizer``; reference ``1proc``: the same step in a 1-rank job.
  Weak scaling: the ratio is t2/t1, so the scaling efficiency is ``1/ratio`` (1.0 = perfect).  Every rank
  gets one BLAS/OpenMP thread (``OMP_NUM_THREADS=1``) in both runs, so the figure is about data parallelism,
  not about two processes fighting over BLAS threads; on a machine with fewer than 2 free cores it is bounded
  by the cores, not by communication.

On a GPU session the MPI figures still describe the CPU path: NCCL needs one GPU per rank, so a 2-rank NCCL
all-reduce on one GPU is not meaningful and is not measured (see ``engine.distributed.nccl_backend``).
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from bench.registry import Case

PARAMS_RESNET20 = 272_474
REPEAT = 7


# ---- what runs inside the MPI job ----------------------------------------------------------------------
def _time_collective(comm, fn, target_s: float) -> list[float]:
    """Seconds per call of ``fn`` (slowest rank), REPEAT samples of ``inner`` calls after a warm-up."""
    from mpi4py import MPI

    for _ in range(3):
        fn()
    inner = 1
    while True:
        comm.barrier()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        t = comm.allreduce_sum([np.array([time.perf_counter() - t0])])[0][0]  # agree on inner
        if t / comm.size >= 0.002 or inner >= 100_000:
            break
        inner *= 10
    inner = max(1, int(target_s * inner / max(t / comm.size, 1e-9)))
    samples = []
    for _ in range(REPEAT):
        comm.barrier()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        elapsed = time.perf_counter() - t0
        samples.append(comm.mpi_comm.allreduce(elapsed, op=MPI.MAX) / inner)
    return samples


def _job_allreduce(comm, quick: bool) -> dict:
    import bench.nets as nets
    import nn

    grads = [np.random.default_rng(i).standard_normal(p.array.shape).astype(np.float32)
             for i, p in enumerate(nets.resnet20(nn).parameters())]
    flat = np.concatenate([g.ravel() for g in grads])
    from mpi4py import MPI

    target = 0.005 if quick else 0.05
    packed = _time_collective(comm, lambda: comm.allreduce_mean(grads), target)
    raw = _time_collective(comm, lambda: comm.mpi_comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM), target)
    return {"packed": packed, "raw": raw, "arrays": len(grads), "elements": int(flat.size)}


def _job_mlp(comm, quick: bool) -> dict:
    import bench.nets as nets
    import engine
    import nn
    import optim
    from optim.distributed import DistributedOptimizer, broadcast_parameters

    batch = 128
    rng = np.random.default_rng(comm.rank)
    x = engine.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = engine.tensor(rng.integers(0, 10, batch))
    model = nets.mlp(nn)
    broadcast_parameters(model, comm)
    opt = DistributedOptimizer(optim.SGD(model.parameters(), lr=0.01, momentum=0.9), comm)
    crit = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        crit(model(x), y).backward()
        opt.step()

    return {"step": _time_collective(comm, step, 0.02 if quick else 0.2)}


def _main(argv) -> None:
    from engine.distributed import Communicator

    job, quick = argv[0], argv[1:] == ["quick"]
    comm = Communicator(timeout=120)
    result = {"allreduce": _job_allreduce, "mlp": _job_mlp}[job](comm, quick)
    if comm.rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


# ---- what the bench process sees ------------------------------------------------------------------------
def _run_job(n: int, job: str, quick: bool) -> dict:
    from pathlib import Path

    from engine.distributed.launch import run_mpi

    root = Path(__file__).resolve().parents[1]
    proc = run_mpi(n, ["-m", "bench.cases_distributed", job] + (["quick"] if quick else []), timeout=300,
                   cwd=root, env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                                  "PYTHONPATH": str(root)})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"mpiexec -n {n} {job} failed (exit {proc.returncode}): {tail[0][:200]}")
    return json.loads(lines[-1][len("RESULT "):])


def _replay(seconds: float):
    """A callable that takes ``seconds`` (spin-wait): how a time measured elsewhere reaches the runner."""
    def fn():
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass
    return fn


def _ms(samples) -> str:
    return f"{min(samples) * 1e3:.3f} ms (median {float(np.median(samples)) * 1e3:.3f})"


def cases(quick: bool = False, device: str = "cpu"):
    from engine.distributed import mpi_available
    from engine.distributed.launch import find_mpiexec

    allreduce = Case(name="allreduce_resnet20_2proc", bytes=4.0 * PARAMS_RESNET20)
    mlp = Case(name="mlp_b128_step_2proc")
    missing = None
    if not mpi_available():
        missing = "mpi4py is not installed (pip install -e \".[distributed]\")"
    elif find_mpiexec() is None:
        missing = "no mpiexec next to the interpreter or on PATH"
    if missing:
        allreduce.note = mlp.note = missing
        return [allreduce, mlp]

    def setup_allreduce():
        r = _run_job(2, "allreduce", quick)
        allreduce.note = (f"measured in mpiexec -n 2 (shared memory): allreduce_mean of {r['arrays']} arrays, "
                          f"{r['elements']} float32 = {_ms(r['packed'])}; bare MPI Allreduce of the packed buffer "
                          f"{_ms(r['raw'])}")
        return _replay(min(r["packed"])), {"mpi_flat": _replay(min(r["raw"]))}

    def setup_mlp():
        one, two = _run_job(1, "mlp", quick), _run_job(2, "mlp", quick)
        t1, t2 = min(one["step"]), min(two["step"])
        mlp.note = (f"measured in mpiexec jobs, 1 thread per rank, batch 128 per rank: 1 proc {_ms(one['step'])}, "
                    f"2 procs {_ms(two['step'])}; weak-scaling efficiency t1/t2 = {t1 / t2:.0%}")
        return _replay(t2), {"1proc": _replay(t1)}

    allreduce.setup, mlp.setup = setup_allreduce, setup_mlp
    return [allreduce, mlp]


if __name__ == "__main__":
    _main(sys.argv[1:])
