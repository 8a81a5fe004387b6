"""The Winograd F(2x2, 3x3) CPU conv path against float64 NumPy: forward, both gradients, odd sizes,
every padding, chunking over the batch, float32 tolerance; and the dispatch that picks it."""
import numpy as np
import pytest

import kernels
from kernels.cpu import conv_winograd
from tests.kernels import _ref
from engine.ops.conv_params import conv2d_params

# (N, C, C_out, H, W, padding): odd and even sizes, outputs of one pixel, padding 0..3, C != C_out
CASES = [
    (2, 16, 16, 8, 8, 1),
    (1, 17, 19, 7, 9, 0),
    (3, 16, 20, 5, 6, 2),
    (2, 16, 16, 3, 3, 3),
    (1, 18, 16, 1, 1, 1),
    (1, 16, 16, 3, 3, 0),
    (5, 32, 16, 13, 11, 1),
]


def _data(case, dtype, seed=0):
    n, c, co, h, w, _ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((co, c, 3, 3)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    return x, wt, b


def _params(pad):
    return (3, 3, 1, 1, pad, pad, 1, 1)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-11), (np.float32, 2e-6)])
def test_forward_and_gradients_match_reference(case, dtype, tol):
    x, w, b = _data(case, dtype)
    pad = case[5]
    ref = _ref.conv2d(x, w, b, (1, 1), (pad, pad), (1, 1))
    y = conv_winograd.forward(x, w, b, _params(pad), *ref.shape[2:])
    assert y.dtype == dtype and y.shape == ref.shape
    scale = np.abs(ref).max()
    np.testing.assert_allclose(y, ref, rtol=0, atol=tol * scale)
    gy = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    gx, gw = conv_winograd.backward(gy, x, w, _params(pad), x.shape, True, True)
    rgx, rgw, _ = _ref.conv2d_grads(gy, x, w, (1, 1), (pad, pad), (1, 1))
    np.testing.assert_allclose(gx, rgx, rtol=0, atol=tol * np.abs(rgx).max())
    np.testing.assert_allclose(gw, rgw, rtol=0, atol=tol * np.abs(rgw).max())


def test_chunks_over_the_batch_agree_with_one_chunk(monkeypatch):
    case = (7, 16, 24, 6, 5, 1)
    x, w, b = _data(case, np.float64)
    gy = np.random.default_rng(2).standard_normal((7, 24, 6, 5))
    whole = conv_winograd.forward(x, w, b, _params(1), 6, 5), conv_winograd.backward(gy, x, w, _params(1), x.shape, True, True)
    monkeypatch.setattr(conv_winograd, "_CHUNK_BYTES", 1)  # one sample per chunk
    assert conv_winograd._Tiles(x.shape, 24, _params(1), 6, 5, x.dtype).step == 1
    parts = conv_winograd.forward(x, w, b, _params(1), 6, 5), conv_winograd.backward(gy, x, w, _params(1), x.shape, True, True)
    np.testing.assert_allclose(parts[0], whole[0], rtol=1e-13, atol=1e-12)
    for got, want in zip(parts[1], whole[1]):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-12)


def test_only_the_gradients_asked_for_are_computed():
    x, w, _ = _data(CASES[0], np.float64)
    gy = np.ones((2, 16, 8, 8))
    gx, gw = conv_winograd.backward(gy, x, w, _params(1), x.shape, False, True)
    assert gx is None and gw.shape == w.shape
    gx, gw = conv_winograd.backward(gy, x, w, _params(1), x.shape, True, False)
    assert gw is None and gx.shape == x.shape


def test_dispatch_uses_winograd_for_3x3_stride_1_wide_layers(monkeypatch):
    from kernels.cpu import conv_direct

    monkeypatch.setattr(conv_winograd, "MIN_WIDTH", 1)
    monkeypatch.setattr(conv_direct, "MAX_TAPS", -1)  # this layer's 144 taps would go direct first
    calls = []
    real_forward, real_backward = conv_winograd.forward, conv_winograd.backward
    monkeypatch.setattr(conv_winograd, "forward", lambda *a: calls.append("f") or real_forward(*a))
    monkeypatch.setattr(conv_winograd, "backward", lambda *a: calls.append("b") or real_backward(*a))
    x, w, b = _data((2, 16, 16, 8, 8, 1), np.float32)
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    kernels.conv2d_backward(np.ones_like(y), x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 1))
    assert calls == ["f", "b"]
    calls.clear()
    kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 2, 1))  # stride 2
    kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 1, 2))  # dilation 2
    kernels.conv2d_forward(x[:, :8], w[:, :8], b, conv2d_params("conv2d", x[:, :8].shape, w[:, :8].shape, 1, 1))  # 8 input channels
    assert calls == []


def test_applies_only_to_its_shapes():
    p = _params(1)
    assert conv_winograd.applies(p, 64, 64, 32, 256, 4, 2**28)
    assert conv_winograd.applies(p, 16, 16, 32, 256, 4, 2**28)
    assert conv_winograd.applies(p, 64, 64, 16, 64, 4, 2**28)  # narrower, but wide channels
    assert not conv_winograd.applies(p, 32, 32, 16, 64, 4, 2**28)  # narrow and thin
    assert not conv_winograd.applies(p, 256, 256, 8, 16, 4, 2**28)  # too narrow
    assert not conv_winograd.applies((3, 3, 2, 2, 1, 1, 1, 1), 64, 64, 32, 256, 4, 2**28)  # stride 2
    assert not conv_winograd.applies((5, 5, 1, 1, 2, 2, 1, 1), 64, 64, 32, 256, 4, 2**28)  # 5x5
    assert not conv_winograd.applies(p, 3, 64, 32, 256, 4, 2**28)  # few input channels
    assert not conv_winograd.applies(p, 64, 64, 32, 10**6, 4, 2**28)  # one sample's tiles over the budget


@pytest.mark.parametrize("nthreads", [1, 2, 3])
def test_thread_counts_agree_and_repeat_bit_for_bit(monkeypatch, nthreads):
    from kernels.cpu import _threads

    x, w, b = _data((6, 16, 20, 7, 6, 1), np.float32)
    gy = np.random.default_rng(3).standard_normal((6, 20, 7, 6)).astype(np.float32)
    ref = _ref.conv2d(x, w, b, (1, 1), (1, 1), (1, 1)), _ref.conv2d_grads(gy, x, w, (1, 1), (1, 1), (1, 1))
    monkeypatch.setattr(_threads, "threads", lambda: nthreads)
    runs = [(conv_winograd.forward(x, w, b, _params(1), 7, 6),) + conv_winograd.backward(gy, x, w, _params(1), x.shape, True, True)
            for _ in range(2)]
    for a, b2 in zip(*runs):
        np.testing.assert_array_equal(a, b2)
    for got, want in zip(runs[0], (ref[0], ref[1][0], ref[1][1])):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


def test_split_evenly_gives_every_thread_work():
    from kernels.cpu._threads import split_evenly

    assert split_evenly(32, 2, nt=2) == 2  # 16 chunks
    assert split_evenly(32, 100, nt=2) == 16  # one chunk per thread
    assert split_evenly(5, 100, nt=2) == 3  # chunks of 3 and 2
    assert split_evenly(7, 1, nt=2) == 1
    assert split_evenly(1, 8, nt=4) == 1
    assert split_evenly(10, 4, nt=1) == 4


def test_the_op_table_case_takes_this_path():
    """tests/engine/op_table_kernels.py's conv2d_winograd case must really exercise Winograd."""
    from kernels.cpu import conv_direct

    assert conv_winograd.applies(_params(1), 18, 18, 32, 1 * 16, 8, 2**28)
    assert not conv_direct.applies(_params(1), 18, 32)
