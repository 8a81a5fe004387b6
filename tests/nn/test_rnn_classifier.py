"""The LSTM sequence classifier: shapes, PyTorch-style state dict keys, gradients, and that 100 steps
of SGD with momentum (written out here) learn a toy sequence task: is the sequence's sum positive?"""
import numpy as np
import pytest

import engine
from nn.models.lstm_classifier import LSTMClassifier


def test_shapes_keys_and_pooling():
    np.random.seed(0)
    m = LSTMClassifier(28, 16, 10, num_layers=2, bidirectional=True)
    assert list(m.state_dict())[:2] == ["lstm.weight_ih_l0", "lstm.weight_hh_l0"]
    assert list(m.state_dict())[-2:] == ["fc.weight", "fc.bias"]
    assert m.fc.weight.shape == (10, 32)
    x = engine.randn(4, 28, 28)
    assert m(x).shape == (4, 10)
    # "last" pooling of a bidirectional LSTM: forward state at t=T-1, reverse state at t=0
    out, (h, _) = m.lstm(x)
    np.testing.assert_allclose(out.numpy()[:, -1, :16], h.numpy()[-2], rtol=1e-6)
    np.testing.assert_allclose(out.numpy()[:, 0, 16:], h.numpy()[-1], rtol=1e-6)
    for pooling in ("mean", "max"):
        assert LSTMClassifier(3, 5, 2, pooling=pooling)(engine.randn(2, 4, 3)).shape == (2, 2)
    with pytest.raises(ValueError, match="pooling must be"):
        LSTMClassifier(3, 5, 2, pooling="first")


def test_gradcheck_through_the_classifier():
    np.random.seed(1)
    m = LSTMClassifier(2, 3, 2, pooling="mean").double()
    x = engine.randn(2, 3, 2, dtype="float64", requires_grad=True)
    assert engine.gradcheck(lambda a: m(a), [x])


def test_learns_a_toy_sequence_task():
    rng = np.random.default_rng(0)
    np.random.seed(0)
    x = rng.standard_normal((256, 8, 1)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    m = LSTMClassifier(1, 12, 2)
    params = list(m.parameters())
    velocity = [np.zeros_like(p.array) for p in params]
    xt = engine.tensor(x)
    onehot = np.eye(2, dtype=np.float32)[y]
    first = None
    for step in range(100):
        loss = -(m(xt).log_softmax(axis=1) * onehot).sum(axis=1).mean()
        first = loss.item() if first is None else first
        m.zero_grad()
        loss.backward()
        for p, v in zip(params, velocity):
            v *= 0.9
            v += p.grad.array
            p.array -= 0.1 * v
    acc = (m(xt).numpy().argmax(1) == y).mean()
    assert loss.item() < 0.2 * first and acc > 0.95, (acc, first, loss.item())
