"""Fused activation kernels on the CPU, every row of the activation spec: the float32 path (the fast
polynomial exp/log/sin of kernels/cpu/_fastmath.py) against the float64 one, large inputs, bias and PReLU
slope sums, float16.  Values and gradients against torch and numerical derivatives: the op table
(tests/engine/op_table_activations.py) runs the same kernels in float64."""
import numpy as np
import pytest

import kernels
from kernels.act_spec import ACTIVATIONS

CASES = [(row.name, params) for row in ACTIVATIONS if not row.slope_weight for params in row.examples]


def _x(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x.flat[:6] = [0.0, 1e-3, -40.0, 40.0, 0.05, -0.07][: min(6, x.size)]
    return x.astype(dtype)


def _ab(params):
    return tuple(params) + (None,) * (2 - len(params))


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_float32_matches_float64(name, params):
    x = _x((5, 7, 3), np.float32)
    gy = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    a, b = _ab(params)
    y = kernels.activation_forward(x, name, a, b)
    gx = kernels.activation_backward(gy, x, name, y, a, b)[0]
    x64, gy64 = x.astype(np.float64), gy.astype(np.float64)
    y64 = kernels.activation_forward(x64, name, a, b)
    gx64, gb, gw = kernels.activation_backward(gy64, x64, name, None, a, b)  # y recomputed when not given
    assert y.dtype == np.float32 and y.shape == x.shape and gb is None and gw is None
    np.testing.assert_allclose(y, y64, rtol=3e-6, atol=3e-6)
    np.testing.assert_allclose(gx, gx64, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_large_inputs_stay_finite(name, params):
    x = np.array([-1e4, -100, 100, 1e4], np.float32)
    a, b = _ab(params)
    assert np.all(np.isfinite(kernels.activation_forward(x, name, a, b)))
    assert np.all(np.isfinite(kernels.activation_backward(np.ones_like(x), x, name, None, a, b)[0]))


def _sig(z):
    return 0.5 * (1 + np.tanh(z / 2))


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


def test_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'gelu_fancy'"):
        kernels.activation_forward(np.zeros(3), "gelu_fancy")
