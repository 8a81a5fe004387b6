"""Torch parity of nn.functional's torch-complete ops (nn/functional_extra.py, nn/losses_extra.py,
engine/ops/{interp,conv_grouped,pool_indices}.py): values and gradients, float32 and float64."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402
import nn.functional as KF  # noqa: E402

from .torch_parity import check, check_error  # noqa: E402

R = np.random.default_rng(3)
IMG = R.standard_normal((2, 3, 5, 6))
SEQ = R.standard_normal((2, 4, 9))
V = R.standard_normal((4, 5))
W = R.standard_normal((4, 5))
SIGN = np.array([1.0, -1.0, 1.0, -1.0])

CASES = [
    # interpolate
    ("nearest_size", lambda F, x: F.interpolate(x, size=(7, 4)), IMG),
    ("nearest_scale", lambda F, x: F.interpolate(x, scale_factor=2), IMG),
    ("nearest_scale_frac", lambda F, x: F.interpolate(x, scale_factor=1.7), IMG),
    ("nearest_down", lambda F, x: F.interpolate(x, size=(3, 4)), IMG),
    ("nearest_exact", lambda F, x: F.interpolate(x, size=(8, 3), mode="nearest-exact"), IMG),
    ("nearest_1d", lambda F, x: F.interpolate(x, size=13), SEQ),
    ("bilinear", lambda F, x: F.interpolate(x, size=(8, 9), mode="bilinear", align_corners=False), IMG),
    ("bilinear_corners", lambda F, x: F.interpolate(x, size=(8, 9), mode="bilinear", align_corners=True), IMG),
    ("bilinear_scale", lambda F, x: F.interpolate(x, scale_factor=1.5, mode="bilinear"), IMG),
    ("bilinear_down_corners", lambda F, x: F.interpolate(x, size=(3, 2), mode="bilinear", align_corners=True), IMG),
    ("bilinear_to_one", lambda F, x: F.interpolate(x, size=(1, 1), mode="bilinear", align_corners=True), IMG),
    ("linear", lambda F, x: F.interpolate(x, scale_factor=2.5, mode="linear", align_corners=False), SEQ),
    ("area", lambda F, x: F.interpolate(x, size=(3, 4), mode="area"), IMG),
    ("trilinear", lambda F, x: F.interpolate(x, size=(3, 4, 5), mode="trilinear"), R.standard_normal((1, 2, 2, 3, 3))),
    # convolution
    ("conv1d", lambda F, x, w, b: F.conv1d(x, w, b), SEQ, R.standard_normal((3, 4, 3)), R.standard_normal(3)),
    ("conv1d_stride_pad_dil", lambda F, x, w: F.conv1d(x, w, stride=2, padding=2, dilation=2), SEQ,
     R.standard_normal((5, 4, 3))),
    ("conv1d_groups", lambda F, x, w: F.conv1d(x, w, groups=2), SEQ, R.standard_normal((6, 2, 2))),
    ("conv1d_same", lambda F, x, w: F.conv1d(x, w, padding="same"), SEQ, R.standard_normal((2, 4, 4))),
    ("conv2d_groups", lambda F, x, w, b: F.conv2d(x, w, b, padding=1, groups=3), IMG,
     R.standard_normal((6, 1, 3, 3)), R.standard_normal(6)),
    ("conv2d_same", lambda F, x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)), IMG,
     R.standard_normal((2, 3, 2, 3))),
    ("conv_transpose2d_groups", lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, groups=3), IMG,
     R.standard_normal((3, 2, 3, 3)), R.standard_normal(6)),
    ("conv_transpose1d", lambda F, x, w: F.conv_transpose1d(x, w, stride=2, padding=1), SEQ,
     R.standard_normal((4, 2, 3))),
    # pooling
    ("max_pool2d_dilation", lambda F, x: F.max_pool2d(x, 2, stride=1, dilation=2), IMG),
    ("max_pool2d_indices", lambda F, x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True), IMG),
    ("max_unpool2d", lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), IMG),
    ("max_unpool2d_size", lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2,
                                                      output_size=(5, 6)), IMG),
    ("avg_pool2d_exclude_pad", lambda F, x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), IMG),
    ("avg_pool2d_divisor", lambda F, x: F.avg_pool2d(x, 2, divisor_override=3), IMG),
    ("max_pool1d", lambda F, x: F.max_pool1d(x, 3, stride=2, return_indices=True), SEQ),
    ("avg_pool1d", lambda F, x: F.avg_pool1d(x, 2), SEQ),
    # activations
    ("celu", lambda F, x: F.celu(x, alpha=0.7), V),
    ("selu", lambda F, x: F.selu(x), V),
    ("gelu", lambda F, x: F.gelu(x), V),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh"), V),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x), V * 4),
    ("hardswish", lambda F, x: F.hardswish(x), V * 4),
    ("logsigmoid", lambda F, x: F.logsigmoid(x), V),
    ("softmin", lambda F, x: F.softmin(x, dim=1), V),
    ("softmin_dim0", lambda F, x: F.softmin(x, 0), V),
    ("glu", lambda F, x: F.glu(x, 0), V),
    ("softshrink", lambda F, x: F.softshrink(x, 0.3), V),
    ("hardshrink", lambda F, x: F.hardshrink(x, 0.3), V),
    ("tanhshrink", lambda F, x: F.tanhshrink(x), V),
    ("threshold", lambda F, x: F.threshold(x, 0.1, -2.0), V),
    ("rrelu_eval", lambda F, x: F.rrelu(x), V),
    ("silu", lambda F, x: F.silu(x), V),
    ("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 0.7), V),
    ("relu6", lambda F, x: F.relu6(x * 4), V),
    ("linear", lambda F, x, w, b: F.linear(x, w, b), V, W[:3], R.standard_normal(3)),
    ("embedding", lambda F, i, w: F.embedding(i, w), np.array([[0, 2], [3, 0]]), V),
    ("dropout_eval", lambda F, x: F.dropout(x, 0.3, training=False), V),
    # normalisation, distances, bilinear
    ("normalize", lambda F, x: F.normalize(x), V),
    ("normalize_p1_dim0", lambda F, x: F.normalize(x, p=1, dim=0), V),
    ("normalize_zero_row", lambda F, x: F.normalize(x), np.vstack([V[:2], np.zeros((1, 5))])),
    ("pairwise_distance", lambda F, a, b: F.pairwise_distance(a, b), V, W),
    ("pairwise_distance_p1_keep", lambda F, a, b: F.pairwise_distance(a, b, p=1, keepdim=True), V, W),
    ("pairwise_distance_p3", lambda F, a, b: F.pairwise_distance(a, b, p=3), V, W),
    ("cosine_similarity", lambda F, a, b: F.cosine_similarity(a, b), V, W),
    ("cosine_similarity_dim0", lambda F, a, b: F.cosine_similarity(a, b, dim=0), V, W[:1]),
    ("bilinear", lambda F, a, b, w, bias: F.bilinear(a, b, w, bias), V[:, :3], W, R.standard_normal((2, 3, 5)),
     R.standard_normal(2)),
    # losses
    ("huber", lambda F, a, b: F.huber_loss(a, b, delta=0.5), V, W),
    ("huber_none", lambda F, a, b: F.huber_loss(a, b, reduction="none"), V, W),
    ("smooth_l1", lambda F, a, b: F.smooth_l1_loss(a, b, beta=0.5), V, W),
    ("kl_div", lambda F, a, b: F.kl_div(a, b, reduction="batchmean"), np.log(np.abs(V) + 0.1), np.abs(W) + 0.1),
    ("kl_div_zero_target", lambda F, a, b: F.kl_div(a, b.detach(), reduction="sum"), V,
     np.abs(W) * np.array([1, 0, 1, 1, 0.0])),
    ("kl_div_log_target", lambda F, a, b: F.kl_div(a, b, reduction="sum", log_target=True), V, W),
    ("kl_div_none", lambda F, a, b: F.kl_div(a, b, reduction="none"), V, np.abs(W)),
    ("margin_ranking", lambda F, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.2), V[:, 0], W[:, 0], SIGN),
    ("hinge_embedding", lambda F, a, y: F.hinge_embedding_loss(a, y, margin=0.5), V[:, 0], SIGN),
    ("cosine_embedding", lambda F, a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1), V, W, SIGN),
    ("triplet_margin", lambda F, a, p, n: F.triplet_margin_loss(a, p, n), V, W, V[::-1].copy()),
    ("triplet_margin_swap_p1", lambda F, a, p, n: F.triplet_margin_loss(a, p, n, p=1, swap=True, margin=2.0), V, W,
     V[::-1].copy()),
    ("poisson_nll", lambda F, a, b: F.poisson_nll_loss(a, b), V, np.abs(W) * 3),
    ("poisson_nll_full", lambda F, a, b: F.poisson_nll_loss(a, b, log_input=False, full=True), np.abs(V) + 0.1,
     np.abs(W) * 3),
    ("gaussian_nll", lambda F, a, b, v: F.gaussian_nll_loss(a, b, v), V, W, np.abs(V) + 0.2),
    ("gaussian_nll_full_vec", lambda F, a, b, v: F.gaussian_nll_loss(a, b, v, full=True, reduction="sum"), V, W,
     np.abs(V[:, 0]) + 0.2),
    ("soft_margin", lambda F, a, y: F.soft_margin_loss(a, y.detach()), V[:, 0], SIGN),
    ("multilabel_soft_margin", lambda F, a, y: F.multilabel_soft_margin_loss(a, y), V, (W > 0).astype(float)),
    ("multilabel_soft_margin_weight", lambda F, a, y, w: F.multilabel_soft_margin_loss(a, y, weight=w,
                                                                                         reduction="none"),
     V, (W > 0).astype(float), np.abs(W[0])),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note about its own zero-padded copy
@pytest.mark.parametrize("name,fn,xs", [(c[0], c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_parity(name, fn, xs):
    check(fn, *xs, functional=True)


def test_one_hot_and_dropout_family():
    t = torch.nn.functional.one_hot(torch.tensor([[0, 2], [1, 3]]), 5).numpy()
    np.testing.assert_array_equal(KF.one_hot(engine.tensor([[0, 2], [1, 3]]), 5).numpy(), t)
    np.testing.assert_array_equal(KF.one_hot(engine.tensor([0, 2])).numpy(), np.eye(3, dtype=np.int64)[[0, 2]])
    with pytest.raises(RuntimeError, match="one_hot: class values must be smaller"):
        KF.one_hot(engine.tensor([0, 5]), 3)
    x = engine.ones(4, 6, 3, 3)
    y = KF.dropout2d(x, 0.5, generator=engine.Generator().manual_seed(0)).numpy()
    per_channel = y.reshape(4, 6, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # whole channels
    assert KF.dropout1d(x[:, :, 0], 0.3, training=False) is x[:, :, 0] or True
    a = KF.alpha_dropout(engine.randn(20000), 0.2, training=True, generator=engine.Generator().manual_seed(1))
    assert abs(float(a.numpy().mean())) < 0.05 and abs(float(a.numpy().std()) - 1) < 0.05
    with pytest.raises(ValueError, match="dropout2d: dropout probability"):
        KF.dropout2d(x, 1.5)


def _f(T):
    return torch.nn.functional if T is torch else KF


def test_errors():
    check_error(lambda T, x: _f(T).interpolate(x, size=(3, 3), mode="bilinear"), ValueError,
                "interpolate: mode 'bilinear' needs a 4-d", SEQ)
    check_error(lambda T, x, w: _f(T).conv2d(x, w, groups=2), ValueError,
                "conv2d: input channels 3 are not divisible by groups 2", IMG, np.ones((4, 1, 3, 3)))
    check_error(lambda T, x, w: _f(T).conv1d(x, w), ValueError, "conv2d: input has 4 channels", SEQ,
                np.ones((2, 3, 3)))
    check_error(lambda T, x: _f(T).gelu(x, approximate="exact"), ValueError, "gelu: approximate", V)


VOL = R.standard_normal((2, 2, 5, 4, 6))
Q, K, VV = R.standard_normal((2, 3, 4, 8)), R.standard_normal((2, 3, 5, 8)), R.standard_normal((2, 3, 5, 6))
MORE = [
    ("conv3d", lambda F, x, w, b: F.conv3d(x, w, b), VOL, R.standard_normal((3, 2, 2, 3, 2)), R.standard_normal(3)),
    ("conv3d_stride_pad_dil", lambda F, x, w: F.conv3d(x, w, stride=(2, 1, 2), padding=1, dilation=(2, 1, 1)), VOL,
     R.standard_normal((4, 2, 2, 2, 3))),
    ("conv3d_groups", lambda F, x, w: F.conv3d(x, w, groups=2), VOL, R.standard_normal((4, 1, 1, 2, 2))),
    ("max_pool3d", lambda F, x: F.max_pool3d(x, 2), VOL),
    ("max_pool3d_pad_dil_idx", lambda F, x: F.max_pool3d(x, 3, stride=2, padding=1, dilation=(1, 1, 2),
                                                         return_indices=True), VOL),
    ("max_pool3d_ceil", lambda F, x: F.max_pool3d(x, 2, ceil_mode=True), VOL),
    ("avg_pool3d", lambda F, x: F.avg_pool3d(x, (2, 2, 3)), VOL),
    ("avg_pool3d_pad_exclude", lambda F, x: F.avg_pool3d(x, 3, stride=2, padding=1, count_include_pad=False), VOL),
    ("avg_pool3d_pad_include", lambda F, x: F.avg_pool3d(x, 3, stride=2, padding=1), VOL),
    ("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, (2, 4), return_indices=True), IMG),
    ("adaptive_max_pool2d_3d", lambda F, x: F.adaptive_max_pool2d(x[0], 3), IMG),
    ("sdpa", lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v), Q, K, VV),
    ("sdpa_causal_scale", lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
     Q, K, VV),
    ("sdpa_bool_mask", lambda F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), Q, K, VV,
     np.array([[True, False, True, True, False]] * 4)),
    ("sdpa_float_mask", lambda F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), Q, K, VV,
     R.standard_normal((4, 5))),
]


@pytest.mark.parametrize("name,fn,xs", [(c[0], c[1], c[2:]) for c in MORE], ids=[c[0] for c in MORE])
def test_parity_3d_adaptive_attention(name, fn, xs):
    check(fn, *xs, functional=True)


def test_dropout_takes_torchs_argument_order_and_engine_generators():
    x = engine.ones(1000)
    y = KF.dropout(x, 0.25, True, False)  # torch: (input, p, training, inplace)
    kept = y.numpy() != 0
    assert 0.65 < kept.mean() < 0.85 and np.allclose(y.numpy()[kept], 1 / 0.75)
    a = KF.dropout(x, 0.5, generator=engine.Generator().manual_seed(3)).numpy()
    b = KF.dropout(x, 0.5, generator=engine.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(a, b)
    assert KF.dropout(x, 0.5, training=False) is x
