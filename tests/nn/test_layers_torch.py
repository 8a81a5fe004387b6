"""The layers torch programs use beyond DESIGN.md's list, against torch: a torch state dict loaded
through NumPy arrays, the same float64 input, outputs and input/parameter gradients compared
(Conv1d, ConvTranspose1d, GroupNorm, InstanceNorm, LocalResponseNorm, Upsample, PixelShuffle,
Unflatten, Identity, GELU and the modules over torch-named F functions); the random layers
(Dropout1d/2d, AlphaDropout) by the structure of what they produce."""
import numpy as np
import pytest

import engine
import nn
import nn.functional as F

from ._torch_parity import assert_close, backward_both, check_layer as _check_layer, pair

torch = pytest.importorskip("torch")


CONV1D = [
    (dict(), (2, 4, 9)),
    (dict(stride=2, padding=2, dilation=2), (2, 4, 11)),
    (dict(groups=2, bias=False), (2, 4, 7)),
    (dict(padding="same", dilation=3), (1, 4, 8)),  # total padding 6: symmetric
    (dict(padding="same", kernel_size=4), (2, 4, 8)),  # total padding 3: one more on the right
    (dict(padding=2, padding_mode="reflect"), (2, 4, 6)),
    (dict(padding=3, padding_mode="circular"), (2, 4, 6)),
    (dict(padding=1, padding_mode="replicate", stride=2), (2, 4, 6)),
    (dict(padding="valid"), (4, 9)),  # unbatched (C, L)
]


@pytest.mark.parametrize("kw,shape", CONV1D, ids=[str(i) for i in range(len(CONV1D))])
def test_conv1d_matches_torch(kw, shape):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    torch.manual_seed(0)
    _check_layer(nn.Conv1d(4, 6, k, **kw), torch.nn.Conv1d(4, 6, k, **kw), shape)


CONVT1D = [
    (dict(), (2, 4, 5), None),
    (dict(stride=2, padding=1, output_padding=1), (2, 4, 5), None),
    (dict(groups=2, dilation=2, bias=False), (2, 4, 5), None),
    (dict(stride=3), (2, 4, 4), [12]),  # output_size picks output_padding = 2
    (dict(stride=2), (4, 5), None),  # unbatched
]


@pytest.mark.parametrize("kw,shape,out_size", CONVT1D, ids=[str(i) for i in range(len(CONVT1D))])
def test_conv_transpose1d_matches_torch(kw, shape, out_size):
    torch.manual_seed(0)
    call = None if out_size is None else (lambda m, x: m(x, output_size=out_size))
    km, _ = _check_layer(nn.ConvTranspose1d(4, 6, 3, **kw), torch.nn.ConvTranspose1d(4, 6, 3, **kw), shape, call=call)
    assert tuple(km.weight.shape) == (4, 6 // kw.get("groups", 1), 3)


def test_conv1d_default_init_and_errors():
    m = nn.Conv1d(4, 6, 3)
    bound = 1 / np.sqrt(4 * 3)
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.bias.numpy()).max() <= bound
    with pytest.raises(ValueError, match=r"Conv1d: expected input of shape \(N, 4, L\) or \(4, L\), got \(2, 3, 5\)"):
        m(engine.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="must both be divisible by groups 4"):
        nn.Conv1d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv1d(4, 6, 3, stride=2, padding="same")


@pytest.mark.parametrize("shape", [(3, 6, 5), (2, 6, 3, 4)])
def test_group_norm_matches_torch(shape):
    torch.manual_seed(0)
    km, tm = nn.GroupNorm(3, 6), torch.nn.GroupNorm(3, 6)
    with torch.no_grad():
        tm.weight.uniform_(0.5, 1.5)
        tm.bias.uniform_(-0.5, 0.5)
    _check_layer(km, tm, shape)


@pytest.mark.parametrize("cls,shape,kw", [
    ("InstanceNorm1d", (3, 4, 6), {}),
    ("InstanceNorm1d", (4, 6), dict(affine=True)),  # unbatched
    ("InstanceNorm2d", (2, 4, 3, 5), dict(affine=True)),
])
def test_instance_norm_matches_torch(cls, shape, kw):
    torch.manual_seed(0)
    km, tm = getattr(nn, cls)(4, **kw), getattr(torch.nn, cls)(4, **kw)
    if kw.get("affine"):
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
            tm.bias.uniform_(-0.5, 0.5)
    _check_layer(km, tm, shape)


def test_instance_norm_running_stats_match_torch():
    torch.manual_seed(0)
    km, tm = nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3), \
        torch.nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3)
    assert list(km.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(5)
    tm.double()
    km.double()
    for _ in range(2):
        tx, kx = pair(torch, rng.standard_normal((2, 3, 4, 4)) * 2 + 1)
        assert_close(km(kx), tm(tx), atol=1e-10)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(km.state_dict()[name].numpy(), tm.state_dict()[name].numpy(), atol=1e-12)
    km.eval()
    tm.eval()
    _check_layer(km, tm, (2, 3, 4, 4), seed=6)


def test_local_response_norm_matches_torch():
    _check_layer(nn.LocalResponseNorm(3, alpha=0.5, beta=0.75, k=2.0), torch.nn.LocalResponseNorm(3, 0.5, 0.75, 2.0),
                 (2, 5, 3, 3))
    _check_layer(nn.LocalResponseNorm(2), torch.nn.LocalResponseNorm(2), (2, 4, 6))


@pytest.mark.parametrize("kw,shape", [
    (dict(scale_factor=2), (2, 3, 4, 5)),
    (dict(size=(7, 3)), (1, 2, 4, 5)),
    (dict(scale_factor=1.5), (1, 2, 5)),
    (dict(size=4), (1, 2, 3, 2, 2)),
])
def test_upsample_nearest_matches_torch(kw, shape):
    _check_layer(nn.Upsample(**kw), torch.nn.Upsample(**kw), shape)


def test_pixel_shuffle_unflatten_identity_match_torch():
    _check_layer(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (2, 8, 3, 4))
    _check_layer(nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), (2, 3, 4, 6))
    _check_layer(nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), (4, 6, 2))
    _check_layer(nn.Identity(54, unused="x"), torch.nn.Identity(54, unused="x"), (3, 2))
    with pytest.raises(RuntimeError, match="pixel_shuffle expects its input's 'channel' dimension to be divisible"):
        nn.PixelShuffle(2)(engine.zeros(1, 6, 2, 2))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate):
    _check_layer(nn.GELU(approximate), torch.nn.GELU(approximate), (4, 7), atol=1e-6)


def test_channel_dropout_zeroes_whole_channels():
    np.random.seed(0)
    x = engine.ones(8, 16, 5, 5)
    y = nn.Dropout2d(0.25)(x).numpy()
    per_channel = y.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.75).all(-1))
    assert 0.1 < (per_channel[..., 0] == 0).mean() < 0.4
    y1 = nn.Dropout1d(0.5)(engine.ones(6, 10)).numpy()  # unbatched (C, L)
    assert np.all((y1 == 0).all(-1) | (y1 == 2.0).all(-1))
    m = nn.Dropout1d(0.5).eval()
    x3 = engine.randn(2, 3, 4)
    assert m(x3) is x3
    with pytest.raises(ValueError, match=r"Dropout1d: expected a 2-d or 3-d input, got shape \(2, 3, 4, 5\)"):
        nn.Dropout1d()(engine.zeros(2, 3, 4, 5))


def test_alpha_dropout_keeps_selu_statistics():
    np.random.seed(1)
    p, alpha = 0.2, 1.7580993408473766
    a = ((alpha * alpha * p + 1) * (1 - p)) ** -0.5
    x = engine.randn(200, 500, dtype="float64")
    y = nn.AlphaDropout(p)(x).numpy()
    kept = np.isclose(y, a * x.numpy() + alpha * a * p)
    dropped = np.isclose(y, a * alpha * (p - 1))
    assert np.all(kept | dropped) and abs(dropped.mean() - p) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert nn.AlphaDropout(p).eval()(x) is x


# modules over torch-named functional forms: each case runs where this build's F has the function
WRAPPED = [
    ("celu", lambda lib: lib.CELU(0.7), [(3, 4)]),
    ("selu", lambda lib: lib.SELU(), [(3, 4)]),
    ("hardswish", lambda lib: lib.Hardswish(), [(3, 4)]),
    ("hardsigmoid", lambda lib: lib.Hardsigmoid(), [(3, 4)]),
    ("softmin", lambda lib: lib.Softmin(dim=1), [(3, 4)]),
    ("cosine_similarity", lambda lib: lib.CosineSimilarity(dim=1), [(3, 4), (3, 4)]),
    ("pairwise_distance", lambda lib: lib.PairwiseDistance(), [(3, 4), (3, 4)]),
    ("huber_loss", lambda lib: lib.HuberLoss(delta=0.5), [(3, 4), (3, 4)]),
    ("kl_div", lambda lib: lib.KLDivLoss(reduction="batchmean", log_target=True), [(3, 4), (3, 4)]),
    ("margin_ranking_loss", lambda lib: lib.MarginRankingLoss(0.1), [(5,), (5,), "sign5"]),
    ("hinge_embedding_loss", lambda lib: lib.HingeEmbeddingLoss(), [(5,), "sign5"]),
    ("cosine_embedding_loss", lambda lib: lib.CosineEmbeddingLoss(0.1), [(5, 3), (5, 3), "sign5"]),
    ("triplet_margin_loss", lambda lib: lib.TripletMarginLoss(), [(4, 3), (4, 3), (4, 3)]),
    ("poisson_nll_loss", lambda lib: lib.PoissonNLLLoss(), [(3, 4), "count34"]),
    ("gaussian_nll_loss", lambda lib: lib.GaussianNLLLoss(), [(3, 4), (3, 4), "var34"]),
    ("multilabel_soft_margin_loss", lambda lib: lib.MultiLabelSoftMarginLoss(), [(3, 4), "bits34"]),
]


def _make_arg(spec, rng):
    if spec == "sign5":
        return np.where(rng.random(5) > 0.5, 1.0, -1.0), False
    if spec == "count34":
        return rng.integers(0, 5, (3, 4)).astype(np.float64), False
    if spec == "var34":
        return rng.random((3, 4)) + 0.5, True
    if spec == "bits34":
        return (rng.random((3, 4)) > 0.5).astype(np.float64), False
    return rng.standard_normal(spec), True


@pytest.mark.parametrize("fname,build,args", WRAPPED, ids=[w[0] for w in WRAPPED])
def test_modules_over_functional_forms_match_torch(fname, build, args):
    if not hasattr(F, fname):
        pytest.skip(f"nn.functional.{fname} is not in this build")
    rng = np.random.default_rng(7)
    made = [_make_arg(a, rng) for a in args]
    pairs = [pair(torch, arr, requires_grad=g) for arr, g in made]
    to = build(torch.nn)(*[t for t, _ in pairs])
    ko = build(nn)(*[k for _, k in pairs])
    assert_close(ko, to, atol=1e-8)
    backward_both(ko, to)
    for (t, k), (_, g) in zip(pairs, made):
        if g:
            assert_close(k.grad, t.grad, atol=1e-8)


def test_wrapper_without_functional_form_names_it(monkeypatch):
    monkeypatch.delattr(F, "selu", raising=False)
    with pytest.raises(NotImplementedError, match=r"SELU: nn.functional.selu is not available in this build"):
        nn.SELU()(engine.zeros(2))


@pytest.mark.parametrize("fname,build,args", WRAPPED, ids=[w[0] for w in WRAPPED])
def test_modules_pass_torch_arguments_to_the_functional_form(fname, build, args, monkeypatch):
    """Runs in every build: the Kiln module and the torch module call F.<fname> with the same bound
    arguments (tensors compared by position), checked against torch's own signature."""
    import inspect

    builtin_signatures = {  # torch's documented signatures of two C++ builtins
        "cosine_similarity": lambda x1, x2, dim=1, eps=1e-8: None,
        "pairwise_distance": lambda x1, x2, p=2.0, eps=1e-6, keepdim=False: None,
    }
    signature = inspect.signature(builtin_signatures.get(fname, getattr(torch.nn.functional, fname)))
    calls = {}

    def recorder(side, inputs):
        def fn(*a, **kw):
            bound = signature.bind(*a, **kw)
            bound.apply_defaults()
            calls[side] = {k: ("input", next(i for i, t in enumerate(inputs) if t is v))
                           if any(t is v for t in inputs) else v for k, v in bound.arguments.items()
                           if not k.startswith("_")}
            return inputs[0]
        return fn

    rng = np.random.default_rng(7)
    pairs = [pair(torch, arr, requires_grad=False) for arr, _ in (_make_arg(a, rng) for a in args)]
    t_inputs, k_inputs = [t for t, _ in pairs], [k for _, k in pairs]
    monkeypatch.setattr(torch.nn.functional, fname, recorder("torch", t_inputs))
    monkeypatch.setattr(F, fname, recorder("kiln", k_inputs), raising=False)
    build(torch.nn)(*t_inputs)
    build(nn)(*k_inputs)
    assert calls["kiln"] == calls["torch"]


def test_softmax_and_flatten_modules_take_torchs_argument_names():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    k, t = engine.tensor(x), torch.tensor(x)
    np.testing.assert_allclose(nn.Softmax(dim=1)(k).numpy(), torch.nn.Softmax(dim=1)(t).numpy(), rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim=-1)(k).numpy(), torch.nn.LogSoftmax(dim=-1)(t).numpy(), rtol=1e-12)
    assert nn.Flatten()(k).shape == tuple(torch.nn.Flatten()(t).shape) == (2, 60)
    assert nn.Flatten(start_dim=0, end_dim=2)(k).shape == tuple(torch.nn.Flatten(0, 2)(t).shape) == (24, 5)
    assert nn.Unflatten(1, (1, 3))(k).shape == tuple(torch.nn.Unflatten(1, (1, 3))(t).shape)
    with pytest.raises(RuntimeError, match="unflatten: sizes \\[2, 2\\] don't multiply up to the size of dim 1"):
        nn.Unflatten(1, (2, 2))(k)
