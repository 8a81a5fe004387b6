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
