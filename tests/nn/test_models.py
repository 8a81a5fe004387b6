"""Model zoo: shapes, parameter counts equal to the PyTorch models of the same architecture,
state-dict keys, a few training steps that lower the loss; convolutional models need the engine's
conv/pool ops and skip cleanly until they exist."""
import numpy as np
import pytest

import engine
import nn
from nn import models

needs_conv = pytest.mark.skipif(
    not all(hasattr(engine, f) for f in ("conv2d", "max_pool2d", "adaptive_avg_pool2d")),
    reason="engine conv/pool ops not available yet")


def _sgd_steps(model, x, target, loss_fn, steps=5, lr=0.1):
    losses = []
    for _ in range(steps):
        model.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        for p in model.parameters():
            p.array -= lr * p.grad.array
        losses.append(loss.item())
    return losses


def test_mlp_structure_and_training():
    np.random.seed(0)
    m = models.MLP([20, 16, 8, 3], activation="tanh", dropout=0.1, batch_norm=True)
    assert isinstance(m[0], nn.Linear) and isinstance(m[1], nn.BatchNorm1d) and isinstance(m[2], nn.Tanh)
    m = models.MLP([784, 256, 128, 10])
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert m.num_parameters() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    x = engine.randn(32, 784)
    y = np.random.randint(0, 10, 32)
    losses = _sgd_steps(m, x, y, nn.CrossEntropyLoss())
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="widths"):
        models.MLP([5])
    with pytest.raises(ValueError, match="unknown activation"):
        models.MLP([2, 2, 2], activation="wobble")


def test_mlp_autoencoder_and_denoising():
    np.random.seed(1)
    ae = models.Autoencoder((64, 32, 8))
    x = engine.rand(16, 1, 8, 8)
    assert ae(x).shape == x.shape and ae.encode(x).shape == (16, 8)
    out = ae(x).numpy()
    assert out.min() >= 0 and out.max() <= 1
    dae = models.DenoisingAutoencoder(ae, noise_std=0.5, generator=np.random.default_rng(0))
    losses = _sgd_steps(dae, x, x, nn.MSELoss(), steps=8, lr=0.5)
    assert losses[-1] < losses[0]
    dae.eval()
    np.testing.assert_array_equal(dae(x).numpy(), ae(x).numpy())
    assert list(dae.state_dict())[0] == "base.encoder.0.weight"


def test_zoo_parameter_counts_match_pytorch_architectures():
    assert models.LeNet5().num_parameters() == 61706
    assert models.resnet20().num_parameters() == 272474   # 1x1-conv shortcuts (option B)
    assert models.resnet20(shortcut="A").num_parameters() == 269722  # the paper's 0.27M
    assert models.resnet8().num_parameters() == 78042
    r = models.resnet8()
    keys = list(r.state_dict())
    assert keys[:2] == ["conv1.weight", "bn1.weight"] and "layer2.0.downsample.0.weight" in keys
    assert keys[-2:] == ["fc.weight", "fc.bias"]


@needs_conv
def test_lenet5_forward_backward_and_training():
    np.random.seed(2)
    m = models.LeNet5()
    x = engine.randn(8, 1, 28, 28)
    y = np.random.randint(0, 10, 8)
    assert m(x).shape == (8, 10)
    losses = _sgd_steps(m, x, y, nn.CrossEntropyLoss(), steps=5, lr=0.05)
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="28"):
        m(engine.randn(2, 1, 32, 32))


@needs_conv
@pytest.mark.parametrize("shortcut", ["A", "B"])
def test_resnet8_forward_backward(shortcut):
    np.random.seed(3)
    m = models.resnet8(shortcut=shortcut)
    x = engine.randn(4, 3, 16, 16)
    out = m(x)
    assert out.shape == (4, 10)
    losses = _sgd_steps(m, x, np.arange(4), nn.CrossEntropyLoss(), steps=4, lr=0.05)
    assert losses[-1] < losses[0]
    m.eval()
    assert m(x).shape == (4, 10)


@needs_conv
def test_conv_autoencoder_shapes():
    if not hasattr(engine, "conv_transpose2d"):
        pytest.skip("engine.conv_transpose2d not available yet")
    ae = models.ConvAutoencoder(1, (4, 8))
    x = engine.rand(2, 1, 28, 28)
    assert ae.encode(x).shape == (2, 8, 7, 7) and ae(x).shape == x.shape
    ae(x).sum().backward()
    assert all(p.grad is not None for p in ae.parameters())
