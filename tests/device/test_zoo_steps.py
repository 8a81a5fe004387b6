"""Model-zoo training steps on "cuda" (simulated in CI, see conftest.py) equal the CPU steps.

Each model is built once on the CPU in float64, copied to "cuda", and both copies take 2 SGD steps with
momentum on the same batch: the losses and every parameter must agree to 1e-9 (float64 round-off: the
CUDA twins sum in other orders than the CPU kernels).  Shapes are small, the simulator runs every thread
in Python.  The device copy's arrays must stay device arrays all along (no silent fall-back to the host).
"""
import copy

import numpy as np
import pytest

import engine
import nn
import nn.functional as F
import optim
from engine import backend
from nn import models


def _classify(model, x, y):
    return F.cross_entropy(model(x), y)


def _reconstruct(model, x, y):
    return F.mse_loss(model(x), x)


def _case(name):
    rng = np.random.default_rng(0)
    if name == "mlp":
        return models.MLP([12, 16, 10]), rng.standard_normal((6, 12)), rng.integers(0, 10, 6), _classify
    if name == "lenet5":
        return models.LeNet5(), rng.standard_normal((2, 1, 28, 28)), rng.integers(0, 10, 2), _classify
    if name == "resnet8":
        return (models.resnet8(num_classes=4, widths=(2, 4, 4)), rng.standard_normal((2, 3, 8, 8)),
                rng.integers(0, 4, 2), _classify)
    if name == "lstm":
        return models.LSTMClassifier(5, 6, 3), rng.standard_normal((3, 4, 5)), rng.integers(0, 3, 3), _classify
    if name == "conv_autoencoder":
        return models.ConvAutoencoder(1, (2, 4)), rng.random((2, 1, 8, 8)), None, _reconstruct
    raise AssertionError(name)


def _train(model, x, y, loss_fn, device, steps=2):
    model = model.to(device)
    xt = engine.tensor(x, dtype="float64").to(device)
    yt = None if y is None else engine.tensor(y).to(device)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model, xt, yt)
        loss.backward()
        opt.step()
        assert backend.device_of(loss.array) == device
        losses.append(loss.item())
    for p in model.parameters():
        assert backend.device_of(p.array) == device, "a parameter fell back to the host"
    return losses, {k: backend.to_numpy(v.array if hasattr(v, "array") else v) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("name", ["mlp", "lenet5", "resnet8", "lstm", "conv_autoencoder"])
def test_training_step_on_cuda_equals_cpu(name, cuda_device):
    model, x, y, loss_fn = _case(name)
    model = model.double()
    model_dev = copy.deepcopy(model)
    losses_cpu, state_cpu = _train(model, x, y, loss_fn, "cpu")
    losses_dev, state_dev = _train(model_dev, x, y, loss_fn, cuda_device)
    np.testing.assert_allclose(losses_dev, losses_cpu, rtol=0, atol=1e-9)
    assert state_dev.keys() == state_cpu.keys()
    for k in state_cpu:
        np.testing.assert_allclose(state_dev[k], state_cpu[k], rtol=0, atol=1e-9, err_msg=k)
