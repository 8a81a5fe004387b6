"""BCELoss at saturated inputs (exactly 0 or 1): PyTorch's clamped logs and finite gradients."""
import numpy as np

import engine
import nn


def test_bce_at_zero_and_one_is_finite_and_matches_pytorch_formula():
    p = np.array([0.0, 1.0, 0.3, 0.999, 1e-8, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    pt = engine.tensor(p, dtype="float64", requires_grad=True)
    loss = nn.BCELoss(reduction="sum")(pt, engine.tensor(y, dtype="float64"))
    loss.backward()
    log_p = np.maximum(np.log(np.where(p > 0, p, 1e-300)), -100)
    log_q = np.maximum(np.log(np.where(p < 1, 1 - p, 1e-300)), -100)
    expected_loss = -(y * log_p + (1 - y) * log_q).sum()
    expected_grad = (p - y) / np.maximum(p * (1 - p), 1e-12)
    assert np.isfinite(pt.grad.numpy()).all()
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-12)
    np.testing.assert_allclose(pt.grad.numpy(), expected_grad, rtol=1e-12)


def test_bce_gradients_away_from_the_edges():
    rng = np.random.default_rng(0)
    x = engine.tensor(rng.uniform(0.1, 0.9, (3, 4)), dtype="float64", requires_grad=True)
    t = engine.tensor(rng.uniform(0, 1, (3, 4)), dtype="float64")
    assert engine.gradcheck(lambda a: nn.functional.binary_cross_entropy(a, t, reduction="none"), [x])
    assert engine.gradgradcheck(lambda a: nn.functional.binary_cross_entropy(a, t), [x])
