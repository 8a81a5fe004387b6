"""Every activation Module against a NumPy formula and its derivative (float64), gradcheck away
from kinks, PReLU's learnable slope, softmax axes."""
import numpy as np
import pytest

import engine
import nn

X = np.concatenate([np.linspace(-6, 6, 41), [-30.0, 30.0, 0.0]])


def _sp(v):
    return np.logaddexp(0, v)


def _sig(v):
    return 1 / (1 + np.exp(-v))


CASES = [
    (nn.ReLU(), lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
    (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x), lambda x: np.where(x > 0, 1, 0.1)),
    (nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), lambda x: np.where(x > 0, 1, 0.7 * np.exp(x))),
    (nn.SiLU(), lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
    (nn.Mish(), lambda x: x * np.tanh(_sp(x)),
     lambda x: np.tanh(_sp(x)) + x * (1 - np.tanh(_sp(x)) ** 2) * _sig(x)),
    (nn.Softplus(), _sp, _sig),
    (nn.Softplus(beta=2, threshold=5), lambda x: np.where(2 * x > 5, x, _sp(2 * x) / 2),
     lambda x: np.where(2 * x > 5, 1, _sig(2 * x))),
    (nn.Softsign(), lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    (nn.Sigmoid(), _sig, lambda x: _sig(x) * (1 - _sig(x))),
    (nn.Tanh(), np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    (nn.LogSigmoid(), lambda x: -_sp(-x), lambda x: 1 - _sig(x)),
    (nn.Sinc(), lambda x: np.where(x == 0, 1, np.sin(x) / np.where(x == 0, 1, x)),
     lambda x: np.where(x == 0, 0, (x * np.cos(x) - np.sin(x)) / np.where(x == 0, 1, x) ** 2)),
    (nn.HardThreshold(), lambda x: (x >= 0) * 1.0, lambda x: 0 * x),
    (nn.AbsRectifier(), np.abs, np.sign),
    (nn.Identity(), lambda x: x, lambda x: np.ones_like(x)),
    (nn.ReLU6(), lambda x: np.clip(x, 0, 6), lambda x: ((x > 0) & (x < 6)) * 1.0),
]


@pytest.mark.parametrize("module, f, df", CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_activation_value_and_derivative(module, f, df):
    x = engine.tensor(X, dtype=np.float64, requires_grad=True)
    y = module(x)
    np.testing.assert_allclose(y.numpy(), f(X), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), df(X), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("module", [nn.ELU(), nn.SiLU(), nn.Mish(), nn.Softplus(), nn.Softsign(), nn.LogSigmoid(),
                                    nn.Sinc()])
def test_activation_gradcheck(module):
    x = engine.tensor(np.random.default_rng(0).uniform(0.2, 2, (3, 4)) * np.array([1, -1, 1, -1]),
                      dtype=np.float64, requires_grad=True)
    assert engine.gradcheck(module, [x])


def test_prelu_per_channel_slope_gradient():
    m = nn.PReLU(3).double()
    assert m.weight.shape == (3,) and np.all(m.weight.numpy() == 0.25)
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    xt = engine.tensor(x, dtype=np.float64, requires_grad=True)
    y = m(xt)
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, 0.25 * x))
    y.sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), np.where(x > 0, 0, x).sum(axis=(0, 2)))
    with pytest.raises(ValueError, match="slopes"):
        m(engine.randn(2, 4))


def test_softmax_modules():
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    e = np.exp(x - x.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(axis=1)(engine.tensor(x, dtype=np.float64)).numpy(), sm, rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(axis=1)(engine.tensor(x, dtype=np.float64)).numpy(), np.log(sm),
                               rtol=1e-10)
