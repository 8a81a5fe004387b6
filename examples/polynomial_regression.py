"""Polynomial curve fitting of sin(2 pi x) + noise: the course's first worked example (Bishop, PRML 1.1).

N training points x_n on [0, 1] with targets t_n = sin(2 pi x_n) + N(0, sigma^2) are fitted by
polynomials y(x, w) = sum_j w_j x^j of order M = 0, 1, 3, 9, minimising the sum-of-squares error

    E(w) = 1/2 sum_n (y(x_n, w) - t_n)^2 + lambda/2 ||w||^2.

Autodiff does the calculus: the gradient g = dE/dw comes from a backward pass and the Hessian H from
M+1 Hessian-vector products (``engine.hvp``, a double backward).  E is quadratic in w, so one Newton
step w <- w - H^-1 g lands on the minimiser exactly (a second step polishes round-off).  Plain
gradient descent would be the wrong tool here: for M = 9 the Hessian's condition number is ~1e13, so
it would need billions of steps to reach the wildly oscillating interpolant that the example is about.
Everything runs in float64 for the same reason.

Printed: the table of fitted coefficients (for M = 9 they explode to ~1e5 without regularisation and
stay small with ln lambda = -18) and the training/test RMS errors E_RMS = sqrt(2 E(w*) / N).

    python examples/polynomial_regression.py [--n-train 10] [--noise 0.3] [--log-lambda -18] [--seed 1]
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

ORDERS = (0, 1, 3, 9)


def make_data(n, noise, rng, grid=True):
    """``n`` inputs on [0, 1] (evenly spaced when ``grid``, else uniform) and noisy sin(2 pi x) targets."""
    x = np.linspace(0.0, 1.0, n) if grid else rng.uniform(0.0, 1.0, n)
    t = np.sin(2 * np.pi * x) + noise * rng.standard_normal(n)
    return x, t


def design_matrix(x, order):
    """Phi[n, j] = x_n ** j for j = 0..order."""
    return np.vander(x, order + 1, increasing=True)


def sum_of_squares(w, phi, t, lam=0.0):
    """E(w) = 1/2 ||phi w - t||^2 + lam/2 ||w||^2 as a differentiable scalar Tensor."""
    r = phi @ w - t
    e = 0.5 * (r * r).sum()
    if lam:
        e = e + 0.5 * lam * (w * w).sum()
    return e


def fit(x, t, order, lam=0.0, newton_steps=2):
    """Minimise E(w) by Newton's method with the gradient and Hessian from autodiff; returns w (NumPy)."""
    phi = tensor(design_matrix(x, order), dtype="float64")
    tt = tensor(t, dtype="float64")
    w = tensor(np.zeros(order + 1), dtype="float64", requires_grad=True)

    def loss(w_):
        return sum_of_squares(w_, phi, tt, lam)

    for _ in range(newton_steps):
        (g,) = engine.grad(loss(w), w)
        cols = []
        for j in range(order + 1):
            e_j = np.zeros(order + 1)
            e_j[j] = 1.0
            (hv,) = engine.hvp(loss, w, tensor(e_j, dtype="float64"))
            cols.append(hv.numpy())
        hess = np.stack(cols, axis=1)
        step = np.linalg.lstsq(hess, g.numpy(), rcond=None)[0]
        w = tensor(w.numpy() - step, dtype="float64", requires_grad=True)
    return w.numpy()


def rms_error(w, x, t):
    """E_RMS = sqrt(2 E(w) / N) without the regulariser (so that different N compare)."""
    e = sum_of_squares(tensor(w, dtype="float64"), tensor(design_matrix(x, len(w) - 1), dtype="float64"),
                       tensor(t, dtype="float64"))
    return math.sqrt(2.0 * e.item() / len(x))


def run(n_train=10, n_test=100, noise=0.3, log_lambda=-18.0, seed=1):
    """Fit every order with and without regularisation; returns a dict of weights and errors."""
    rng = np.random.default_rng(seed)
    x_tr, t_tr = make_data(n_train, noise, rng, grid=True)
    x_te, t_te = make_data(n_test, noise, rng, grid=False)
    lam = math.exp(log_lambda)
    results = {}
    for order in ORDERS:
        for reg in (0.0, lam):
            w = fit(x_tr, t_tr, order, reg)
            results[(order, reg)] = {
                "w": w,
                "train_rms": rms_error(w, x_tr, t_tr),
                "test_rms": rms_error(w, x_te, t_te),
            }
    return {"lambda": lam, "log_lambda": log_lambda, "noise": noise, "fits": results}


def format_tables(res):
    """The weights table (columns: M = 0, 1, 3, 9 unregularised, then M = 9 with lambda) and errors."""
    lam, fits = res["lambda"], res["fits"]
    cols = [(m, 0.0) for m in ORDERS] + [(9, lam)]
    heads = [f"M={m}" for m in ORDERS] + [f"M=9,lnλ={res['log_lambda']:g}"]
    lines = ["Fitted coefficients w*", "      " + "".join(f"{h:>16}" for h in heads)]
    for j in range(max(ORDERS) + 1):
        row = f"w{j:<5}"
        for key in cols:
            w = fits[key]["w"]
            row += f"{w[j]:>16.2f}" if j < len(w) else f"{'':>16}"
        lines.append(row)
    lines.append("")
    lines.append(f"RMS error (noise std {res['noise']:g})")
    lines.append(f"{'M':>3}{'train':>12}{'test':>12}{'train (λ)':>12}{'test (λ)':>12}{'max|w|':>14}{'max|w| (λ)':>14}")
    for m in ORDERS:
        a, b = fits[(m, 0.0)], fits[(m, lam)]
        lines.append(
            f"{m:>3}{a['train_rms']:>12.4f}{a['test_rms']:>12.4f}{b['train_rms']:>12.4f}{b['test_rms']:>12.4f}"
            f"{np.abs(a['w']).max():>14.4g}{np.abs(b['w']).max():>14.4g}"
        )
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-train", type=int, default=10)
    p.add_argument("--n-test", type=int, default=100)
    p.add_argument("--noise", type=float, default=0.3)
    p.add_argument("--log-lambda", type=float, default=-18.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    res = run(a.n_train, a.n_test, a.noise, a.log_lambda, a.seed)
    print(format_tables(res))
    return res


if __name__ == "__main__":
    main()
