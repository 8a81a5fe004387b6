"""Fused activation kernels on the CPU against float64 NumPy formulas and finite differences."""
import numpy as np
import pytest

import kernels


def _sig(z):
    return 0.5 * (1 + np.tanh(z / 2))


def _softplus(z):
    return np.logaddexp(0, z)


REF = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.1 * z),
    "elu": lambda z: np.where(z > 0, z, 0.7 * np.expm1(z)),
    "silu": lambda z: z * _sig(z),
    "mish": lambda z: z * np.tanh(_softplus(z)),
    "softplus": lambda z: np.where(2 * z > 3, z, _softplus(2 * z) / 2),
    "softsign": lambda z: z / (1 + np.abs(z)),
    "sigmoid": _sig,
    "tanh": np.tanh,
    "log_sigmoid": lambda z: -_softplus(-z),
    "sinc": lambda z: np.where(z == 0, 1.0, np.sin(z) / np.where(z == 0, 1, z)),
    "hard_threshold": lambda z: (z >= 0.3).astype(z.dtype),
    "abs": np.abs,
}
PARAMS = {"leaky_relu": (0.1, None), "elu": (0.7, None), "softplus": (2.0, 3.0), "hard_threshold": (0.3, None)}


def _x(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x = np.where(np.abs(x) < 0.05, 0.5, x)  # keep away from kinks for the finite differences
    x.flat[:4] = [0.0, 1e-3, -40.0, 40.0][: min(4, x.size)]
    return x.astype(dtype)


@pytest.mark.parametrize("name", sorted(REF))
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 3e-6)])
def test_forward_matches_numpy(name, dtype, tol):
    x = _x((5, 7, 3), dtype)
    a, b = PARAMS.get(name, (None, None))
    y = kernels.activation_forward(x, name, a, b)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_allclose(y, REF[name](x.astype(np.float64)), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(REF))
def test_backward_matches_finite_differences(name):
    x = _x((4, 6, 5), np.float64)
    x = np.where(np.abs(x) < 1e-2, 0.5, x)
    if name == "hard_threshold":
        x = np.where(np.abs(x - 0.3) < 1e-2, 1.0, x)
    if name == "softplus":
        x = np.where(np.abs(2 * x - 3) < 1e-2, 2.0, x)
    a, b = PARAMS.get(name, (None, None))
    gy = np.random.default_rng(1).standard_normal(x.shape)
    y = kernels.activation_forward(x, name, a, b)
    gx, gb, gw = kernels.activation_backward(gy, x, name, y, a, b)
    h = 1e-6
    num = (REF[name](x + h) - REF[name](x - h)) / (2 * h) * gy
    np.testing.assert_allclose(gx, num, rtol=1e-5, atol=1e-6)
    assert gb is None and gw is None
    gx2, _, _ = kernels.activation_backward(gy, x, name, None, a, b)  # y recomputed when not given
    np.testing.assert_allclose(gx2, gx)


@pytest.mark.parametrize("shape,axis", [((3, 4, 5, 2), 1), ((6, 5), 1), ((6, 5), -1), ((2, 3, 4), 2)])
@pytest.mark.parametrize("name", ["relu", "silu", "tanh", "prelu"])
def test_bias_and_prelu_weight_grads(shape, axis, name):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    C = shape[axis]
    bias = rng.standard_normal(C)
    weight = rng.uniform(0.1, 0.5, C) if name == "prelu" else None
    bshape = [1] * len(shape)
    bshape[axis] = C
    z = x + bias.reshape(bshape)
    if name == "prelu":
        ref = np.where(z > 0, z, z * weight.reshape(bshape))
        dz = np.where(z > 0, 1, weight.reshape(bshape))
    else:
        ref = {"relu": np.maximum(z, 0), "silu": z * _sig(z), "tanh": np.tanh(z)}[name]
        s = _sig(z)
        dz = {"relu": (z > 0) * 1.0, "silu": s * (1 + z * (1 - s)), "tanh": 1 - np.tanh(z) ** 2}[name]
    y = kernels.activation_forward(x, name, bias=bias, weight=weight, axis=axis)
    np.testing.assert_allclose(y, ref, atol=1e-12)
    gy = rng.standard_normal(shape)
    gx, gb, gw = kernels.activation_backward(gy, x, name, y, bias=bias, weight=weight, axis=axis,
                                             need_bias=True, need_weight=True)
    red = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    np.testing.assert_allclose(gx, gy * dz, atol=1e-12)
    np.testing.assert_allclose(gb, (gy * dz).sum(axis=red), atol=1e-10)
    if name == "prelu":
        np.testing.assert_allclose(gw, (gy * np.where(z > 0, 0, z)).sum(axis=red), atol=1e-10)


def test_prelu_single_weight_and_float16():
    x = _x((2, 3, 4), np.float16)
    w = np.array([0.25], np.float16)
    y = kernels.activation_forward(x, "prelu", weight=w)
    assert y.dtype == np.float16
    xf = x.astype(np.float64)
    np.testing.assert_allclose(y, np.where(xf > 0, xf, 0.25 * xf), rtol=1e-3)
    gx, _, gw = kernels.activation_backward(np.ones_like(x), x, "prelu", weight=w, need_weight=True)
    assert gw.shape == (1,)
    np.testing.assert_allclose(gw[0], np.where(xf > 0, 0, xf).sum(), rtol=1e-2)


def test_large_inputs_stay_finite():
    x = np.array([-1e4, -100, 100, 1e4], np.float32)
    for name in ["sigmoid", "silu", "mish", "softplus", "log_sigmoid", "elu", "tanh"]:
        y = kernels.activation_forward(x, name)
        assert np.all(np.isfinite(y)), name
        gx, _, _ = kernels.activation_backward(np.ones_like(x), x, name)
        assert np.all(np.isfinite(gx)), name


def test_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation"):
        kernels.activation_forward(np.zeros(3), "gelu_fancy")
