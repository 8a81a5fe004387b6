"""A two-layer sigmoid network with squared error on XOR: the course's take-home backprop exercise.

The data are four Gaussian blobs around (+-1, +-1) labelled by XOR of the signs (points within
``margin`` of an axis are dropped, so the classes are separable — but not linearly).  The model is

    h = sigmoid(X W1^T + b1)        (H hidden units)
    y = sigmoid(h W2^T + b2)        (one output, read as P(class 1))
    E = 1/(2N) sum_n (y_n - t_n)^2

Its gradients are computed three ways and compared before training: (1) by hand — the backprop
formulas of the notes, written out in NumPy (``manual_gradients``), (2) by Kiln's backward pass, and
(3) numerically, by ``engine.gradcheck`` (central differences in float64).  The network is then trained
with full-batch gradient descent with momentum (the update written out by hand: no ``optim`` needed)
until every training point is classified correctly; the held-out accuracy is reported too.

    python examples/two_layer_sigmoid.py [--hidden 8] [--steps 1000] [--lr 2.0] [--seed 0]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine  # noqa: E402
from engine import tensor  # noqa: E402


def make_xor(n, rng, std=0.35, margin=0.1):
    """``n`` points from four blobs at (+-1, +-1); label 1 when the two coordinates' signs differ."""
    xs = []
    while sum(len(x) for x in xs) < n:
        centres = rng.choice([-1.0, 1.0], size=(n, 2))
        pts = centres + std * rng.standard_normal((n, 2))
        xs.append(pts[(np.abs(pts) > margin).all(axis=1)])
    x = np.concatenate(xs)[:n]
    t = (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.float64)
    return x, t


def init_params(n_in, n_hidden, rng):
    """Small random weights (uniform +-1/sqrt(fan_in)), as float64 NumPy arrays."""
    def u(shape, fan_in):
        b = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape)

    return {"W1": u((n_hidden, n_in), n_in), "b1": u((n_hidden,), n_in),
            "W2": u((1, n_hidden), n_hidden), "b2": u((1,), n_hidden)}


def forward(x, t, W1, b1, W2, b2):
    """The squared error E of the network as a scalar Tensor (``x``, ``t`` constants)."""
    h = (x @ W1.T + b1).sigmoid()
    y = (h @ W2.T + b2).sigmoid()
    r = y.reshape(-1) - t
    return 0.5 * (r * r).sum() / len(t)


def predict(params, x):
    """P(class 1) for each row of ``x`` (NumPy in and out; no graph)."""
    with engine.no_grad():
        h = (tensor(x, dtype="float64") @ tensor(params["W1"], dtype="float64").T
             + tensor(params["b1"], dtype="float64")).sigmoid()
        y = (h @ tensor(params["W2"], dtype="float64").T + tensor(params["b2"], dtype="float64")).sigmoid()
    return y.numpy().reshape(-1)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def manual_gradients(params, x, t):
    """Backprop by hand (the exercise): deltas delta2 = (y - t) y (1 - y) / N, delta1 = delta2 W2 * h (1 - h)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = _sigmoid(x @ W1.T + b1)
    y = _sigmoid(h @ W2.T + b2)
    d2 = (y - t[:, None]) * y * (1 - y) / len(t)          # (N, 1)
    d1 = (d2 @ W2) * h * (1 - h)                            # (N, H)
    return {"W1": d1.T @ x, "b1": d1.sum(0), "W2": d2.T @ h, "b2": d2.sum(0)}


def autodiff_gradients(params, x, t):
    """The same gradients from Kiln's backward pass (float64)."""
    names = ["W1", "b1", "W2", "b2"]
    ts = [tensor(params[k], dtype="float64", requires_grad=True) for k in names]
    loss = forward(tensor(x, dtype="float64"), tensor(t, dtype="float64"), *ts)
    grads = engine.grad(loss, ts)
    return {k: g.numpy() for k, g in zip(names, grads)}, loss.item()


def check_gradients(params, x, t):
    """Compare hand-written, autodiff and numerical gradients; returns the max abs differences."""
    man = manual_gradients(params, x, t)
    auto, _ = autodiff_gradients(params, x, t)
    diff = max(float(np.abs(man[k] - auto[k]).max()) for k in man)
    xs, ts_ = tensor(x, dtype="float64"), tensor(t, dtype="float64")
    inputs = [tensor(params[k], dtype="float64", requires_grad=True) for k in ["W1", "b1", "W2", "b2"]]
    ok = engine.gradcheck(lambda *p: forward(xs, ts_, *p), inputs, eps=1e-6, atol=1e-8, rtol=1e-5)
    return {"manual_vs_autodiff": diff, "gradcheck": ok}


def train(params, x, t, steps, lr, momentum=0.9, log_every=100):
    """Full-batch gradient descent with momentum on the autodiff gradients; returns the history."""
    names = ["W1", "b1", "W2", "b2"]
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    history = []
    for step in range(1, steps + 1):
        grads, loss = autodiff_gradients(params, x, t)
        for k in names:
            velocity[k] = momentum * velocity[k] - lr * grads[k]
            params[k] = params[k] + velocity[k]
        if step % log_every == 0 or step == 1 or step == steps:
            acc = float(((predict(params, x) > 0.5) == (t > 0.5)).mean())
            history.append((step, loss, acc))
    return history


def run(n_train=200, n_test=1000, hidden=8, steps=1000, lr=2.0, seed=0):
    rng = np.random.default_rng(seed)
    x_tr, t_tr = make_xor(n_train, rng)
    x_te, t_te = make_xor(n_test, rng)
    params = init_params(2, hidden, rng)
    checks = check_gradients(params, x_tr[:20], t_tr[:20])
    history = train(params, x_tr, t_tr, steps, lr)
    acc = lambda x, t: float(((predict(params, x) > 0.5) == (t > 0.5)).mean())  # noqa: E731
    return {"checks": checks, "history": history, "train_accuracy": acc(x_tr, t_tr),
            "test_accuracy": acc(x_te, t_te), "params": params}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-train", type=int, default=200)
    p.add_argument("--hidden", type=int, default=8)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--lr", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    res = run(a.n_train, 1000, a.hidden, a.steps, a.lr, a.seed)
    c = res["checks"]
    print(f"gradient check: hand-written backprop vs autodiff max |diff| = {c['manual_vs_autodiff']:.2e}; "
          f"engine.gradcheck (central differences) passed = {c['gradcheck']}")
    print(f"{'step':>6}{'loss':>12}{'train acc':>11}")
    for step, loss, acc in res["history"]:
        print(f"{step:>6}{loss:>12.6f}{acc:>11.3f}")
    print(f"final train accuracy {res['train_accuracy']:.3f}, held-out accuracy {res['test_accuracy']:.3f}")
    return res


if __name__ == "__main__":
    main()
