"""find_step_size (the Bottou trick): on a problem whose best one-step learning rate is known in closed
form it lands close to it, reports every (lr, loss) it tried, and leaves the parameters unchanged."""
import math

import numpy as np
import pytest

import engine
import optim


def test_finds_the_known_best_step_size():
    # loss = 0.5 * a * (w - c)^2 on every example; one full-batch SGD step with lr leaves
    # 0.5 * a * (1 - lr * a)^2 * (w0 - c)^2, minimised (to zero) at lr = 1 / a.
    a, c = 8.0, 3.0
    w = engine.tensor([0.0], dtype="float64", requires_grad=True)
    x = np.ones((2000, 1))

    def loss_fn(xb):
        return ((engine.tensor(xb, dtype="float64") * w - c) ** 2).mean() * (0.5 * a)

    lr, losses = optim.find_step_size([w], loss_fn, x, batch_size=10_000, lr_init=1e-3, factor=4.0, bisections=4)
    assert w.numpy()[0] == 0.0 and w.grad is None
    assert abs(math.log(lr * a)) < math.log(4.0) / 2**4 * 1.01
    assert min(losses, key=lambda t: t[1])[0] == lr
    tried = [t[0] for t in losses]
    assert len(tried) == len(set(tried))  # each lr evaluated once
    assert max(tried) > 1 / a > min(tried)
    # too large a step diverged and scored inf or grew, never beat the best
    assert all(v >= min(t[1] for t in losses) for _, v in losses)


def test_sample_fraction_and_divergence_handled():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    w = engine.tensor(np.zeros(3), dtype="float64", requires_grad=True)
    seen = []

    def loss_fn(xb, yb):
        seen.append(len(xb))
        r = engine.tensor(xb, dtype="float64") @ w - engine.tensor(yb, dtype="float64")
        return (r * r).mean()

    res = optim.find_step_size([w], loss_fn, X, y, fraction=0.05, batch_size=20, lr_init=10.0)
    assert max(seen) == 200  # 5% of 4000, evaluated on the whole sample
    assert dict(res.losses)[10.0] > 1e6  # lr 10 diverges
    assert 1e-3 < res.lr < 1.0
    np.testing.assert_array_equal(w.numpy(), 0.0)


def test_non_finite_loss_scores_inf():
    # log(2 - w) is nan beyond w = 2: large steps from w = 0 (gradient -2.5) land there
    w = engine.tensor([0.0], dtype="float64", requires_grad=True)

    def loss_fn(xb):
        return ((w - 1.0) ** 2).sum() - engine.log(2.0 - w).sum()

    res = optim.find_step_size([w], loss_fn, np.ones(100), batch_size=100, lr_init=4.0)
    assert dict(res.losses)[4.0] == math.inf
    assert res.lr < 0.8 and math.isfinite(min(v for _, v in res.losses))


def test_bad_arguments():
    w = engine.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="fraction"):
        optim.find_step_size([w], None, np.ones(3), fraction=0)
    with pytest.raises(ValueError, match="different lengths"):
        optim.find_step_size([w], None, np.ones(3), np.ones(4))
