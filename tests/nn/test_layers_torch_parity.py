"""torch.nn parity of the dropout family (torch's positional order, in-place writes), Hardtanh's
deprecated aliases, the padding layers, the shrink/threshold/GLU/RReLU/Softmax2d/ChannelShuffle
modules, Bilinear and UpsamplingBilinear2d: outputs and input/parameter gradients against torch in
float64, constructor signatures, and exact errors."""
import inspect
import warnings

import numpy as np
import pytest

import engine
import nn

from ._torch_parity import check_layer

torch = pytest.importorskip("torch")


# ---- constructor signatures and positional order ---------------------------------------------------
SIGNATURE_NAMES = [
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "Hardtanh", "ReLU6",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
    "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "Softshrink", "Hardshrink",
    "Threshold", "GLU", "RReLU", "ChannelShuffle", "Bilinear", "UpsamplingBilinear2d",
]


def _params(cls, drop_keyword_only=()):
    return [(p.name, p.default, p.kind) for p in inspect.signature(cls.__init__).parameters.values()
            if p.name not in drop_keyword_only]


@pytest.mark.parametrize("name", SIGNATURE_NAMES)
def test_constructor_signature_is_torchs(name):
    kiln = getattr(nn, name)
    # Kiln's one addition: a keyword-only ``generator`` after torch's parameters (dropout family)
    extra = [p for p in inspect.signature(kiln.__init__).parameters.values() if p.name == "generator"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra)
    assert _params(kiln, ("generator",)) == _params(getattr(torch.nn, name))


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                                  "FeatureAlphaDropout"])
def test_dropout_positional_order(name):
    k, t = getattr(nn, name)(0.3, True), getattr(torch.nn, name)(0.3, True)
    assert (k.p, k.inplace) == (t.p, t.inplace) == (0.3, True)
    assert repr(k) == repr(t)
    with pytest.raises(TypeError):
        getattr(nn, name)(0.3, True, np.random.default_rng(0))  # generator is keyword-only
    with pytest.raises(TypeError, match=f"{name}: inplace must be a bool, got Generator; pass a generator by keyword"):
        getattr(nn, name)(0.3, np.random.default_rng(0))  # Kiln's old positional order
    with pytest.raises(ValueError, match=f"{name}: dropout probability has to be between 0 and 1, but got 1.5"):
        getattr(nn, name)(1.5)


def test_activation_and_padding_positional_order():
    pairs = [
        (nn.Hardtanh(-2.0, 3.0, True), torch.nn.Hardtanh(-2.0, 3.0, True), ("min_val", "max_val", "inplace")),
        (nn.ReLU6(True), torch.nn.ReLU6(True), ("min_val", "max_val", "inplace")),
        (nn.Threshold(0.1, 20.0, True), torch.nn.Threshold(0.1, 20.0, True), ("threshold", "value", "inplace")),
        (nn.RReLU(0.1, 0.2, True), torch.nn.RReLU(0.1, 0.2, True), ("lower", "upper", "inplace")),
        (nn.Softshrink(0.7), torch.nn.Softshrink(0.7), ("lambd",)),
        (nn.GLU(1), torch.nn.GLU(1), ("dim",)),
        (nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3), ("groups",)),
        (nn.ConstantPad2d((1, 2, 3, 4), 2.5), torch.nn.ConstantPad2d((1, 2, 3, 4), 2.5), ("padding", "value")),
        (nn.ReflectionPad3d(2), torch.nn.ReflectionPad3d(2), ("padding",)),
        (nn.Bilinear(2, 3, 4, False), torch.nn.Bilinear(2, 3, 4, False), ("in1_features", "in2_features",
                                                                          "out_features")),
    ]
    for k, t, attrs in pairs:
        assert [getattr(k, a) for a in attrs] == [getattr(t, a) for a in attrs], type(k).__name__
        assert repr(k) == repr(t)
    assert nn.Bilinear(2, 3, 4, False).bias is None


# ---- dropout: in place, as torch ------------------------------------------------------------------
DROPOUTS = [("Dropout", (3, 4)), ("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 4, 4)), ("Dropout3d", (2, 3, 2, 2, 2)),
            ("AlphaDropout", (3, 4)), ("FeatureAlphaDropout", (2, 3, 4))]


@pytest.mark.parametrize("name,shape", DROPOUTS[:4])
def test_dropout_inplace_writes_into_a_non_leaf(name, shape):
    np.random.seed(3)
    x = engine.tensor(np.random.default_rng(0).standard_normal(shape), dtype="float64", requires_grad=True)
    y = x * 1.0
    version = y._version
    out = getattr(nn, name)(0.5, True)(y)
    assert out is y and y._version == version + 1
    np.random.seed(3)
    expected = getattr(nn, name)(0.5)(x * 1.0).numpy()  # the same mask, not in place
    np.testing.assert_array_equal(y.numpy(), expected)
    (out * 2.0).sum().backward()  # kept: 2x (gradient 2 * 2); dropped: 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(expected != 0, 4.0, 0.0), atol=1e-12)


@pytest.mark.parametrize("name,shape", DROPOUTS[:4])
def test_dropout_inplace_on_a_leaf_that_requires_grad_raises_as_torch(name, shape):
    x = engine.ones(*shape, dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        getattr(nn, name)(0.5, True)(x)
    tx = torch.ones(*shape, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        getattr(torch.nn, name)(0.5, True)(tx)
    assert np.all(x.numpy() == 1.0)
    m = getattr(nn, name)(0.5, True).eval()
    assert m(x) is x and x._version == 0  # evaluation mode: the identity, no write


@pytest.mark.parametrize("name,shape", DROPOUTS[4:])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_alpha_dropouts_ignore_inplace_as_torch(name, shape, requires_grad):
    np.random.seed(2)
    x = engine.ones(*shape, dtype="float64", requires_grad=requires_grad)
    tx = torch.ones(*shape, dtype=torch.float64, requires_grad=requires_grad)
    k_in, t_in = (x * 1.0, tx * 1.0) if requires_grad else (x, tx)
    k_out, t_out = getattr(nn, name)(0.5, True)(k_in), getattr(torch.nn, name)(0.5, True)(t_in)
    assert (k_out is k_in) == (t_out is t_in) is False
    assert k_in._version == t_in._version == 0 and np.all(k_in.numpy() == 1.0)
    assert len(np.unique(k_out.numpy())) == 2  # kept and dropped values


def test_dropout_inplace_on_plain_tensor_and_saved_value_check():
    np.random.seed(0)
    x = engine.ones(50, 40)
    out = nn.Dropout(0.25, True)(x)
    assert out is x and set(np.unique(x.numpy())) == {0.0, np.float32(1 / 0.75)}
    a = engine.ones(3, 4, dtype="float64", requires_grad=True)
    s = engine.sigmoid(a)  # sigmoid saves its output for backward
    nn.Dropout(0.5, True)(s)
    t = torch.sigmoid(torch.ones(3, 4, dtype=torch.float64, requires_grad=True))
    torch.nn.Dropout(0.5, True)(t)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        t.sum().backward()
    with pytest.raises(RuntimeError):
        s.sum().backward()


def test_dropout_generator_keyword_makes_masks_reproducible():
    x = engine.ones(6, 7)
    a = nn.Dropout(0.5, generator=engine.Generator().manual_seed(5))(x).numpy()
    b = nn.Dropout(0.5, generator=engine.Generator().manual_seed(5))(x).numpy()
    np.testing.assert_array_equal(a, b)
    c = nn.Dropout2d(0.5, generator=np.random.default_rng(2))(engine.ones(4, 6, 3, 3)).numpy()
    d = nn.Dropout2d(0.5, generator=np.random.default_rng(2))(engine.ones(4, 6, 3, 3)).numpy()
    np.testing.assert_array_equal(c, d)


def test_feature_alpha_dropout_drops_whole_channels_and_keeps_statistics():
    np.random.seed(1)
    p, alpha = 0.2, 1.7580993408473766
    a = ((alpha * alpha * p + 1) * (1 - p)) ** -0.5
    x = engine.randn(100, 200, 10, dtype="float64")
    y = nn.FeatureAlphaDropout(p)(x).numpy()
    dropped = np.isclose(y, a * alpha * (p - 1)).all(-1)
    kept = np.isclose(y, a * x.numpy() + alpha * a * p).all(-1)
    assert np.all(kept ^ dropped) and abs(dropped.mean() - p) < 0.02
    assert abs(y.mean()) < 0.03 and abs(y.std() - 1) < 0.03
    assert nn.FeatureAlphaDropout(p).eval()(x) is x


def test_dropout2d_three_d_input_is_n_c_l_with_torchs_warning():
    np.random.seed(0)
    with pytest.warns(UserWarning, match="Dropout2d: received a 3-d input"):
        y = nn.Dropout2d(0.5)(engine.ones(8, 16, 5)).numpy()
    assert np.all((y == 0).all(-1) | (y == 2.0).all(-1))
    assert 0 < (y[..., 0] == 0).mean() < 1
    with pytest.raises(ValueError, match=r"Dropout3d: expected a 4-d or 5-d input, got shape \(2, 3, 4\)"):
        nn.Dropout3d()(engine.zeros(2, 3, 4))


# ---- Hardtanh ----------------------------------------------------------------------------------------
def test_hardtanh_matches_torch_and_deprecated_aliases():
    check_layer(nn.Hardtanh(-0.5, 0.7), torch.nn.Hardtanh(-0.5, 0.7), (4, 5))
    with pytest.warns(FutureWarning, match="`min_value` is deprecated and renamed to `min_val`"):
        k = nn.Hardtanh(min_value=-2.0)
    with pytest.warns(FutureWarning, match="`max_value` is deprecated and renamed to `max_val`"):
        k2 = nn.Hardtanh(max_value=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t, t2 = torch.nn.Hardtanh(min_value=-2.0), torch.nn.Hardtanh(max_value=3.0)
    assert (k.min_val, k.max_val, k2.min_val, k2.max_val) == (t.min_val, t.max_val, t2.min_val, t2.max_val)
    check_layer(k, t, (3, 6))
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(1.0\) must be greater than min_val \(2.0\)"):
        nn.Hardtanh(2.0, 1.0)


@pytest.mark.parametrize("make", [lambda lib: lib.Hardtanh(-0.5, 0.5, True), lambda lib: lib.ReLU6(True),
                                  lambda lib: lib.Threshold(0.2, -3.0, True)])
def test_inplace_activations_write_into_a_non_leaf_as_torch(make):
    data = np.random.default_rng(4).standard_normal((3, 5)) * 4
    kx = engine.tensor(data, dtype="float64", requires_grad=True)
    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    ky, ty = kx * 1.5, tx * 1.5
    ko, to = make(nn)(ky), make(torch.nn)(ty)
    assert ko is ky and to is ty
    np.testing.assert_allclose(ky.numpy(), ty.detach().numpy(), atol=1e-12)
    (ko * ko).sum().backward()
    (to * to).sum().backward()
    np.testing.assert_allclose(kx.grad.numpy(), tx.grad.numpy(), atol=1e-12)


# ---- padding -----------------------------------------------------------------------------------------
PADS = [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad1d", ((1, 3),), (3, 5)),
    ("ZeroPad2d", (1,), (2, 3, 4, 5)), ("ZeroPad2d", ((1, 0, 2, 3),), (3, 4, 5)),
    ("ZeroPad3d", ((1, 0, 2, 1, 0, 2),), (1, 2, 3, 4, 3)), ("ZeroPad3d", (1,), (2, 3, 2, 3)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad1d", ((-1, 2), -1.0), (3, 5)),
    ("ConstantPad2d", ((1, 2, 0, 1), 0.5), (2, 2, 3, 3)), ("ConstantPad3d", (1, 2.0), (2, 2, 2, 3)),
    ("ConstantPad3d", ((0, 1, 2, 0, 1, 1), -2.0), (1, 2, 2, 3, 3)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad1d", ((3, 1),), (2, 5)),
    ("ReflectionPad2d", ((1, 2, 2, 0),), (2, 2, 4, 5)), ("ReflectionPad2d", (2,), (2, 3, 4)),
    ("ReflectionPad3d", ((1, 0, 2, 1, 1, 2),), (1, 2, 3, 4, 3)), ("ReflectionPad3d", (1,), (2, 3, 2, 3)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)), ("ReplicationPad1d", (2,), (3, 1)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 3)), ("ReplicationPad2d", ((0, 3, 1, 2),), (2, 3, 3)),
    ("ReplicationPad3d", ((2, 1, 0, 2, 1, 1),), (2, 1, 2, 3, 2)), ("ReplicationPad3d", (1,), (2, 2, 3, 2)),
    ("CircularPad1d", ((2, 3),), (2, 2, 4)), ("CircularPad1d", (1,), (3, 4)),
    ("CircularPad2d", ((1, 2, 3, 0),), (1, 2, 3, 4)), ("CircularPad2d", (2,), (2, 3, 3)),
    ("CircularPad3d", ((1, 2, 0, 1, 2, 1),), (2, 1, 3, 2, 4)), ("CircularPad3d", (1,), (2, 2, 3, 2)),
    # negative padding crops, in every mode
    ("ReflectionPad1d", ((-1, 2),), (2, 3, 5)), ("ReplicationPad1d", (-1,), (1, 2, 5)),
    ("ReplicationPad2d", ((2, -1, -2, 1),), (1, 2, 4, 5)), ("CircularPad1d", ((-1, 3),), (1, 1, 5)),
    ("CircularPad2d", ((1, -2, -1, 2),), (2, 3, 4)), ("ReflectionPad3d", ((-1, 1, 1, -1, 0, 1),), (2, 3, 3, 4)),
]


@pytest.mark.parametrize("name,args,shape", PADS)
def test_padding_layers_match_torch(name, args, shape):
    k, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert k.padding == t.padding and repr(k) == repr(t)
    check_layer(k, t, shape)


def test_padding_errors():
    with pytest.raises(ValueError, match=r"ReflectionPad2d: padding must be an int or a tuple of 4 ints "
                                         r"\(left, right, top, bottom\), got \(1, 2\)"):
        nn.ReflectionPad2d((1, 2))
    with pytest.raises(ValueError, match=r"ConstantPad1d: padding must be an int or a tuple of 2 ints"):
        nn.ConstantPad1d((1.5, 2), 0.0)
    with pytest.raises(ValueError, match=r"ReplicationPad2d: expected a 3-d \(unbatched\) or 4-d \(batched\) input, "
                                         r"got shape \(2, 3, 4, 5, 6\)"):
        nn.ReplicationPad2d(1)(engine.zeros(2, 3, 4, 5, 6))
    with pytest.raises(ValueError, match=r"pad: padding \(3, 3\) is too large for dim 2 of size 3 in reflect mode"):
        nn.ReflectionPad1d(3)(engine.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r"pad: padding \(0, 3\) is too large for dim 2 of size 3 in reflect mode"):
        nn.ReflectionPad1d((-2, 3))(engine.zeros(1, 2, 5))  # 3 left after cropping (torch measures against 5)
    with pytest.raises(ValueError, match="pad: padding length 6 must be even and at most twice the 2 dims"):
        nn.ZeroPad3d(1)(engine.zeros(2, 3))


# ---- activations over functional forms -------------------------------------------------------------
ACTIVATIONS = [
    (lambda lib: lib.Softshrink(), (4, 6)), (lambda lib: lib.Softshrink(0.9), (2, 3, 4)),
    (lambda lib: lib.Hardshrink(0.3), (4, 6)), (lambda lib: lib.Tanhshrink(), (3, 5)),
    (lambda lib: lib.Threshold(0.1, 20.0), (4, 6)), (lambda lib: lib.GLU(), (3, 6)),
    (lambda lib: lib.GLU(1), (2, 4, 3)), (lambda lib: lib.RReLU().eval(), (4, 6)),
    (lambda lib: lib.RReLU(0.05, 0.6).eval(), (2, 3, 4)), (lambda lib: lib.Softmax2d(), (2, 3, 4, 4)),
    (lambda lib: lib.Softmax2d(), (3, 2, 5)), (lambda lib: lib.ChannelShuffle(2), (2, 6, 3, 2)),
    (lambda lib: lib.ChannelShuffle(3), (2, 6, 4)),
]


@pytest.mark.parametrize("make,shape", ACTIVATIONS)
def test_activation_modules_match_torch(make, shape):
    k, t = make(nn), make(torch.nn)
    assert repr(k) == repr(t)
    check_layer(k, t, shape)


def test_channel_shuffle_order_and_errors():
    x = engine.arange(6, dtype="float64").reshape((1, 6, 1))
    np.testing.assert_array_equal(nn.ChannelShuffle(2)(x).numpy().ravel(), [0, 3, 1, 4, 2, 5])
    with pytest.raises(RuntimeError, match="channel_shuffle: number of channels must be divisible by groups. "
                                           "Got 5 channels and 2 groups."):
        nn.ChannelShuffle(2)(engine.zeros(1, 5, 2, 2))
    with pytest.raises(RuntimeError, match=r"channel_shuffle: expects input with > 2 dims, .* shape \(2, 4\)"):
        nn.ChannelShuffle(2)(engine.zeros(2, 4))
    with pytest.raises(ValueError, match=r"Softmax2d: expected input to be 3D or 4D, got 2D \(shape \(2, 3\)\)"):
        nn.Softmax2d()(engine.zeros(2, 3))
    with pytest.raises(RuntimeError, match="glu: halving dimension must be even"):
        nn.GLU(1)(engine.zeros(2, 3))


def test_rrelu_training_draws_uniform_slopes_per_element():
    np.random.seed(0)
    lower, upper = 0.1, 0.4
    m = nn.RReLU(lower, upper)
    data = np.concatenate([-np.ones(20000), np.full(100, 2.0)])
    x = engine.tensor(data, dtype="float64", requires_grad=True)
    y = m(x)
    y.sum().backward()
    slopes = -y.numpy()[:20000]
    assert slopes.min() >= lower and slopes.max() <= upper
    assert abs(slopes.mean() - (lower + upper) / 2) < 0.003
    assert abs(slopes.var() - (upper - lower) ** 2 / 12) < 0.0005
    assert len(np.unique(slopes)) > 19000  # one draw per element
    np.testing.assert_allclose(x.grad.numpy()[:20000], slopes, atol=1e-15)  # gradient is the drawn slope
    assert np.all(y.numpy()[20000:] == 2.0) and np.all(x.grad.numpy()[20000:] == 1.0)
    np.testing.assert_allclose(m.eval()(x).numpy()[:3], -(lower + upper) / 2)


# ---- Bilinear and UpsamplingBilinear2d -------------------------------------------------------------
@pytest.mark.parametrize("bias,shape,split", [(True, (5, 7), 3), (False, (2, 3, 7), 3), (True, (7,), 3)])
def test_bilinear_matches_torch(bias, shape, split):
    call = lambda layer, x: layer(x[..., :split], x[..., split:])  # noqa: E731
    check_layer(nn.Bilinear(3, 4, 2, bias), torch.nn.Bilinear(3, 4, 2, bias), shape, call=call)


def test_bilinear_init_and_errors():
    np.random.seed(0)
    m = nn.Bilinear(16, 3, 200)
    bound = 1 / 4.0  # 1 / sqrt(in1_features)
    w, b = m.weight.numpy(), m.bias.numpy()
    assert w.shape == (200, 16, 3) and b.shape == (200,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.005 and np.abs(b).max() > 0.9 * bound
    with pytest.raises(RuntimeError, match=r"Bilinear: input batch dimensions do not match: input1 \(5, 16\), "
                                           r"input2 \(4, 3\)"):
        m(engine.zeros(5, 16), engine.zeros(4, 3))
    with pytest.raises(RuntimeError, match=r"bilinear: inputs \(5, 3\), \(5, 3\) do not match weight"):
        m(engine.zeros(5, 3), engine.zeros(5, 3))
    with pytest.raises(ValueError, match="Bilinear: feature counts must be positive"):
        nn.Bilinear(0, 3, 2)


@pytest.mark.parametrize("kwargs,shape", [({"scale_factor": 2}, (2, 3, 4, 5)), ({"size": (5, 7)}, (1, 2, 3, 4)),
                                          ({"size": 6}, (1, 1, 3, 2))])
def test_upsampling_bilinear2d_matches_torch(kwargs, shape):
    k, t = nn.UpsamplingBilinear2d(**kwargs), torch.nn.UpsamplingBilinear2d(**kwargs)
    assert k.align_corners is True and repr(k) == repr(t)
    check_layer(k, t, shape)


def test_inplace_on_a_view_in_a_graph_returns_a_new_tensor_with_a_warning():
    data = np.random.default_rng(5).standard_normal((4, 6)) * 3
    kx = engine.tensor(data, dtype="float64", requires_grad=True)
    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    kv, tv = (kx * 1.0).reshape((4, 2, 3)), (tx * 1.0).reshape((4, 2, 3))
    with pytest.warns(UserWarning, match=r"Hardtanh\(inplace=True\): the input \(shape \(4, 2, 3\)\) is a view"):
        ko = nn.Hardtanh(-1.0, 2.0, True)(kv)
    to = torch.nn.Hardtanh(-1.0, 2.0, True)(tv)
    assert ko is not kv
    np.testing.assert_allclose(ko.numpy(), to.detach().numpy(), atol=1e-12)
    (ko * ko).sum().backward()
    (to * to).sum().backward()
    np.testing.assert_allclose(kx.grad.numpy(), tx.grad.numpy(), atol=1e-12)
