"""Collaborative filtering by matrix factorisation: learn U and V by gradient descent (course example).

A synthetic ratings matrix R = U* V*^T + noise (``users x items``, rank ``k``, Gaussian noise of std
``sigma``) is observed only on a random subset of its entries.  Of the observed entries a share is held
out; the model R_hat = U V^T (plus a global mean) is fitted to the rest by minimising

    E(U, V) = 1/|Omega| sum_{(i,j) in Omega} (u_i . v_j - r_ij)^2 + lambda (||U||^2 + ||V||^2) / |Omega|

with full-batch gradient descent with momentum, the gradients coming from Kiln's backward pass (the
missing entries enter through a 0/1 mask, so the whole step is two matmuls).  A perfect model
still errs by the noise, so the held-out RMSE is reported against that floor, sigma; with enough
observations per row and column it gets close to it, while the baseline that predicts the mean sits
at the signal's spread.

    python examples/collaborative_filtering.py [--users 120] [--items 100] [--rank 3] [--noise 0.3]
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine  # noqa: E402
from engine import tensor  # noqa: E402


def make_ratings(n_users, n_items, rank, noise, observed, held_out, rng):
    """The noisy low-rank matrix and two disjoint 0/1 masks (train, held-out) over its observed entries."""
    u = rng.standard_normal((n_users, rank))
    v = rng.standard_normal((n_items, rank))
    clean = u @ v.T / math.sqrt(rank)             # entries of unit variance whatever the rank
    r = 3.0 + clean + noise * rng.standard_normal(clean.shape)   # "ratings" around 3
    seen = rng.random(r.shape) < observed
    test = seen & (rng.random(r.shape) < held_out)
    train = seen & ~test
    return r, train.astype(np.float64), test.astype(np.float64), clean


def rmse(pred, r, mask):
    return float(np.sqrt(((pred - r) ** 2 * mask).sum() / mask.sum()))


def fit(r, train_mask, rank, steps, lr, lam, momentum=0.9, seed=0, log_every=50, test_mask=None):
    """Gradient descent with momentum on U, V (autodiff gradients); returns (U, V, mu, history)."""
    rng = np.random.default_rng(seed)
    n, m = r.shape
    mu = float((r * train_mask).sum() / train_mask.sum())
    U = tensor(0.1 * rng.standard_normal((n, rank)), dtype="float64", requires_grad=True)
    V = tensor(0.1 * rng.standard_normal((m, rank)), dtype="float64", requires_grad=True)
    R = tensor(r - mu, dtype="float64")
    M = tensor(train_mask, dtype="float64")
    count = float(train_mask.sum())
    vel = [np.zeros(U.shape), np.zeros(V.shape)]
    history = []
    for step in range(1, steps + 1):
        resid = (U @ V.T - R) * M
        loss = (resid * resid).sum() / count + lam * ((U * U).sum() + (V * V).sum()) / count
        gU, gV = engine.grad(loss, [U, V])
        for k, (p, g) in enumerate(((U, gU), (V, gV))):
            vel[k] = momentum * vel[k] - lr * g.numpy()
            p.array += vel[k]
        if step == 1 or step % log_every == 0 or step == steps:
            pred = U.numpy() @ V.numpy().T + mu
            row = (step, loss.item(), rmse(pred, r, train_mask))
            if test_mask is not None:
                row += (rmse(pred, r, test_mask),)
            history.append(row)
    return U.numpy(), V.numpy(), mu, history


def run(n_users=120, n_items=100, rank=3, noise=0.3, observed=0.5, held_out=0.2, steps=300, lr=2.0,
        lam=1.0, seed=0):
    rng = np.random.default_rng(seed)
    r, tr, te, _ = make_ratings(n_users, n_items, rank, noise, observed, held_out, rng)
    U, V, mu, history = fit(r, tr, rank, steps, lr, lam, seed=seed + 1, test_mask=te)
    pred = U @ V.T + mu
    return {
        "noise": noise,
        "train_rmse": rmse(pred, r, tr),
        "test_rmse": rmse(pred, r, te),
        "baseline_rmse": rmse(np.full(r.shape, mu), r, te),
        "n_train": int(tr.sum()),
        "n_test": int(te.sum()),
        "history": history,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=120)
    p.add_argument("--items", type=int, default=100)
    p.add_argument("--rank", type=int, default=3)
    p.add_argument("--noise", type=float, default=0.3)
    p.add_argument("--observed", type=float, default=0.5, help="share of entries observed")
    p.add_argument("--held-out", type=float, default=0.2, help="share of observed entries held out")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--lr", type=float, default=2.0)
    p.add_argument("--lam", type=float, default=1.0, help="L2 penalty on U and V")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    res = run(a.users, a.items, a.rank, a.noise, a.observed, a.held_out, a.steps, a.lr, a.lam, a.seed)
    print(f"{a.users} users x {a.items} items, rank {a.rank}; {res['n_train']} training and "
          f"{res['n_test']} held-out ratings")
    print(f"{'step':>6}{'loss':>12}{'train RMSE':>12}{'test RMSE':>12}")
    for step, loss, tr, te in res["history"]:
        print(f"{step:>6}{loss:>12.5f}{tr:>12.4f}{te:>12.4f}")
    print(f"held-out RMSE {res['test_rmse']:.4f} vs noise floor {res['noise']:.4f} "
          f"(ratio {res['test_rmse'] / res['noise']:.3f}); predicting the mean gives {res['baseline_rmse']:.4f}")
    return res


if __name__ == "__main__":
    main()
