"""The data-parallel training run shared by the MPI job and its single-process reference.

A tiny two-layer classifier (built from ``nn.Module``/``nn.Parameter`` and engine ops only) with a
buffer and a parameter that never gets a gradient; ``train`` runs ``steps`` optimiser steps on one batch
and returns every state_dict array.  Rank r of N trains on rows ``r*B:(r+1)*B`` of the full batch; the
reference trains on all ``N*B`` rows in one process.
"""
from __future__ import annotations

import numpy as np

import engine
import nn
import optim
from optim.lr_scheduler import StepLR

IN, HIDDEN, CLASSES, PER_RANK, STEPS = 6, 8, 3, 5, 4


class TinyMLP(nn.Module):
    def __init__(self, seed: int):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.w1 = nn.Parameter(rng.standard_normal((HIDDEN, IN)).astype(np.float32) * 0.5)
        self.b1 = nn.Parameter(rng.standard_normal(HIDDEN).astype(np.float32) * 0.1)
        self.w2 = nn.Parameter(rng.standard_normal((CLASSES, HIDDEN)).astype(np.float32) * 0.5)
        self.unused = nn.Parameter(np.ones(2, np.float32))
        self.register_buffer("scale", engine.tensor(rng.uniform(0.5, 1.5, IN).astype(np.float32)))

    def forward(self, x):
        h = engine.relu((x * self.scale) @ self.w1.T + self.b1)
        return h @ self.w2.T


def full_batch(n_ranks: int):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n_ranks * PER_RANK, IN)).astype(np.float32)
    y = rng.integers(0, CLASSES, n_ranks * PER_RANK)
    return x, y


def loss_fn(model, x, y):
    logp = engine.log_softmax(model(engine.tensor(x)), axis=1)
    return -logp[np.arange(len(y)), y].mean()


OPTIMIZERS = {  # each also runs under a StepLR schedule
    "sgd": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "adam": lambda params: optim.Adam(params, lr=0.01),
}


def train(kind: str, seed: int, x, y, comm=None) -> dict:
    """Train a fresh TinyMLP(seed) for STEPS steps; distributed when ``comm`` is given."""
    from optim.distributed import DistributedOptimizer, broadcast_parameters

    model = TinyMLP(seed)
    opt = OPTIMIZERS[kind](model.parameters())
    if comm is not None:
        broadcast_parameters(model, comm)
        opt = DistributedOptimizer(opt, comm)
    schedule = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(STEPS):
        opt.zero_grad()
        loss_fn(model, x, y).backward()
        opt.step()
        schedule.step()
    out = {k: t.array.copy() for k, t in model.state_dict().items()}
    out["unused_grad_is_none"] = np.array(model.unused.grad is None)
    out["lr"] = np.array(opt.param_groups[0]["lr"])
    return out
