"""conv2d forward/backward and im2col/col2im on the CPU against float64 NumPy references."""
import numpy as np
import pytest

import kernels
from engine.ops.conv_params import conv2d_params
from kernels._chunks import set_memory_budget
from tests.kernels import _ref

CASES = [
    # N, C, H, W, Co, kh, kw, stride, padding, dilation
    (2, 3, 7, 5, 4, 3, 3, (1, 1), (1, 1), (1, 1)),
    (1, 1, 9, 8, 2, 5, 5, (1, 1), (2, 2), (1, 1)),
    (2, 2, 11, 9, 3, 3, 2, (2, 3), (1, 0), (1, 1)),
    (3, 4, 10, 10, 5, 3, 3, (2, 2), (2, 1), (2, 3)),
    (1, 5, 6, 7, 2, 1, 1, (1, 1), (0, 0), (1, 1)),
    (2, 3, 5, 5, 2, 5, 5, (1, 1), (0, 0), (1, 1)),
    (2, 2, 8, 6, 3, 2, 3, (3, 2), (1, 2), (2, 1)),
    (2, 3, 9, 8, 2, 3, 2, (1, 1), (2, 1), (2, 3)),  # stride 1, dilated, uneven padding
]


def _data(case, dtype, seed=0):
    n, c, h, w, co, kh, kw = case[:7]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((co, c, kh, kw)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    return x, wt, b


@pytest.fixture(params=["dispatch", "im2col-only"])
def conv_path(request, monkeypatch):
    """As dispatched (stride-1 cases go direct), or with the direct stride-1 path switched off."""
    if request.param == "im2col-only":
        from kernels.cpu import conv_direct

        monkeypatch.setattr(conv_direct, "MAX_TAPS", -1)
    return request.param


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
def test_conv2d_matches_reference(case, dtype, tol, conv_path):
    x, w, b = _data(case, dtype)
    s, p, d = case[7:]
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    ref = _ref.conv2d(x, w, b, s, p, d)
    assert y.dtype == dtype and y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    gx, gw, gb = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    rgx, rgw, rgb = _ref.conv2d_grads(gy, x, w, s, p, d)
    np.testing.assert_allclose(gx, rgx, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(gw, rgw, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(gb, rgb, rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("budget", [1, 300, 5000])
def test_conv2d_chunking_under_tiny_budgets(budget):
    """Chunks of one row, of part of a sample, and of several samples all give the same answer."""
    case = (3, 2, 9, 7, 3, 3, 3, (1, 2), (1, 1), (1, 1))
    x, w, b = _data(case, np.float64)
    s, p, d = case[7:]
    gy = np.random.default_rng(2).standard_normal(_ref.conv2d(x, w, b, s, p, d).shape)
    try:
        set_memory_budget(budget)
        y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
        gx, gw, gb = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    finally:
        set_memory_budget(None)
    np.testing.assert_allclose(y, _ref.conv2d(x, w, b, s, p, d), atol=1e-10)
    rgx, rgw, _ = _ref.conv2d_grads(gy, x, w, s, p, d)
    np.testing.assert_allclose(gx, rgx, atol=1e-10)
    np.testing.assert_allclose(gw, rgw, atol=1e-10)


def test_backward_computes_only_what_is_asked():
    x, w, b = _data(CASES[0], np.float64)
    gy = np.ones((2, 4, 7, 5))
    gx, gw, gb = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 1, 1), need_input=False, need_weight=True, need_bias=False)
    assert gx is None and gb is None and gw.shape == w.shape
    gx, gw, gb = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 1, 1), need_input=True, need_weight=False, need_bias=True)
    assert gw is None and gx.shape == x.shape and gb.shape == (4,)


def test_deterministic():
    x, w, b = _data(CASES[3], np.float32)
    s, p, d = CASES[3][7:]
    gy = np.random.default_rng(3).standard_normal(kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, s, p, d)).shape).astype(np.float32)
    a = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    c = kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    for u, v in zip(a, c):
        assert np.array_equal(u, v)


def test_float16_on_cpu_computes_in_float32():
    x, w, b = _data(CASES[0], np.float16)
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 1, 1, 1))
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, _ref.conv2d(x, w, b, (1, 1), (1, 1), (1, 1)), rtol=1e-2, atol=2e-2)


def test_im2col_col2im_are_adjoint_and_match_torch_unfold_fold():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 6))
    pa = conv2d_params("im2col", x.shape, (1, 3, 3, 2), (2, 1), (1, 2), (1, 2))
    cols = kernels.im2col(x, pa)
    c = rng.standard_normal(cols.shape)
    back = kernels.col2im(c, pa)
    assert np.isclose((cols * c).sum(), (x * back).sum())
    assert cols.shape == (2, 3 * 3 * 2, pa.out_hw[0] * pa.out_hw[1])
    torch = pytest.importorskip("torch")
    geo = dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    np.testing.assert_allclose(cols, torch.nn.functional.unfold(torch.tensor(x), **geo).numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(back, torch.nn.functional.fold(torch.tensor(c), (7, 6), **geo).numpy(),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "xs,ws,kw,match",
    [((1, 2, 5, 5), (3, 3, 3, 3), {}, r"conv2d: input has 2 channels but the weight \(3, 3, 3, 3\) expects 3"),
     ((2, 1, 2, 2), (1, 1, 3, 3), {}, r"conv2d: input \(2, 1, 2, 2\) is too small for kernel \(3, 3\)"),
     ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0}, r"conv2d: kernel_size \(3, 3\), stride \(0, 0\) and dilation"),
     ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": (1, 2, 3)}, r"conv2d: padding must be an int or 2 ints")],
)
def test_bad_input_is_rejected_at_the_door(xs, ws, kw, match):
    with pytest.raises(ValueError, match=match):
        conv2d_params("conv2d", xs, ws, **kw)
