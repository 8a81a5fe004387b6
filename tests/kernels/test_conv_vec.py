"""The channel-vector direct convolution (kernels/cpu/conv_vec.py, conv_vec_grad.py) and its SIMD
vectors (kernels/cpu/_simd.py) against float64 NumPy references: forward, input and weight gradients,
ragged channel, tap and position counts, blocks, threads, the dispatch rules."""
import numpy as np
import pytest
from numba import njit

import kernels
from kernels.cpu import _simd, conv_vec, conv_vec_grad
from tests.kernels import _ref
from engine.ops.conv_params import conv2d_params

CASES = [
    # N, C, H, W, Co, kh, kw, stride, padding, dilation
    (3, 6, 8, 7, 16, 5, 5, (1, 1), (0, 0), (1, 1)),  # LeNet c2 in small: 150 taps, one channel vector
    (2, 3, 9, 8, 9, 3, 3, (2, 2), (1, 1), (1, 1)),  # stride 2, C_out 9 of 16 lanes
    (2, 2, 9, 11, 20, 3, 2, (1, 2), (2, 1), (2, 3)),  # dilated, uneven stride and padding, 20 of 32 lanes
    (1, 4, 6, 5, 48, 3, 3, (1, 1), (1, 1), (1, 1)),  # three channel vectors: a pair, then one
    (5, 2, 4, 3, 8, 4, 3, (1, 1), (0, 0), (1, 1)),  # 1x1 outputs: five positions, shared across samples
    (1, 1, 3, 3, 17, 2, 2, (1, 1), (0, 0), (1, 1)),  # 4 positions, 17 channels: a last vector of one lane
]


def _args(case):
    n, c, h, w, co, kh, kw, stride, padding, dilation = case
    return (kh, kw, *stride, *padding, *dilation)


def _data(case, dtype, seed=0):
    n, c, h, w, co, kh, kw = case[:7]
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c, h, w)).astype(dtype), rng.standard_normal((co, c, kh, kw)).astype(dtype),
            rng.standard_normal(co).astype(dtype))


@njit(cache=False)
def _axpy_twice(a, s, b, out):
    """out[:LANES] = (a[:LANES] + s * b[1:LANES+1]) + s * b[1:LANES+1], through the vector intrinsics."""
    v = _simd.vfma(_simd.vload(a, 0), s, _simd.vload(b, 1))
    _simd.vstore(out, 0, _simd.vfma(v, s, _simd.vload(b, 1)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_simd_vectors_load_multiply_add_and_store(dtype):
    lanes = _simd.LANES
    a = np.arange(lanes, dtype=dtype)
    b = np.arange(lanes + 1, dtype=dtype) * dtype(0.5)
    out = np.full(lanes + 2, -1, dtype)
    _axpy_twice(a, 3.0, b, out)
    np.testing.assert_array_equal(out[:lanes], a + 2 * 3.0 * b[1:])
    np.testing.assert_array_equal(out[lanes:], [-1, -1])  # nothing written past the vector


def test_simd_vectors_reject_other_arrays():
    with pytest.raises(Exception, match="vload: expected a 1-D float32 or float64 array"):
        _axpy_twice(np.zeros((2, 16)), 1.0, np.zeros(17), np.zeros(16))
    with pytest.raises(Exception, match="vstore: a float32 array takes a Vec of float32"):
        _axpy_twice(np.zeros(16), 1.0, np.zeros(17), np.zeros(16, np.float32))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_forward_matches_reference(case, dtype, tol):
    x, w, b = _data(case, dtype)
    p = _args(case)
    ref = _ref.conv2d(x, w, b, *case[7:])
    y = conv_vec.forward(x, w, b, p, *ref.shape[2:])
    assert y.dtype == dtype and y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=0, atol=tol * np.abs(ref).max())
    np.testing.assert_allclose(conv_vec.forward(x, w, None, p, *ref.shape[2:]), ref - b[None, :, None, None],
                               rtol=0, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("case", [c for c in CASES if c[7] == (1, 1)])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_input_gradient_matches_reference(case, dtype, tol):
    x, w, _ = _data(case, dtype)
    ref = _ref.conv2d(x, w, None, *case[7:])
    gy = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    rgx = _ref.conv2d_grads(gy, x, w, *case[7:])[0]
    gx = conv_vec.input_grad(gy, w, _args(case), x.shape)
    assert gx.dtype == dtype and gx.shape == x.shape
    np.testing.assert_allclose(gx, rgx, rtol=0, atol=tol * np.abs(rgx).max())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_weight_gradient_matches_reference(case, dtype, tol):
    x, w, _ = _data(case, dtype)
    ref = _ref.conv2d(x, w, None, *case[7:])
    gy = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    rgw = _ref.conv2d_grads(gy, x, w, *case[7:])[1]
    gw = conv_vec_grad.weight_grad(gy, x, w.shape, _args(case))
    assert gw.dtype == dtype and gw.shape == w.shape
    np.testing.assert_allclose(gw, rgw, rtol=0, atol=tol * np.abs(rgw).max())


@pytest.mark.parametrize("block", [4, 12, 36])
def test_blocks_split_planes_and_samples_alike(block, monkeypatch):
    """Blocks of the flattened (sample, position) index end mid-row, mid-sample, on a ragged group."""
    monkeypatch.setattr(conv_vec, "BLOCK", block)
    monkeypatch.setattr(conv_vec_grad, "BLOCK", block)
    case = (3, 3, 7, 6, 20, 3, 3, (1, 1), (1, 1), (1, 1))
    x, w, b = _data(case, np.float64)
    ref = _ref.conv2d(x, w, b, *case[7:])
    np.testing.assert_allclose(conv_vec.forward(x, w, b, _args(case), 7, 6), ref, rtol=1e-12, atol=1e-12)
    gy = np.random.default_rng(1).standard_normal(ref.shape)
    rgw = _ref.conv2d_grads(gy, x, w, *case[7:])[1]
    np.testing.assert_allclose(conv_vec_grad.weight_grad(gy, x, w.shape, _args(case)), rgw, rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("nthreads", [1, 2, 3])
def test_thread_counts_agree_and_repeat_bit_for_bit(monkeypatch, nthreads):
    from kernels.cpu import _threads

    case = (7, 2, 10, 9, 24, 3, 3, (1, 1), (1, 1), (1, 1))
    x, w, b = _data(case, np.float32)
    monkeypatch.setattr(conv_vec, "BLOCK", 32)
    monkeypatch.setattr(_threads, "threads", lambda: nthreads)
    monkeypatch.setattr(conv_vec, "threads", lambda: nthreads)
    monkeypatch.setattr(conv_vec, "run", lambda k, nt, ne, *a, **kw: _threads.run(k, nt, ne, *a, serial_below=1))
    monkeypatch.setattr(conv_vec_grad, "BLOCK", 32)  # 20 blocks
    monkeypatch.setattr(conv_vec_grad, "SPLIT_MIN_FMAS", 0)  # split even this small a job
    monkeypatch.setattr(conv_vec_grad, "threads", lambda: nthreads)
    monkeypatch.setattr(conv_vec_grad, "run",
                        lambda k, nt, ne, *a, **kw: _threads.run(k, nt, ne, *a, serial_below=1))
    gy = np.random.default_rng(3).standard_normal((7, 24, 10, 9)).astype(np.float32)
    runs = [(conv_vec.forward(x, w, b, _args(case), 10, 9), conv_vec_grad.weight_grad(gy, x, w.shape, _args(case)))
            for _ in range(2)]
    for a, c in zip(*runs):
        np.testing.assert_array_equal(a, c)
    ref = _ref.conv2d(x, w, b, *case[7:])
    rgw = _ref.conv2d_grads(gy, x, w, *case[7:])[1]
    for got, want in zip(runs[0], (ref, rgw)):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


def test_applies_to_multi_tap_layers_with_enough_output_channels():
    k3, k5 = (3, 3, 1, 1, 1, 1, 1, 1), (5, 5, 1, 1, 0, 0, 1, 1)
    assert conv_vec.applies(k5, 16, 150)  # LeNet c2
    assert conv_vec.applies(k5, 8, 150)  # 8 of 16 lanes: the waste limit
    assert not conv_vec.applies(k5, 6, 25)  # LeNet c1: 6 of 16 lanes
    assert conv_vec.applies(k3, 20, 27)  # 20 of 32 lanes
    assert not conv_vec.applies(k3, 7, 27)  # 7 of 16 lanes
    assert conv_vec.applies(k3, 32, 288) and not conv_vec.applies(k3, 64, 576)  # the taps limit
    assert not conv_vec.applies((1, 1, 1, 1, 0, 0, 1, 1), 64, 64)  # 1x1: a GEMM
    assert conv_vec.applies_input_grad(k3, 32, 32, 256, 256)
    assert not conv_vec.applies_input_grad((3, 3, 2, 2, 1, 1, 1, 1), 32, 32, 256, 64)  # stride 2
    assert not conv_vec.applies_input_grad(k5, 16, 120, 25, 1)  # LeNet c3: 25x the useful work
    assert not conv_vec.applies_input_grad((3, 3, 1, 1, 3, 1, 1, 1), 16, 16, 64, 80)  # padding past the kernel
    assert not conv_vec.applies_input_grad(k5, 6, 16, 196, 100)  # c2: 6 input channels of 16 lanes


def test_dispatch_takes_this_path_where_it_applies(monkeypatch):
    calls = []
    for module, name in ((conv_vec, "forward"), (conv_vec, "input_grad"), (conv_vec_grad, "weight_grad")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    x, w, b = _data((2, 6, 14, 14, 16, 5, 5), np.float64)  # LeNet c2: all but the input gradient
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape))
    np.testing.assert_allclose(y, _ref.conv2d(x, w, b), rtol=1e-12, atol=1e-11)
    kernels.conv2d_backward(np.ones_like(y), x, w, conv2d_params("conv2d", x.shape, w.shape))
    assert calls == ["forward", "weight_grad"]
    calls.clear()
    x, w, b = _data((2, 32, 8, 8, 32, 3, 3), np.float64)  # a 32-channel stage: all three passes
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    gy = np.random.default_rng(1).standard_normal(y.shape)
    gx, gw, _ = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    assert calls == ["forward", "input_grad", "forward", "weight_grad"]  # the input gradient is a forward
    rgx, rgw, _ = _ref.conv2d_grads(gy, x, w, (1, 1), (1, 1), (1, 1))
    np.testing.assert_allclose(gx, rgx, rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(gw, rgw, rtol=1e-11, atol=1e-10)
    calls.clear()
    x, w, b = _data((2, 64, 8, 8, 64, 3, 3), np.float32)  # 576 taps: past this path
    kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    x, w, b = _data((2, 1, 12, 12, 6, 5, 5), np.float32)  # LeNet c1: 6 output channels
    kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 2))
    assert calls == []


def test_the_op_table_case_takes_this_path():
    """tests/engine/op_table_kernels.py's conv2d_vec case must really exercise this path, and not the
    direct or Winograd ones: 200 taps, 8 of 16 lanes, all three passes."""
    from kernels.cpu import conv_direct

    p = (5, 5, 1, 1, 2, 2, 1, 1)
    assert conv_vec.applies(p, 8, 200) and conv_vec.applies_input_grad(p, 8, 8, 24, 24)
    assert not conv_direct.applies(p, 8, 6)
