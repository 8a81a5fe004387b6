"""Numba launches of the convolution on "cuda" (issue 19 section 4), counted at the one launch helper.

Each launch costs 40-90 us of host time on a real GPU, so the CUDA twin issues one per pass: im2col reading
NCHW in the forward, col2im writing NCHW for an input gradient, and nothing for the weight gradient, which
reuses the columns the forward kept (kernels/cuda/conv.py).  Before this, a LeNet5 step issued 3 launches
per conv forward and 6 in the backward.
"""
import numpy as np
import pytest

import engine
import kernels.cuda._launch as launch_helper
import nn.functional as F
from nn import models


@pytest.fixture
def conv_launches(monkeypatch):
    """Names of the Numba kernels of ``kernels/cuda/conv.py`` launched, in order."""
    calls = []
    real = launch_helper.launch_kernel

    def counted(kernel, *args):
        fn = getattr(kernel, "py_func", None) or getattr(kernel, "fn", None) or kernel
        if getattr(fn, "__module__", "") == "kernels.cuda.conv":
            calls.append(launch_helper._name(kernel))
        return real(kernel, *args)

    monkeypatch.setattr(launch_helper, "launch_kernel", counted)
    return calls


def _lenet(device, dtype="float32"):
    rng = np.random.default_rng(0)
    model = models.LeNet5().to(device)
    x = engine.tensor(rng.standard_normal((4, 1, 28, 28)).astype(dtype)).to(device)
    y = engine.tensor(rng.integers(0, 10, 4)).to(device)
    return model, x, y


def test_lenet5_step_launches_one_kernel_per_conv_forward_and_three_in_all(cuda_device, conv_launches):
    model, x, y = _lenet(cuda_device)
    out = model(x)
    assert conv_launches == ["_im2col_nchw", "_im2col_nchw"]  # two convs, one launch each
    F.cross_entropy(out, y).backward()
    # conv2's input gradient (col2im); both weight gradients reuse the forward's columns; conv1 needs no gx
    assert conv_launches == ["_im2col_nchw", "_im2col_nchw", "_col2im_nchw"]
    assert all(p.grad is not None for p in model.parameters())


def test_inference_keeps_no_columns_and_launches_once_per_conv(cuda_device, conv_launches):
    model, x, _ = _lenet(cuda_device)
    with engine.no_grad():
        model(x)
    assert conv_launches == ["_im2col_nchw", "_im2col_nchw"]


def test_conv_gradients_on_cuda_equal_the_cpu(cuda_device, conv_launches):
    """Kept columns (weight grad) and col2im (input grad) give the CPU's gradients, bias and stride included."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 2, 7, 6)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    g = rng.standard_normal((3, 4, 4, 6))
    grads = []
    for device in ("cpu", cuda_device):
        ts = [engine.tensor(a).to(device).requires_grad_() for a in (x, w, b)]
        y = engine.conv2d(*ts, stride=(2, 1), padding=(1, 1), dilation=(1, 2))
        (y * engine.tensor(g).to(device)).sum().backward()
        grads.append([y.cpu().numpy()] + [t.grad.cpu().numpy() for t in ts])
    for a, c in zip(*grads):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)
    assert conv_launches == ["_im2col_nchw", "_col2im_nchw"]
