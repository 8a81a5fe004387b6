"""The direct stride-1 CPU convolution (kernels/cpu/conv_direct.py) against float64 NumPy references:
forward, weight gradient and input gradient, its blocking remainders, threads, and the dispatch."""
import numpy as np
import pytest

import kernels
from kernels.cpu import conv_direct
from tests.kernels import _ref
from engine.ops.conv_params import conv2d_params

CASES = [
    # N, C, H, W, Co, kh, kw, padding, dilation
    (2, 1, 9, 8, 6, 5, 5, (2, 2), (1, 1)),  # LeNet c1 in small
    (3, 6, 8, 7, 16, 5, 5, (0, 0), (1, 1)),  # LeNet c2 in small: 150 taps
    (1, 3, 6, 11, 5, 3, 3, (1, 1), (1, 1)),  # odd C_out, 27 taps (a remainder of the 4-tap blocks)
    (2, 2, 9, 8, 3, 3, 2, (2, 1), (2, 3)),  # dilated, uneven padding
    (2, 1, 5, 6, 1, 2, 1, (2, 0), (1, 1)),  # padding beyond the kernel: input gradient not direct
    (1, 2, 4, 3, 2, 4, 3, (0, 0), (1, 1)),  # a 1x1 output
]


def _p(case):
    kh, kw, (ph, pw), (dh, dw) = case[5], case[6], case[7], case[8]
    return (kh, kw, 1, 1, ph, pw, dh, dw)


def _data(case, dtype, seed=0):
    n, c, h, w, co, kh, kw = case[:7]
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c, h, w)).astype(dtype), rng.standard_normal((co, c, kh, kw)).astype(dtype),
            rng.standard_normal(co).astype(dtype))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_forward_and_gradients_match_reference(case, dtype, tol):
    x, w, b = _data(case, dtype)
    p = _p(case)
    ref = _ref.conv2d(x, w, b, (1, 1), case[7], case[8])
    y = conv_direct.forward(x, w, b, p, *ref.shape[2:])
    assert y.dtype == dtype and y.shape == ref.shape
    scale = np.abs(ref).max()
    np.testing.assert_allclose(y, ref, rtol=0, atol=tol * scale)
    np.testing.assert_allclose(conv_direct.forward(x, w, None, p, *ref.shape[2:]),
                               ref - b[None, :, None, None], rtol=0, atol=tol * scale)
    gy = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    rgx, rgw, _ = _ref.conv2d_grads(gy, x, w, (1, 1), case[7], case[8])
    gw = conv_direct.weight_grad(gy, x, w.shape, p)
    assert gw.dtype == dtype and gw.shape == w.shape
    np.testing.assert_allclose(gw, rgw, rtol=0, atol=tol * np.abs(rgw).max())
    if conv_direct.applies_input_grad(p, case[4], case[3]):
        gx = conv_direct.input_grad(gy, w, p, x.shape)
        assert gx.dtype == dtype and gx.shape == x.shape
        np.testing.assert_allclose(gx, rgx, rtol=0, atol=tol * np.abs(rgx).max())


@pytest.mark.parametrize("block", [16, 48])
@pytest.mark.parametrize("case", CASES[:4])
def test_blocks_of_the_wide_row_agree(case, block, monkeypatch):
    """Tasks cut each sample's wide row into blocks (output rows split between blocks) in big planes."""
    monkeypatch.setattr(conv_direct, "BLOCK", block)
    x, w, b = _data(case, np.float64)
    p = _p(case)
    ref = _ref.conv2d(x, w, b, (1, 1), case[7], case[8])
    np.testing.assert_allclose(conv_direct.forward(x, w, b, p, *ref.shape[2:]), ref, rtol=1e-12, atol=1e-12)
    gy = np.random.default_rng(1).standard_normal(ref.shape)
    rgx, rgw, _ = _ref.conv2d_grads(gy, x, w, (1, 1), case[7], case[8])
    np.testing.assert_allclose(conv_direct.weight_grad(gy, x, w.shape, p), rgw, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(conv_direct.input_grad(gy, w, p, x.shape), rgx, rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("case", CASES)
def test_conv2d_dispatch_gives_the_reference_answer(case):
    """Through kernels.conv2d_*: direct where it applies, the rest (e.g. an input gradient with padding
    beyond the kernel) on the im2col path, mixed within one backward call."""
    x, w, b = _data(case, np.float64)
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, case[7], case[8]))
    np.testing.assert_allclose(y, _ref.conv2d(x, w, b, (1, 1), case[7], case[8]), rtol=1e-11, atol=1e-11)
    gy = np.random.default_rng(2).standard_normal(y.shape)
    for want in [(True, True, True), (True, False, False), (False, True, True)]:
        got = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, 1, case[7], case[8]), *want)
        for g, r, asked in zip(got, _ref.conv2d_grads(gy, x, w, (1, 1), case[7], case[8]), want):
            if asked:
                np.testing.assert_allclose(g, r, rtol=1e-11, atol=1e-10)
            else:
                assert g is None


@pytest.mark.parametrize("nthreads", [1, 2, 3])
def test_thread_counts_agree_and_repeat_bit_for_bit(monkeypatch, nthreads):
    from kernels.cpu import _threads

    case = (7, 2, 10, 9, 3, 3, 3, (1, 1), (1, 1))
    x, w, b = _data(case, np.float32)
    p = _p(case)
    gy = np.random.default_rng(3).standard_normal((7, 3, 10, 9)).astype(np.float32)
    monkeypatch.setattr(conv_direct, "BLOCK", 48)  # 3 blocks a sample: 21 tasks
    monkeypatch.setattr(conv_direct, "SPLIT_MIN_FMAS", 0)  # split even this small a job
    monkeypatch.setattr(_threads, "threads", lambda: nthreads)
    monkeypatch.setattr(conv_direct, "threads", lambda: nthreads)
    runs = []
    for _ in range(2):
        # serial_below=1 in effect: force the pool even on this small batch
        monkeypatch.setattr(conv_direct, "run", lambda k, nt, ne, *a, **kw: _threads.run(k, nt, ne, *a, serial_below=1))
        runs.append((conv_direct.forward(x, w, b, p, 10, 9), conv_direct.weight_grad(gy, x, w.shape, p),
                     conv_direct.input_grad(gy, w, p, x.shape)))
    for a, c in zip(*runs):
        np.testing.assert_array_equal(a, c)
    rgx, rgw, _ = _ref.conv2d_grads(gy, x, w, (1, 1), (1, 1), (1, 1))
    for got, want in zip(runs[0], (_ref.conv2d(x, w, b, (1, 1), (1, 1), (1, 1)), rgw, rgx)):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


def test_applies_only_to_stride_1_few_taps_and_little_waste():
    lenet = (5, 5, 1, 1, 2, 2, 1, 1)
    assert conv_direct.applies(lenet, 1, 28)  # c1: 25 taps, wide rows of 32 for 28 outputs
    assert not conv_direct.applies((5, 5, 1, 1, 0, 0, 1, 1), 6, 10)  # c2: 10 outputs in rows of 14
    assert conv_direct.applies((5, 5, 1, 1, 0, 0, 1, 1), 6, 28)  # 150 taps on a wider plane
    assert not conv_direct.applies((5, 5, 2, 1, 2, 2, 1, 1), 1, 28)  # stride 2
    assert not conv_direct.applies((3, 3, 1, 1, 1, 1, 1, 1), 64, 32)  # a 64-channel 3x3 layer: 576 taps
    assert not conv_direct.applies((1, 1, 1, 1, 0, 0, 1, 1), 16, 32)  # 1x1: a plain GEMM
    assert conv_direct.applies_input_grad(lenet, 6, 28)
    assert not conv_direct.applies_input_grad(lenet, 16, 28)  # 400 taps of the gradient
    assert not conv_direct.applies_input_grad((2, 2, 1, 1, 2, 0, 1, 1), 2, 28)  # padding beyond the kernel
    assert conv_direct.applies_input_grad((3, 3, 1, 1, 4, 2, 2, 1), 2, 28)  # within the dilated kernel


def test_dispatch_takes_the_direct_path_where_it_applies(monkeypatch):
    calls = []
    for name in ("forward", "weight_grad", "input_grad"):
        real = getattr(conv_direct, name)
        monkeypatch.setattr(conv_direct, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    x, w, b = _data((2, 1, 28, 28, 6, 5, 5), np.float32)
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 2))
    kernels.conv2d_backward(np.ones_like(y), x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 2, 1), need_input=False)
    assert calls == ["forward", "weight_grad"]
    calls.clear()
    x, w, b = _data((2, 16, 16, 16, 16, 3, 3), np.float32)  # a CIFAR ResNet's first stage
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    kernels.conv2d_backward(np.ones_like(y), x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    assert calls == ["forward", "weight_grad", "input_grad", "forward"]  # the input gradient is a forward
    calls.clear()
    x, w, b = _data((2, 6, 14, 14, 16, 5, 5), np.float32)  # c2: 10 outputs in wide rows of 14
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape))
    kernels.conv2d_backward(np.ones_like(y), x, w, conv2d_params("conv2d", x.shape, w.shape))
    kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 2))  # stride 2
    assert calls == []


def test_the_op_table_case_takes_this_path():
    """tests/engine/op_table_kernels.py's conv2d_direct case must really exercise the direct path."""
    p = (3, 3, 1, 1, 1, 1, 1, 1)
    assert conv_direct.applies(p, 2, 16) and conv_direct.applies_input_grad(p, 3, 16)
