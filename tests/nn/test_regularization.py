"""L1/L2 penalties act on weight matrices only (not biases or norm parameters), skip frozen ones,
and give the right values and gradients."""
import numpy as np

import engine
import nn


def test_penalties_on_weights_only():
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()
    w1, w2 = m[0].weight.numpy(), m[2].weight.numpy()
    l2 = nn.l2_penalty(m, 0.1)
    np.testing.assert_allclose(l2.item(), 0.1 * ((w1**2).sum() + (w2**2).sum()), rtol=1e-12)
    l1 = nn.l1_penalty(m, 0.5)
    np.testing.assert_allclose(l1.item(), 0.5 * (np.abs(w1).sum() + np.abs(w2).sum()), rtol=1e-12)
    (l1 + l2).backward()
    np.testing.assert_allclose(m[0].weight.grad.numpy(), 0.2 * w1 + 0.5 * np.sign(w1), rtol=1e-12)
    assert m[0].bias.grad is None and m[1].weight.grad is None
    m[0].requires_grad_(False)
    np.testing.assert_allclose(nn.l2_penalty(m).item(), (w2**2).sum(), rtol=1e-12)
    assert nn.l1_penalty(nn.ReLU()).item() == 0.0
