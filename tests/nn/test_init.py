"""nn.init: bounds and standard deviations of the initialisers, fans, gains, PyTorch default
initialisation of Linear/Conv, in-place filling that keeps dtype, and reproducible generators."""
import math

import numpy as np
import pytest

import engine
import nn
from nn import init


def P(*shape, dtype=np.float32):
    return nn.Parameter(engine.zeros(*shape, dtype=dtype))


def test_constant_family():
    p = P(3, 4)
    assert init.ones_(p) is p and np.all(p.numpy() == 1)
    init.constant_(p, 2.5)
    assert np.all(p.numpy() == 2.5) and p.dtype == np.float32
    init.zeros_(p)
    assert np.all(p.numpy() == 0)


def test_uniform_normal_statistics():
    p = P(400, 500)
    init.uniform_(p, -2, 3)
    v = p.numpy()
    assert v.min() >= -2 and v.max() <= 3 and abs(v.mean() - 0.5) < 0.02
    init.normal_(p, 1.0, 0.5)
    assert abs(p.numpy().mean() - 1) < 0.01 and abs(p.numpy().std() - 0.5) < 0.01


def test_xavier_and_kaiming():
    p = P(300, 200, 3, 3)  # fan_in = 1800, fan_out = 2700
    init.xavier_uniform_(p)
    b = math.sqrt(6 / (1800 + 2700))
    assert np.abs(p.numpy()).max() <= b and np.abs(p.numpy()).max() > 0.99 * b
    init.xavier_normal_(p, gain=2.0)
    assert abs(p.numpy().std() - 2 * math.sqrt(2 / 4500)) / (2 * math.sqrt(2 / 4500)) < 0.01
    init.kaiming_normal_(p, nonlinearity="relu")
    assert abs(p.numpy().std() / math.sqrt(2 / 1800) - 1) < 0.01
    init.kaiming_uniform_(p, mode="fan_out", nonlinearity="relu")
    b = math.sqrt(3) * math.sqrt(2 / 2700)
    assert np.abs(p.numpy()).max() <= b and np.abs(p.numpy()).max() > 0.99 * b
    with pytest.raises(ValueError, match="fewer than 2"):
        init.xavier_uniform_(P(5))
    with pytest.raises(ValueError, match="fan_sideways"):
        init.kaiming_uniform_(p, mode="fan_sideways")


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unsupported"):
        init.calculate_gain("wiggle")


def test_default_layer_initialisation_is_pytorchs():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = lin.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) / (bound / math.sqrt(3)) < 0.02
    assert np.abs(lin.bias.numpy()).max() <= bound
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    assert conv.weight.shape == (32, 16, 3, 3) and np.abs(conv.weight.numpy()).max() <= bound
    assert np.abs(conv.bias.numpy()).max() <= bound
    emb = nn.Embedding(1000, 50)
    assert abs(emb.weight.numpy().std() - 1) < 0.02


def test_generator_reproducible_and_orthogonal():
    a, b = P(4, 5), P(4, 5)
    init.normal_(a, generator=np.random.default_rng(7))
    init.normal_(b, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    q = init.orthogonal_(P(6, 4, dtype=np.float64)).numpy()
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-12)
    t = init.trunc_normal_(P(1000), std=1.0, a=-0.5, b=0.5).numpy()
    assert t.min() >= -0.5 and t.max() <= 0.5
