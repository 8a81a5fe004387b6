"""True convolution next to conv2d's cross-correlation, Gaussian weight noise, and flatten(start_dim,
end_dim)."""
import numpy as np
import pytest

import engine
import nn
import nn.functional as F
from nn.weight_noise import weight_noise


def test_convolve2d_is_scipy_convolution_and_conv2d_is_correlation():
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    xt, wt = engine.tensor(x[None, None], dtype="float64"), engine.tensor(w[None, None], dtype="float64")
    np.testing.assert_allclose(F.convolve2d(xt, wt).numpy()[0, 0], signal.convolve2d(x, w, "valid"), rtol=1e-12)
    np.testing.assert_allclose(F.conv2d(xt, wt).numpy()[0, 0], signal.correlate2d(x, w, "valid"), rtol=1e-12)
    xt.requires_grad_(), wt.requires_grad_()
    assert engine.gradcheck(lambda a, b: engine.convolve2d(a, b, padding=1), [xt, wt])


def test_weight_noise_gradient_at_perturbed_weights_and_exact_restore():
    lin = nn.Linear(3, 2)
    w0, b0 = lin.weight.numpy().copy(), lin.bias.numpy().copy()
    x = engine.tensor(np.ones((4, 3), dtype=np.float32))
    g = engine.Generator().manual_seed(5)
    with weight_noise(lin, 0.1, generator=g):
        noisy = lin.weight.numpy().copy()
        lin(x).sum().backward()
    assert not np.allclose(noisy, w0)
    np.testing.assert_array_equal(lin.weight.numpy(), w0)  # restored exactly
    np.testing.assert_array_equal(lin.bias.numpy(), b0)  # 1-d parameters are not weights: untouched
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.full((2, 3), 4.0))
    expected = np.asarray(engine.Generator().manual_seed(5).numpy_generator.standard_normal((2, 3))) * 0.1
    np.testing.assert_allclose(noisy - w0, expected, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="weight_noise: std must be non-negative"):
        with weight_noise(lin, -1.0):
            pass


def test_flatten_start_end_dim():
    x = engine.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.flatten().shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4)
    assert engine.flatten(x, start_dim=-2, end_dim=-1).shape == (2, 12)
    assert engine.tensor(3.0).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match="flatten: start_dim 2 cannot come after end_dim 1"):
        x.flatten(2, 1)
