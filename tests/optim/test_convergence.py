"""Convergence to known optima: least squares reaches the closed-form (lstsq) solution, L2-regularised
logistic regression reaches the Newton-method optimum, and heavy-ball momentum needs far fewer steps
than plain gradient descent on an ill-conditioned quadratic (the course's picture)."""
import numpy as np
import pytest

import engine
import optim


def _t(x, grad=False):
    return engine.tensor(x, dtype="float64", requires_grad=grad)


@pytest.mark.parametrize(
    "cls, kw, steps, gamma",
    [
        (optim.SGD, dict(lr=0.3), 300, None),
        (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), 300, None),
        (optim.Adam, dict(lr=0.05), 1500, None),
        (optim.Adagrad, dict(lr=0.5), 1500, None),
        # RMSprop's steps do not shrink near the optimum by themselves: decay the lr (ExponentialLR per step)
        (optim.RMSprop, dict(lr=0.01, centered=True), 1500, 0.995),
    ],
)
def test_least_squares_reaches_lstsq(cls, kw, steps, gamma):
    rng = np.random.default_rng(0)
    n, d = 200, 5
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.7 + 0.1 * rng.normal(size=n)
    A = np.hstack([X, np.ones((n, 1))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    w, b = _t(np.zeros(d), True), _t(np.zeros(1), True)
    Xt, yt = _t(X), _t(y)
    opt = cls([w, b], **kw)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma) if gamma else None
    for _ in range(steps):
        opt.zero_grad()
        r = Xt @ w + b - yt
        (r * r).mean().backward()
        opt.step()
        if sched:
            sched.step()
    np.testing.assert_allclose(np.append(w.numpy(), b.numpy()), sol, atol=2e-5)


def test_logistic_regression_reaches_newton_optimum():
    rng = np.random.default_rng(1)
    n, d, lam = 300, 3, 1e-2
    X = rng.normal(size=(n, d))
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-(X @ np.array([1.5, -2.0, 0.5])))), 1.0, -1.0)

    # Newton's method on f(w) = mean(log(1 + exp(-y Xw))) + lam/2 |w|^2
    w_star = np.zeros(d)
    for _ in range(30):
        s = 1 / (1 + np.exp(y * (X @ w_star)))  # sigma(-m)
        g = -(X * (y * s)[:, None]).mean(0) + lam * w_star
        H = (X * (s * (1 - s))[:, None]).T @ X / n + lam * np.eye(d)
        w_star -= np.linalg.solve(H, g)

    w = _t(np.zeros(d), True)
    Xt, yt = _t(X), _t(y)
    L = np.linalg.eigvalsh(X.T @ X / n).max() / 4 + lam
    opt = optim.SGD([w], lr=1 / L, momentum=0.8)
    for _ in range(400):
        opt.zero_grad()
        m = yt * (Xt @ w)
        (engine.log(engine.exp(-m) + 1.0).mean() + (w * w).sum() * (lam / 2)).backward()
        opt.step()
    np.testing.assert_allclose(w.numpy(), w_star, atol=1e-6)


def _steps_to_converge(lr, momentum, lams, tol=1e-6, limit=5000):
    x = _t(np.ones_like(lams), True)
    opt = optim.SGD([x], lr=lr, momentum=momentum)
    for k in range(1, limit + 1):
        opt.zero_grad()
        ((x * x) * lams * 0.5).sum().backward()
        opt.step()
        if np.linalg.norm(x.numpy()) < tol * np.sqrt(lams.size):
            return k
    return limit


def test_heavy_ball_beats_gradient_descent_on_ill_conditioned_quadratic():
    lams = np.array([1.0, 3.0, 10.0, 30.0, 100.0])  # condition number 100
    mu, L = lams.min(), lams.max()
    gd = _steps_to_converge(2 / (L + mu), 0.0, lams)
    # Polyak's optimal heavy-ball parameters
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    beta = ((np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))) ** 2
    hb = _steps_to_converge(lr, beta, lams)
    assert gd > 500 and hb < gd / 4, (gd, hb)
