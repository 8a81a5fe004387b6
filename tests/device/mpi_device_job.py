"""An ``mpiexec -n 2`` job on the simulated CUDA device (run with ``KILN_SIMULATE_CUDA=1``): data-parallel
training of ``tests.distributed.training``'s TinyMLP with its parameters and batch on "cuda", through the
MPI path with host staging (NCCL cannot be simulated).  Each rank saves its final state and the host <->
device transfers its steps made."""
import sys

import numpy as np

import engine
from engine import backend
from tests.distributed.training import OPTIMIZERS, PER_RANK, STEPS, TinyMLP, full_batch


def train_on_device(kind, seed, x, y, comm=None):
    from optim.distributed import DistributedOptimizer, broadcast_parameters
    from optim.lr_scheduler import StepLR

    model = TinyMLP(seed).to("cuda")
    opt = OPTIMIZERS[kind](model.parameters())
    if comm is not None:
        broadcast_parameters(model, comm)
        opt = DistributedOptimizer(opt, comm)
    xt, yt = engine.tensor(x).to("cuda"), engine.tensor(y).to("cuda")
    rows = engine.tensor(np.arange(len(y))).to("cuda")
    schedule = StepLR(opt, step_size=2, gamma=0.5)  # as tests.distributed.training.train
    for _ in range(STEPS):
        opt.zero_grad()
        logp = engine.log_softmax(model(xt), axis=1)
        (-logp[rows, yt].mean()).backward()
        opt.step()
        schedule.step()
    assert all(backend.device_of(p.array) == "cuda" for p in model.parameters())
    return {k: backend.to_numpy(t.array) for k, t in model.state_dict().items()}


def main(argv):
    from engine.distributed import Communicator

    _job, outdir = argv[0], argv[1]  # run_job passes a job name first; this module has one job
    comm = Communicator(timeout=60)
    sim = backend._cupy()
    x, y = full_batch(comm.size)
    rows = slice(comm.rank * PER_RANK, (comm.rank + 1) * PER_RANK)
    out = {}
    for kind in ("sgd", "adam"):
        sim.reset_transfer_counts()
        for key, value in train_on_device(kind, 1000 + comm.rank, x[rows], y[rows], comm).items():
            out[f"{kind}/{key}"] = value
        out[f"{kind}/transfers"] = np.array([sim.transfer_counts()["h2d"], sim.transfer_counts()["d2h"]])
    np.savez(f"{outdir}/rank{comm.rank}.npz", **out)


if __name__ == "__main__":
    main(sys.argv[1:])
