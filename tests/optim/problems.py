"""A small smooth non-convex test problem shared by the optimiser tests: two float64 parameters (a matrix
and a vector) with loss ``sum(w * sin(p)) + 0.5 * sum(s * p**2)`` per parameter, whose gradient
``w * cos(p) + s * p`` the NumPy references compute in closed form."""
import numpy as np

import engine

SHAPES = [(3, 4), (4,)]


def constants(seed=0):
    rng = np.random.default_rng(seed)
    inits = [rng.normal(size=s) for s in SHAPES]
    ws = [rng.normal(size=s) for s in SHAPES]
    ss = [rng.uniform(0.5, 2.0, size=s) for s in SHAPES]
    return inits, ws, ss


def make_params(inits):
    return [engine.tensor(x, dtype="float64", requires_grad=True) for x in inits]


def loss(params, ws, ss):
    total = None
    for p, w, s in zip(params, ws, ss):
        term = (engine.sin(p) * w).sum() + ((p * p) * s).sum() * 0.5
        total = term if total is None else total + term
    return total


def grad(p, w, s):
    return w * np.cos(p) + s * p


def run_with_torch(name, kw, seed, steps, torch_kw=None):
    """Optimiser ``name`` of Kiln and of torch (``torch_kw``, default ``kw``; ``foreach=False``) from the same
    start on the same loss for ``steps`` steps; returns ``(params, ours, torch_params, theirs)``."""
    import torch

    import optim

    inits, ws, ss = constants(seed)
    params = make_params(inits)
    ours = getattr(optim, name)(params, **kw)
    tps = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inits]
    theirs = getattr(torch.optim, name)(tps, foreach=False, **(kw if torch_kw is None else torch_kw))
    tws, tss = [torch.tensor(w) for w in ws], [torch.tensor(s) for s in ss]
    for _ in range(steps):
        ours.zero_grad()
        loss(params, ws, ss).backward()
        ours.step()
        theirs.zero_grad()
        sum(((torch.sin(p) * w).sum() + 0.5 * (s * p * p).sum()) for p, w, s in zip(tps, tws, tss)).backward()
        theirs.step()
    return params, ours, tps, theirs
