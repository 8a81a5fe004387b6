"""Layers on empty inputs and degenerate sizes (issue 18 items 8 and 9): an empty batch through
Conv2d, Linear(0, 3), kernel_size=0, and ``Module.to`` with a bad argument."""
import warnings

import numpy as np
import pytest

import engine
import nn


def test_conv2d_on_an_empty_batch_returns_an_empty_output_and_zero_grads():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = engine.zeros(0, 2, 5, 5, requires_grad=True)
    y = conv(x)
    assert y.shape == (0, 3, 5, 5)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 5, 5)
    assert conv.weight.grad.shape == (3, 2, 3, 3) and not conv.weight.grad.numpy().any()
    assert conv.bias.grad.tolist() == [0.0, 0.0, 0.0]


def test_conv_on_an_empty_batch_matches_torch_shapes_and_second_order():
    torch = pytest.importorskip("torch")
    x = engine.zeros(0, 2, 6, 6, dtype="float64", requires_grad=True)
    w = engine.randn(4, 2, 3, 3, dtype="float64", requires_grad=True)
    y = nn.functional.conv2d(x, w, stride=2)
    ty = torch.nn.functional.conv2d(torch.zeros(0, 2, 6, 6, dtype=torch.float64), torch.zeros(4, 2, 3, 3, dtype=torch.float64), stride=2)
    assert y.shape == tuple(ty.shape)
    (gx,) = engine.grad((y * y).sum(), [x], create_graph=True)
    assert gx.shape == (0, 2, 6, 6)
    t = nn.ConvTranspose2d(2, 3, 3)
    assert t(engine.zeros(0, 2, 4, 4)).shape == tuple(torch.nn.ConvTranspose2d(2, 3, 3)(torch.zeros(0, 2, 4, 4)).shape)


def test_linear_with_zero_inputs_initialises_nothing_with_torchs_warning():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        layer = nn.Linear(0, 3)
    assert layer.weight.shape == (3, 0) and layer.bias.tolist() == [0.0, 0.0, 0.0]
    out = layer(engine.zeros(2, 0))
    assert out.shape == (2, 3) and not out.numpy().any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.Linear(3, 0)(engine.ones(2, 3)).shape == (2, 0)


@pytest.mark.parametrize("kwargs,match", [
    ({"kernel_size": 0}, r"Conv2d: kernel_size must be positive, got \(0, 0\)"),
    ({"kernel_size": (3, 0)}, r"Conv2d: kernel_size must be positive, got \(3, 0\)"),
    ({"kernel_size": 3, "stride": 0}, r"Conv2d: stride must be positive"),
    ({"kernel_size": 3, "padding": -1}, r"Conv2d: padding must be non-negative"),
])
def test_conv2d_with_a_zero_kernel_raises_naming_conv2d(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(1, 1, **kwargs)


def test_module_to_garbage_says_a_device_or_dtype_is_expected_and_changes_nothing():
    m = nn.Linear(2, 2)
    before = m.weight.numpy().copy()
    with pytest.raises(ValueError, match=r"Module.to: expected a device .* or a dtype .*, got 'garbage'"):
        m.to("garbage")
    assert m.weight.dtype == np.float32 and np.array_equal(m.weight.numpy(), before)
    assert m.to("cpu:0") is m and m.to("float64").weight.dtype == np.float64
