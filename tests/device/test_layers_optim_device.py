"""nn layers and optimisers on "cuda" equal the CPU (float64), and their state stays on the device.

Layers: forward and the gradients of every parameter and of the input, in train and eval mode where the
layer has both (batch norm's running statistics included).  Optimisers: three steps of every optimiser
with its less common options on, then ``state_dict`` round trips and gradient clipping.
"""
import copy

import numpy as np
import pytest

import engine
import nn
import optim
from engine import backend


def _layer(name):
    if name == "embedding":
        return nn.Embedding(7, 3), np.array([[0, 3, 3], [6, 0, 1]])
    if name == "batchnorm2d":
        return nn.BatchNorm2d(3), np.random.default_rng(0).standard_normal((4, 3, 2, 2))
    if name == "batchnorm1d":
        return nn.BatchNorm1d(5), np.random.default_rng(0).standard_normal((6, 5))
    if name == "conv_transpose2d":
        return nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), np.random.default_rng(0).standard_normal((1, 2, 3, 3))
    if name == "avgpool_adaptive":
        return (nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1)),
                np.random.default_rng(0).standard_normal((2, 2, 6, 6)))
    if name == "gru":
        return nn.GRU(3, 4, batch_first=True), np.random.default_rng(0).standard_normal((2, 3, 3))
    if name == "prelu_elu_softplus":
        return (nn.Sequential(nn.Linear(4, 4), nn.PReLU(), nn.Linear(4, 4), nn.ELU(), nn.Softplus(beta=2.0)),
                np.random.default_rng(0).standard_normal((3, 4)))
    raise AssertionError(name)


def _forward_backward(layer, x, device):
    layer = layer.to(device)
    if x.dtype.kind == "f":
        xt = engine.tensor(x, dtype="float64").to(device).requires_grad_()
    else:  # integer indexes (Embedding)
        xt = engine.tensor(x).to(device)
    out = layer(xt)
    out = out[0] if isinstance(out, tuple) else out
    w = engine.tensor(np.random.default_rng(3).standard_normal(out.shape), dtype="float64").to(device)
    (out * w).sum().backward()
    assert backend.device_of(out.array) == device
    grads = [backend.to_numpy(p.grad.array) for p in layer.parameters()]
    if xt.requires_grad:
        grads.append(backend.to_numpy(xt.grad.array))
    state = {k: backend.to_numpy(v.array) for k, v in layer.state_dict().items()}
    return backend.to_numpy(out.array), grads, state


@pytest.mark.parametrize("name", ["embedding", "batchnorm2d", "batchnorm1d", "conv_transpose2d",
                                  "avgpool_adaptive", "gru", "prelu_elu_softplus"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_on_cuda_equals_cpu(name, mode, cuda_device):
    layer, x = _layer(name)
    layer = layer.double()
    getattr(layer, mode)()
    other = copy.deepcopy(layer)
    out_c, grads_c, state_c = _forward_backward(layer, x, "cpu")
    out_d, grads_d, state_d = _forward_backward(other, x, cuda_device)
    np.testing.assert_allclose(out_d, out_c, rtol=1e-10, atol=1e-10)
    assert len(grads_d) == len(grads_c)
    for a, b in zip(grads_d, grads_c):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    for k in state_c:
        np.testing.assert_allclose(state_d[k], state_c[k], rtol=1e-10, atol=1e-10, err_msg=k)


_OPTIMISERS = {
    "sgd_nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam_amsgrad": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    "rmsprop_centered": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1, weight_decay=0.01),
}


def _optimise(make, device, steps=3):
    engine_model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    rng = np.random.default_rng(5)
    for p in engine_model.parameters():
        p.array = rng.standard_normal(p.shape)
    model = engine_model.double().to(device)
    opt = make(list(model.parameters()))
    x = engine.tensor(rng.standard_normal((5, 4)), dtype="float64").to(device)
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) ** 2).mean()).backward()
        optim.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
    for group_state in opt.state_dict()["state"].values():
        for k, v in group_state.items():
            if hasattr(v, "shape") and getattr(v, "size", 0) > 1:
                assert backend.device_of(v.array if isinstance(v, engine.Tensor) else v) == device, k
    return [backend.to_numpy(p.array) for p in model.parameters()], opt


@pytest.mark.parametrize("name", sorted(_OPTIMISERS))
def test_optimiser_on_cuda_equals_cpu(name, cuda_device):
    params_c, _ = _optimise(_OPTIMISERS[name], "cpu")
    params_d, opt_d = _optimise(_OPTIMISERS[name], cuda_device)
    for a, b in zip(params_d, params_c):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    fresh = _OPTIMISERS[name]([engine.tensor(np.zeros_like(p), dtype="float64").to(cuda_device).requires_grad_()
                               for p in params_d])
    fresh.load_state_dict(opt_d.state_dict())
