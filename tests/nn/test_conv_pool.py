"""Conv2d, ConvTranspose2d and the pooling layers against NumPy float64 references, gradcheck on
small float64 layers; skipped until the engine's kernel-backed conv/pool ops exist."""
import math

import numpy as np
import pytest

import engine
import nn

RNG = np.random.default_rng(5)


def need(*names):
    missing = [n for n in names if not hasattr(engine, n)]
    return pytest.mark.skipif(bool(missing), reason=f"engine ops {missing} not available yet")


def T(a, grad=True):
    return engine.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=grad)


def conv2d_ref(x, w, b, s, p, d):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ho = (h + 2 * p - d * (kh - 1) - 1) // s + 1
    wo = (wd + 2 * p - d * (kw - 1) - 1) // s + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(kh):
        for j in range(kw):
            win = xp[:, :, i * d: i * d + s * (ho - 1) + 1: s, j * d: j * d + s * (wo - 1) + 1: s]
            out += np.einsum("nchw,oc->nohw", win, w[:, :, i, j])
    return out + (b.reshape(1, -1, 1, 1) if b is not None else 0)


def conv_transpose2d_ref(x, w, b, s, p, op, d):
    n, c, h, wd = x.shape
    _, o, kh, kw = w.shape
    hf, wf = (h - 1) * s + d * (kh - 1) + 1 + op, (wd - 1) * s + d * (kw - 1) + 1 + op
    full = np.zeros((n, o, hf, wf))
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * d: i * d + s * (h - 1) + 1: s, j * d: j * d + s * (wd - 1) + 1: s] += np.einsum(
                "nchw,co->nohw", x, w[:, :, i, j])
    ho, wo = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1, (wd - 1) * s - 2 * p + d * (kw - 1) + op + 1
    return full[:, :, p: p + ho, p: p + wo] + (b.reshape(1, -1, 1, 1) if b is not None else 0)


def _module_gradcheck(m, x):
    slots = [(mod, name) for mod in m.modules() for name, p in mod._parameters.items() if p is not None]

    def f(x, *ps):
        for (mod, name), v in zip(slots, ps):
            mod._parameters[name] = v
        return m(x)

    return engine.gradcheck(f, [x] + [T(mod._parameters[name].numpy()) for mod, name in slots])


@need("conv2d")
@pytest.mark.parametrize("stride, padding, dilation, bias", [(1, 0, 1, True), (2, 1, 1, False), (1, 2, 2, True)])
def test_conv2d_matches_numpy(stride, padding, dilation, bias):
    conv = nn.Conv2d(3, 4, 3, stride=stride, padding=padding, dilation=dilation, bias=bias).double()
    x = RNG.standard_normal((2, 3, 7, 6))
    y = conv(T(x, False))
    ref = conv2d_ref(x, conv.weight.numpy(), None if conv.bias is None else conv.bias.numpy(), stride, padding,
                     dilation)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-12)


@need("conv2d")
def test_conv2d_gradcheck_and_errors():
    conv = nn.Conv2d(2, 3, (2, 3), stride=(2, 1), padding=1).double()
    assert conv.weight.shape == (3, 2, 2, 3)
    assert _module_gradcheck(conv, T(RNG.standard_normal((2, 2, 4, 5))))
    with pytest.raises(ValueError, match=r"\(N, 2, H, W\)"):
        conv(engine.randn(1, 3, 4, 4))


@need("conv_transpose2d")
@pytest.mark.parametrize("stride, padding, output_padding", [(1, 0, 0), (2, 1, 1), (2, 0, 0)])
def test_conv_transpose2d_matches_numpy(stride, padding, output_padding):
    ct = nn.ConvTranspose2d(3, 2, 3, stride=stride, padding=padding, output_padding=output_padding).double()
    assert ct.weight.shape == (3, 2, 3, 3)
    x = RNG.standard_normal((2, 3, 4, 5))
    y = ct(T(x, False))
    ref = conv_transpose2d_ref(x, ct.weight.numpy(), ct.bias.numpy(), stride, padding, output_padding, 1)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-12)
    assert _module_gradcheck(ct, T(RNG.standard_normal((1, 3, 3, 3))))


def _windows(x, k, s, pad_value, p=0):
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value)
    ho, wo = (xp.shape[2] - k) // s + 1, (xp.shape[3] - k) // s + 1
    return np.stack([xp[:, :, i: i + s * (ho - 1) + 1: s, j: j + s * (wo - 1) + 1: s]
                     for i in range(k) for j in range(k)], 0)


@need("max_pool2d")
def test_max_pool_matches_numpy_and_routes_gradient():
    x = RNG.standard_normal((2, 3, 6, 7))
    xt = T(x)
    y = nn.MaxPool2d(2)(xt)
    np.testing.assert_allclose(y.numpy(), _windows(x, 2, 2, -np.inf).max(0))
    y.sum().backward()
    assert xt.grad.numpy().sum() == pytest.approx(y.numel())  # one winner per window (no ties in random data)
    y3 = nn.MaxPool2d(3, stride=2, padding=1)(T(x, False))
    np.testing.assert_allclose(y3.numpy(), _windows(x, 3, 2, -np.inf, 1).max(0))
    assert _module_gradcheck(nn.MaxPool2d(2), T(RNG.standard_normal((1, 2, 4, 4))))


@need("avg_pool2d")
def test_avg_pool_matches_numpy():
    x = RNG.standard_normal((2, 3, 6, 6))
    np.testing.assert_allclose(nn.AvgPool2d(2)(T(x, False)).numpy(), _windows(x, 2, 2, 0.0).mean(0), rtol=1e-12)
    np.testing.assert_allclose(nn.AvgPool2d(3, stride=1)(T(x, False)).numpy(), _windows(x, 3, 1, 0.0).mean(0),
                               rtol=1e-12)
    assert _module_gradcheck(nn.AvgPool2d(2), T(RNG.standard_normal((1, 2, 4, 4))))


@need("adaptive_avg_pool2d")
def test_adaptive_avg_pool():
    x = RNG.standard_normal((2, 3, 7, 5))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(T(x, False)).numpy(), x.mean(axis=(2, 3), keepdims=True),
                               rtol=1e-12)
    y = nn.AdaptiveAvgPool2d((3, 2))(T(x, False)).numpy()
    for i in range(3):
        for j in range(2):
            hs, he = (i * 7) // 3, math.ceil((i + 1) * 7 / 3)
            ws, we = (j * 5) // 2, math.ceil((j + 1) * 5 / 2)
            np.testing.assert_allclose(y[:, :, i, j], x[:, :, hs:he, ws:we].mean(axis=(2, 3)), rtol=1e-12)
