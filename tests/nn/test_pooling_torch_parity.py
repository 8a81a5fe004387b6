"""torch parity of the pooling layers (nn/pooling.py, nn/pooling_adaptive.py, nn/pooling_functional.py):
constructor signatures and positional order, float64 outputs, indexes and input gradients against torch,
unbatched inputs, and the errors for bad input."""
import inspect

import numpy as np
import pytest

import engine
import nn
import nn.functional as F

from ._torch_parity import assert_close, backward_both, check_layer, pair

torch = pytest.importorskip("torch")
tnn = torch.nn

POOLS = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
         "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
         "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d"]


def _params(cls):
    return [(p.name, p.default, p.kind) for p in list(inspect.signature(cls.__init__).parameters.values())[1:]]


@pytest.mark.parametrize("name", POOLS)
def test_constructor_signature_is_torchs(name):
    assert _params(getattr(nn, name)) == _params(getattr(tnn, name))


# (name, positional args, input shape): each compared with torch's layer built from the same arguments
CASES = [
    ("MaxPool1d", (3,), (2, 3, 10)),
    ("MaxPool1d", (3, 2, 1, 2, False, True), (2, 3, 11)),
    ("MaxPool1d", (2,), (3, 9)),  # unbatched
    ("MaxPool2d", (3, 2, 1, 1), (2, 2, 10, 10)),  # dilation=1 (Kiln once read the 4th argument as ceil_mode)
    ("MaxPool2d", (3, 2, 1, 2, False, True), (2, 2, 10, 9)),
    ("MaxPool2d", ((2, 3), (1, 2)), (3, 7, 8)),  # unbatched
    ("MaxPool3d", (2,), (2, 2, 4, 5, 6)),
    ("MaxPool3d", (3, 2, 1, (1, 2, 1), False, True), (1, 2, 6, 7, 6)),
    ("MaxPool3d", (2, 1), (2, 4, 4, 3)),  # unbatched
    ("AvgPool1d", (3,), (2, 3, 10)),
    ("AvgPool1d", (3, 2, 1, True, False), (2, 3, 10)),
    ("AvgPool1d", (4, 3), (3, 11)),  # unbatched
    ("AvgPool2d", (3, 2, 1, True, False), (2, 2, 10, 9)),
    ("AvgPool2d", (3, 2, 1, False, True, 5), (2, 2, 9, 9)),  # divisor_override: window sum / 5
    ("AvgPool2d", (3, 2, 1, True, True, 4), (1, 2, 10, 8)),  # divisor_override on windows cut by ceil_mode
    ("AvgPool2d", (3, 2, 1, True, False, 4), (1, 2, 10, 8)),
    ("AvgPool2d", (2,), (3, 6, 6)),  # unbatched
    ("AvgPool3d", (2,), (2, 2, 4, 4, 6)),
    ("AvgPool3d", (3, 2, 1, False, False), (1, 2, 5, 6, 7)),
    ("AvgPool3d", ((2, 3, 2), 1, 1, False, True, 7), (1, 2, 4, 5, 4)),
    ("AvgPool3d", (2,), (2, 4, 4, 4)),  # unbatched
    ("AvgPool3d", (3, 2, 1, True, True), (1, 2, 6, 5, 6)),  # ceil_mode: border windows cut at the padding
    ("AvgPool3d", (3, 2, 1, True, False), (1, 2, 6, 5, 6)),
    ("AvgPool3d", (3, 2, 1, True, True, 4), (1, 2, 6, 5, 6)),
    ("AdaptiveAvgPool1d", (4,), (2, 3, 10)),
    ("AdaptiveAvgPool1d", (3,), (3, 7)),
    ("AdaptiveAvgPool2d", ((3, None),), (2, 2, 7, 5)),
    ("AdaptiveAvgPool2d", (3,), (2, 7, 8)),
    ("AdaptiveAvgPool3d", ((2, 3, 4),), (2, 2, 5, 7, 9)),
    ("AdaptiveAvgPool3d", ((None, 2, 1),), (2, 3, 5, 4)),
    ("AdaptiveMaxPool1d", (4,), (2, 3, 10)),
    ("AdaptiveMaxPool1d", (3,), (3, 7)),
    ("AdaptiveMaxPool2d", ((3, 2),), (2, 2, 7, 5)),
    ("AdaptiveMaxPool2d", ((None, 3),), (2, 7, 8)),
    ("AdaptiveMaxPool3d", ((2, 3, 4),), (2, 2, 5, 7, 9)),
    ("AdaptiveMaxPool3d", (2,), (2, 3, 5, 4)),
    ("LPPool1d", (2, 3), (2, 3, 10)),
    ("LPPool1d", (3, 3, 2, True), (3, 10)),
    ("LPPool2d", (2, 3, 2), (2, 2, 9, 9)),
    ("LPPool2d", (1.5, (2, 3), None, True), (2, 7, 8)),
    ("LPPool3d", (2, 2), (2, 2, 4, 4, 6)),
    ("LPPool3d", (3, (2, 1, 2), 1), (2, 3, 4, 4)),
    ("LPPool3d", (2, 2, 2, True), (1, 2, 5, 4, 5)),
]


@pytest.mark.parametrize("name, args, shape", CASES, ids=[f"{c[0]}{c[1]}-{c[2]}" for c in CASES])
def test_layer_matches_torch(name, args, shape):
    call = None
    if name.startswith("LPPool") and float(args[0]) % 2 != 0:
        # an odd or fractional power of a negative window sum is NaN (in torch too): pool positive inputs
        def call(layer, x):
            return layer(x * x + 0.1)
    kiln, ref = getattr(nn, name)(*args), getattr(tnn, name)(*args)
    check_layer(kiln, ref, shape, call=call)
    assert repr(kiln) == repr(ref)


@pytest.mark.parametrize("name, args, shape", [
    ("MaxPool1d", (3, 2, 1, 1, True), (2, 3, 10)),
    ("MaxPool2d", (3, 2, 1, 1, True), (2, 2, 9, 9)),
    ("MaxPool2d", (2, None, 0, 1, True, True), (3, 7, 7)),
    ("MaxPool3d", (3, 2, 1, 1, True), (1, 2, 5, 6, 7)),
    ("AdaptiveMaxPool1d", (4, True), (2, 3, 10)),
    ("AdaptiveMaxPool2d", ((3, 2), True), (2, 7, 5)),
    ("AdaptiveMaxPool3d", ((2, 3, 4), True), (2, 2, 5, 7, 9)),
    ("AdaptiveMaxPool3d", (3, True), (2, 4, 5, 6)),
])
def test_return_indices_match_torch(name, args, shape):
    tx, kx = pair(torch, np.random.default_rng(1).standard_normal(shape))
    (ky, ki), (ty, ti) = getattr(nn, name)(*args)(kx), getattr(tnn, name)(*args)(tx)
    assert_close(ky, ty, atol=0, what="values")
    np.testing.assert_array_equal(ki.numpy(), ti.numpy())
    assert ki.numpy().dtype == np.int64
    backward_both(ky, ty)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="input grad")


@pytest.mark.parametrize("nd, kernel, stride, padding, shape, output_size", [
    (1, 2, None, 0, (2, 3, 8), None),
    (1, 3, 2, 1, (2, 3, 9), (2, 3, 10)),
    (1, 2, None, 0, (3, 9), [9]),  # unbatched
    (2, 2, None, 0, (2, 2, 6, 6), None),
    (2, 3, 2, 1, (2, 2, 9, 8), (9, 8)),
    (2, (2, 3), None, 0, (2, 6, 6), None),  # unbatched
    (3, 2, None, 0, (1, 2, 4, 4, 6), None),
    (3, 2, None, 0, (1, 2, 5, 4, 5), (1, 2, 5, 5, 5)),
    (3, 2, 1, 0, (2, 3, 3, 4), None),  # unbatched
])
def test_max_unpool_inverts_max_pool_as_torch(nd, kernel, stride, padding, shape, output_size):
    pool_name, unpool_name = f"MaxPool{nd}d", f"MaxUnpool{nd}d"
    tx, kx = pair(torch, np.random.default_rng(2).standard_normal(shape))
    ty, ti = getattr(tnn, pool_name)(kernel, stride, padding, return_indices=True)(tx)
    ky, ki = getattr(nn, pool_name)(kernel, stride, padding, return_indices=True)(kx)
    tz = getattr(tnn, unpool_name)(kernel, stride, padding)(ty, ti, output_size)
    kz = getattr(nn, unpool_name)(kernel, stride, padding)(ky, ki, output_size)
    assert_close(kz, tz, atol=0, what="unpooled")
    backward_both(kz, tz)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="input grad")


def test_max_unpool_functional_forms_match_torch():
    tx, kx = pair(torch, np.random.default_rng(3).standard_normal((2, 2, 4, 4, 4)))
    ty, ti = torch.nn.functional.max_pool3d(tx, 2, return_indices=True)
    ky, ki = F.max_pool3d(kx, 2, return_indices=True)
    assert_close(F.max_unpool3d(ky, ki, 2), torch.nn.functional.max_unpool3d(ty, ti, 2), atol=0)
    t1, i1 = torch.nn.functional.max_pool1d(tx[0, 0], 2, return_indices=True)
    k1, j1 = F.max_pool1d(kx[0, 0], 2, return_indices=True)
    assert_close(F.max_unpool1d(k1, j1, 2), torch.nn.functional.max_unpool1d(t1, i1, 2), atol=0)


def test_positional_order_is_torchs():
    """The 4th argument of MaxPool2d is dilation and of AvgPool2d ceil_mode, as torch's (no silent swap)."""
    m = nn.MaxPool2d(3, 2, 1, 2, True, True)
    assert (m.dilation, m.return_indices, m.ceil_mode) == (2, True, True)
    assert nn.MaxPool2d(3, 2, 1, 1).ceil_mode is False
    a = nn.AvgPool2d(3, 2, 1, True, False, 5)
    assert (a.ceil_mode, a.count_include_pad, a.divisor_override) == (True, False, 5)
    lp = nn.LPPool2d(3, 2, 1, True)
    assert (lp.norm_type, lp.kernel_size, lp.stride, lp.ceil_mode) == (3, 2, 1, True)
    am = nn.AdaptiveMaxPool2d(3, True)
    assert am.return_indices is True
    u = nn.MaxUnpool3d(2, 1, 1)
    assert (u.kernel_size, u.stride, u.padding) == ((2, 2, 2), (1, 1, 1), (1, 1, 1))


def test_functional_adaptive_and_lp_forms_match_torch():
    tx, kx = pair(torch, np.random.default_rng(4).standard_normal((2, 3, 6, 5, 7)))
    tf = torch.nn.functional
    assert_close(F.adaptive_avg_pool3d(kx, (4, 2, 3)), tf.adaptive_avg_pool3d(tx, (4, 2, 3)), atol=1e-12)
    assert_close(F.adaptive_max_pool3d(kx, (4, 2, 3)), tf.adaptive_max_pool3d(tx, (4, 2, 3)), atol=0)
    assert_close(F.adaptive_avg_pool1d(kx[0, 0, 0], 3), tf.adaptive_avg_pool1d(tx[0, 0, 0], 3), atol=1e-12)
    assert_close(F.lp_pool2d(kx[0], 2, 2), tf.lp_pool2d(tx[0], 2, 2), atol=1e-12)
    assert_close(F.lp_pool1d(kx[0, 0], 2, 3, 2), tf.lp_pool1d(tx[0, 0], 2, 3, 2), atol=1e-12)


def _x(*shape):
    return engine.tensor(np.zeros(shape), dtype="float64")


@pytest.mark.parametrize("layer, shape, message", [
    (lambda: nn.MaxPool2d(2), (4, 4), r"max_pool2d: expected a 3-d \(C, H, W\) or 4-d \(N, C, H, W\) input, got "
                                      r"shape \(4, 4\)"),
    (lambda: nn.MaxPool1d(2), (1, 2, 3, 4), r"max_pool1d: expected a 2-d \(C, L\) or 3-d \(N, C, L\) input"),
    (lambda: nn.AvgPool3d(2), (2, 4, 4), r"avg_pool3d: expected a 4-d \(C, D, H, W\) or 5-d"),
    (lambda: nn.AdaptiveAvgPool3d(2), (4, 4), r"adaptive_avg_pool3d: expected a 4-d"),
    (lambda: nn.AdaptiveMaxPool1d(2), (4,), r"adaptive_max_pool1d: expected a 2-d"),
    (lambda: nn.LPPool2d(2, 2), (4, 4), r"lp_pool2d: expected a 3-d"),
    (lambda: nn.AdaptiveAvgPool2d((2, 2, 2)), (1, 4, 4), r"adaptive_avg_pool2d: output_size must have 2 element"),
    (lambda: nn.AdaptiveMaxPool3d((2, 0, 1)), (1, 4, 4, 4), r"adaptive_max_pool3d: output_size must be >= 1"),
    (lambda: nn.MaxPool3d(5), (1, 1, 4, 4, 4), r"max_pool3d: input of spatial size \(4, 4, 4\) is too small"),
])
def test_bad_inputs_raise(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer()(_x(*shape))


def test_bad_constructor_arguments_raise():
    with pytest.raises(ValueError, match="AvgPool2d: divisor_override must be non-zero"):
        nn.AvgPool2d(2, divisor_override=0)
    with pytest.raises(ValueError, match="LPPool1d: norm_type must be non-zero"):
        nn.LPPool1d(0, 2)
    with pytest.raises(ValueError, match=r"MaxUnpool2d: kernel_size must be an int or 2 ints, got \(2, 2, 2\)"):
        nn.MaxUnpool2d((2, 2, 2))


def test_max_unpool_errors():
    y, i = nn.MaxPool2d(2, return_indices=True)(_x(1, 2, 4, 4))
    with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size \(6, 4\) \(dim 0 must be between "
                                         r"2 and 6, exclusive\)"):
        nn.MaxUnpool2d(2)(y, i, (6, 4))
    with pytest.raises(ValueError, match=r"max_unpool2d: output_size should have 2 or 4 elements, got \(4,\)"):
        nn.MaxUnpool2d(2)(y, i, (4,))
    with pytest.raises(ValueError, match=r"max_unpool2d: indices \(1, 2, 2, 1\) must have the shape of the input "
                                         r"\(1, 2, 2, 2\)"):
        nn.MaxUnpool2d(2)(y, i[..., :1])
    with pytest.raises(ValueError, match=r"max_unpool2d: index 10 is out of range for the output size \(3, 3\)"):
        nn.MaxUnpool2d(2)(y, i, (3, 3))


@pytest.mark.parametrize("layer, shape", [
    (lambda: nn.LPPool2d(2, 2), (1, 2, 4, 4)),
    (lambda: nn.AdaptiveAvgPool3d((2, 3, 2)), (1, 1, 3, 4, 3)),
    (lambda: nn.AdaptiveMaxPool3d(2), (1, 1, 3, 4, 3)),
    (lambda: nn.AvgPool3d(3, 2, 1, True, False), (1, 1, 4, 3, 4)),
])
def test_second_order_gradients(layer, shape):
    x = engine.tensor(np.random.default_rng(5).standard_normal(shape), dtype="float64", requires_grad=True)
    m = layer()
    assert engine.gradcheck(m, (x,))
    assert engine.gradgradcheck(m, (x,))
