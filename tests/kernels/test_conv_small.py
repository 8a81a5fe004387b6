"""The few-taps channel-first CPU conv path (strided or wide-row columns) and the NHWC path, each forced
on every reference case: forward and weight-only backward (the passes the few-taps path serves) against
float64 NumPy."""
import numpy as np
import pytest

import kernels
from kernels.cpu import conv_direct, conv_small
from tests.kernels import _ref
from tests.kernels.test_conv_cpu import CASES, _data
from engine.ops.conv_params import conv2d_params


@pytest.fixture(params=["few-taps", "few-taps-wide-rows", "nhwc"])
def path(request, monkeypatch):
    big = 10**9 if request.param.startswith("few-taps") else -1
    monkeypatch.setattr(conv_direct, "MAX_TAPS", -1)  # the direct stride-1 path has its own tests
    monkeypatch.setattr(conv_small, "FORWARD_MAX_TAPS", big)
    monkeypatch.setattr(conv_small, "WEIGHT_GRAD_MAX_TAPS", big)
    monkeypatch.setattr(conv_small, "WIDE_MAX_WIDTH", big if request.param == "few-taps-wide-rows" else -1)
    return request.param


@pytest.mark.parametrize("case", CASES)
def test_forward_and_weight_grad_on_both_paths(case, path):
    x, w, b = _data(case, np.float64)
    s, p, d = case[7:]
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    np.testing.assert_allclose(y, _ref.conv2d(x, w, b, s, p, d), rtol=1e-10, atol=1e-10)
    gy = np.random.default_rng(1).standard_normal(y.shape)
    gx, gw, gb = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, s, p, d), need_input=False)
    _, rgw, rgb = _ref.conv2d_grads(gy, x, w, s, p, d)
    assert gx is None
    np.testing.assert_allclose(gw, rgw, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(gb, rgb, rtol=1e-10, atol=1e-9)


def test_thresholds_choose_the_path():
    assert conv_small.applies(25, 10**6, 2**28)  # LeNet c1 forward
    assert not conv_small.applies(25, 10**6, 2**28, backward=True, need_input=True)
    assert conv_small.applies(25, 10**6, 2**28, backward=True, need_input=False)
    assert not conv_small.applies(576, 10**6, 2**28)  # a ResNet 64-channel 3x3 layer
    assert not conv_small.applies(25, 2**29, 2**28)  # column matrix over the memory budget
