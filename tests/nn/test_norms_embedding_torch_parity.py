"""nn.Embedding (max_norm, norm_type, scale_grad_by_freq, _freeze, from_pretrained), the norms' keyword-only
``bias=`` (BatchNorm1d/2d/3d, GroupNorm, InstanceNorm1d/2d/3d, LayerNorm), BatchNorm3d, InstanceNorm3d,
RMSNorm / F.rms_norm, Conv3d, ConvTranspose3d and F.conv_transpose3d against the same torch layers in float64: outputs, input and parameter
gradients, running statistics in train and eval; torch's signatures and positional order; the errors."""
import inspect

import numpy as np
import pytest

import engine
import nn
import nn.functional as F

from ._torch_parity import assert_close, backward_both, check_layer, load_from_torch, pair

torch = pytest.importorskip("torch")

SIGNATURES = ["Embedding", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d",
              "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "RMSNorm", "Conv3d", "ConvTranspose3d"]


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", SIGNATURES)
def test_constructor_signature_is_torchs(name):
    assert _params(getattr(nn, name).__init__) == _params(getattr(torch.nn, name).__init__)


def test_functional_and_from_pretrained_signatures_are_torchs():
    assert _params(nn.Embedding.from_pretrained) == _params(torch.nn.Embedding.from_pretrained)
    for name in ("embedding", "rms_norm", "group_norm", "instance_norm"):
        assert [p[0] for p in _params(getattr(F, name))] == [p[0] for p in _params(getattr(torch.nn.functional, name))]
    # torch's conv_transpose3d is a builtin without a signature object; its documented order:
    assert [p[0] for p in _params(F.conv_transpose3d)] == ["input", "weight", "bias", "stride", "padding",
                                                            "output_padding", "groups", "dilation"]


# ---- Embedding ---------------------------------------------------------------------------------------------

IDX = np.array([[1, 4, 4, 0], [2, 4, 1, 6]])


def _embedding_pair(*args, **kw):
    torch.manual_seed(0)
    t = torch.nn.Embedding(7, 3, *args, **kw).double()
    with torch.no_grad():
        t.weight.mul_(2.0)  # several rows above max_norm 1.5
    k = load_from_torch(nn.Embedding(7, 3, *args, **kw).double(), t)
    return k, t


def _run_embedding(k, t, idx=IDX):
    ko, to = k(engine.tensor(idx)), t(torch.tensor(idx))
    assert_close(ko, to, atol=1e-12, what="output")
    assert_close(k.weight, t.weight, atol=1e-12, what="weight after the lookup")
    backward_both(ko, to)
    assert_close(k.weight.grad, t.weight.grad, atol=1e-12, what="weight grad")


def test_positional_order_max_norm_is_fourth():
    """torch's order: nn.Embedding(10, 3, 0, 1.0) means padding_idx=0, max_norm=1.0 (Kiln took 1.0 as _weight)."""
    e = nn.Embedding(10, 3, 0, 1.0, 1.0, True, False, None, True)
    assert (e.padding_idx, e.max_norm, e.norm_type, e.scale_grad_by_freq, e.sparse) == (0, 1.0, 1.0, True, False)
    assert tuple(e.weight.shape) == (10, 3) and e.weight.requires_grad is False  # _freeze
    assert repr(e) == repr(torch.nn.Embedding(10, 3, 0, 1.0, 1.0, True))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_max_norm_renormalises_looked_up_rows_in_place_like_torch(norm_type):
    k, t = _embedding_pair(max_norm=1.5, norm_type=norm_type)
    before = k.weight.numpy().copy()
    _run_embedding(k, t)
    untouched = [3, 5]  # rows the input does not name keep their (large) norms
    np.testing.assert_array_equal(k.weight.numpy()[untouched], before[untouched])
    assert np.linalg.norm(before[untouched], ord=norm_type, axis=1).max() > 1.5
    picked = np.unique(IDX)
    assert np.linalg.norm(k.weight.numpy()[picked], ord=norm_type, axis=1).max() <= 1.5


def test_scale_grad_by_freq_with_padding_idx_like_torch():
    k, t = _embedding_pair(padding_idx=4, scale_grad_by_freq=True)
    _run_embedding(k, t)
    assert np.all(k.weight.grad.numpy()[4] == 0)


def test_all_options_together_like_torch():
    k, t = _embedding_pair(1, 1.5, 2.0, True)
    _run_embedding(k, t, idx=np.array([3, 3, 3, 1, 0, 6]))


def test_functional_embedding_max_norm_writes_weight_and_bumps_version():
    rng = np.random.default_rng(1)
    w_np = rng.standard_normal((5, 4)) * 3
    tw, kw = pair(torch, w_np.copy())
    tw2 = tw.detach().clone()
    v0 = kw._version
    ko = F.embedding(engine.tensor([0, 2, 2]), kw, None, 1.0, 2.0, True)
    to = torch.nn.functional.embedding(torch.tensor([0, 2, 2]), tw2, None, 1.0, 2.0, True)
    assert_close(ko, to, atol=1e-12)
    assert_close(kw, tw2, atol=1e-12, what="renormalised weight")
    assert kw._version > v0
    np.testing.assert_array_equal(kw.numpy()[[1, 3, 4]], w_np[[1, 3, 4]])


def test_sparse_is_refused_by_name():
    with pytest.raises(NotImplementedError, match=r"Embedding: sparse=True asks for sparse gradients"):
        nn.Embedding(4, 2, sparse=True)
    with pytest.raises(NotImplementedError, match=r"embedding: sparse=True"):
        F.embedding(engine.tensor([0]), engine.randn(4, 2), sparse=True)
    with pytest.raises(NotImplementedError, match=r"sparse=True"):
        nn.Embedding.from_pretrained(engine.randn(4, 2), sparse=True)


def test_from_pretrained_freeze_padding_and_sharing():
    w = engine.tensor(np.arange(12.0).reshape(4, 3))
    e = nn.Embedding.from_pretrained(w, padding_idx=2)
    te = torch.nn.Embedding.from_pretrained(torch.tensor(np.arange(12.0).reshape(4, 3)), padding_idx=2)
    assert e.weight.requires_grad is False and te.weight.requires_grad is False
    assert_close(e.weight, te.weight)  # the padding row is not zeroed, as torch
    assert np.shares_memory(e.weight.array, w.array)
    trainable = nn.Embedding.from_pretrained(w, freeze=False, max_norm=5.0)
    assert trainable.weight.requires_grad and trainable.max_norm == 5.0
    with pytest.raises(ValueError, match=r"from_pretrained: embeddings must be 2-d, got shape \(12,\)"):
        nn.Embedding.from_pretrained(engine.tensor(np.arange(12.0)))


def test_embedding_errors():
    with pytest.raises(ValueError, match=r"Embedding: padding_idx 5 is out of range for 4 rows"):
        nn.Embedding(4, 2, 5)
    with pytest.raises(ValueError, match=r"embedding: padding_idx -5 is out of range for 4 embeddings"):
        F.embedding(engine.tensor([0]), engine.randn(4, 2), -5)
    w = engine.randn(4, 2)
    before = w.numpy().copy()
    with pytest.raises(IndexError, match=r"indices span \[0, 4\] but there are 4 embeddings"):
        F.embedding(engine.tensor([0, 4]), w, max_norm=0.1)
    np.testing.assert_array_equal(w.numpy(), before)  # refused before any renormalisation


# ---- the norms' keyword-only bias=, BatchNorm3d, InstanceNorm3d ------------------------------------------

def _train_then_eval(kcls, tcls, args, kw, shape):
    """Two training steps (outputs, gradients, running statistics) then one evaluation step, against torch."""
    torch.manual_seed(0)
    t = tcls(*args, **kw).double()
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_(0.5, 1.5)
    k = load_from_torch(kcls(*args, **kw).double(), t)
    for step in range(2):
        check_layer(k, t, shape, seed=step)
        for name, buf in t.named_buffers():
            assert_close(getattr(k, name), buf, atol=1e-12, what=f"{name} after training step {step}")
        k.zero_grad(), t.zero_grad()
    k.eval(), t.eval()
    check_layer(k, t, shape, seed=5)
    return k, t


NORMS = [
    ("BatchNorm1d", (3,), dict(bias=False), (4, 3, 5)),
    ("BatchNorm1d", (3,), dict(momentum=None), (6, 3)),
    ("BatchNorm2d", (3,), dict(bias=False), (2, 3, 4, 3)),
    ("BatchNorm3d", (3,), dict(), (2, 3, 3, 2, 4)),
    ("BatchNorm3d", (3,), dict(bias=False, momentum=None), (2, 3, 2, 2, 3)),
    ("BatchNorm3d", (3,), dict(affine=False, track_running_stats=False), (2, 3, 2, 3, 2)),
    ("GroupNorm", (2, 4), dict(bias=False), (2, 4, 3, 2)),
    ("InstanceNorm1d", (3,), dict(affine=True, bias=False), (2, 3, 6)),
    ("InstanceNorm2d", (3,), dict(affine=True, bias=False, track_running_stats=True), (2, 3, 4, 3)),
    ("InstanceNorm3d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 3, 2, 4)),
    ("InstanceNorm3d", (3,), dict(), (3, 2, 3, 4)),  # unbatched (C, D, H, W)
    ("LayerNorm", ((3, 4),), dict(bias=False), (2, 3, 4)),
]


@pytest.mark.parametrize("name,args,kw,shape", NORMS, ids=[f"{n}-{i}" for i, (n, *_rest) in enumerate(NORMS)])
def test_norm_matches_torch_in_train_and_eval(name, args, kw, shape):
    k, t = _train_then_eval(getattr(nn, name), getattr(torch.nn, name), args, kw, shape)
    assert repr(k) == repr(t).replace("torch.", "")
    if kw.get("bias") is False:
        assert k.bias is None and k.weight is not None
        assert set(k.state_dict()) == set(t.state_dict())


def test_bias_is_keyword_only():
    with pytest.raises(TypeError):
        nn.BatchNorm2d(3, 1e-5, 0.1, True, True, None, None, False)
    with pytest.raises(TypeError):
        nn.GroupNorm(1, 3, 1e-5, True, None, None, False)
    assert nn.LayerNorm(3, 1e-5, True, False).bias is None  # LayerNorm's bias is positional, as torch


def test_3d_norms_refuse_other_ranks():
    with pytest.raises(ValueError, match=r"BatchNorm3d: expected a 5-d input, got shape \(2, 3, 4, 4\)"):
        nn.BatchNorm3d(3)(engine.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"InstanceNorm3d: expected a 4-d \(unbatched\) or 5-d input"):
        nn.InstanceNorm3d(3)(engine.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm3d: input of shape \(2, 4, 2, 2, 2\) has 4 channels, expected 3"):
        nn.BatchNorm3d(3)(engine.randn(2, 4, 2, 2, 2))


# ---- RMSNorm -----------------------------------------------------------------------------------------------

RMS = [
    ((4,), dict(), (3, 4)),
    ([2, 3], dict(eps=1e-3), (2, 2, 3)),
    (3, dict(elementwise_affine=False), (2, 5, 3)),
    (4, dict(eps=0.5), (4,)),
]


@pytest.mark.parametrize("ns,kw,shape", RMS, ids=[str(i) for i in range(len(RMS))])
def test_rms_norm_matches_torch(ns, kw, shape):
    torch.manual_seed(0)
    t = torch.nn.RMSNorm(ns, **kw)
    if t.weight is not None:
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
    k, _ = check_layer(nn.RMSNorm(ns, **kw), t, shape, atol=1e-12)
    assert repr(k) == repr(t)


def test_rms_norm_default_eps_is_the_input_types_epsilon():
    """eps=None: float64 input uses float64's epsilon, float32 input float32's (visible on a zero row)."""
    x = np.zeros((1, 4))
    x[0, 0] = 1e-8
    for dtype, tdtype in (("float64", torch.float64), ("float32", torch.float32)):
        k = F.rms_norm(engine.tensor(x, dtype=dtype), (4,))
        t = torch.nn.functional.rms_norm(torch.tensor(x, dtype=tdtype), (4,))
        np.testing.assert_allclose(k.numpy(), t.numpy(), rtol=1e-6)
    assert F.rms_norm(engine.tensor(x, dtype="float32"), (4,)).numpy()[0, 0] < 1e-3  # float32 eps dominates


def test_functional_rms_norm_with_weight_gradients():
    rng = np.random.default_rng(3)
    (tx, kx), (tw, kw) = pair(torch, rng.standard_normal((2, 3, 4))), pair(torch, rng.standard_normal((3, 4)))
    ko, to = F.rms_norm(kx, [3, 4], kw, 1e-6), torch.nn.functional.rms_norm(tx, [3, 4], tw, 1e-6)
    assert_close(ko, to, atol=1e-12)
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="input grad")
    assert_close(kw.grad, tw.grad, atol=1e-12, what="weight grad")


def test_rms_norm_errors():
    with pytest.raises(ValueError, match=r"rms_norm: input of shape \(2, 3\) does not end with normalized_shape \(4,\)"):
        nn.RMSNorm(4)(engine.randn(2, 3))
    with pytest.raises(ValueError, match=r"rms_norm: weight of shape \(3,\) does not match normalized_shape \(4,\)"):
        F.rms_norm(engine.randn(2, 4), (4,), engine.ones(3))


# ---- Conv3d ------------------------------------------------------------------------------------------------

CONV3D = [
    (dict(), (2, 2, 4, 5, 4)),
    (dict(stride=(2, 1, 2), padding=(1, 0, 2), dilation=(1, 2, 1)), (2, 2, 5, 6, 5)),
    (dict(groups=2, bias=False), (1, 2, 3, 4, 4)),
    (dict(padding="same", dilation=(2, 1, 1)), (1, 2, 5, 4, 3)),
    (dict(kernel_size=(2, 3, 4), padding="same"), (1, 2, 4, 4, 5)),  # even kernels: one more at the end
    (dict(padding="valid"), (1, 2, 3, 4, 3)),
    (dict(padding=1, padding_mode="reflect"), (1, 2, 3, 4, 3)),
    (dict(padding=(1, 2, 1), padding_mode="replicate", stride=2), (1, 2, 3, 4, 3)),
    (dict(padding=(2, 1, 1), padding_mode="circular", groups=2), (1, 2, 3, 4, 3)),
    (dict(kernel_size=(2, 3, 2), padding="same", padding_mode="circular"), (1, 2, 3, 4, 3)),
    (dict(padding=1), (2, 3, 4, 3)),  # unbatched (C, D, H, W)
]


@pytest.mark.parametrize("kw,shape", CONV3D, ids=[str(i) for i in range(len(CONV3D))])
def test_conv3d_matches_torch(kw, shape):
    args = (2, 4, kw.get("kernel_size", 3))
    rest = {name: value for name, value in kw.items() if name != "kernel_size"}
    torch.manual_seed(0)
    km, tm = check_layer(nn.Conv3d(*args, **rest), torch.nn.Conv3d(*args, **rest), shape)
    assert (tuple(km.weight.shape), repr(km)) == (tuple(tm.weight.shape), repr(tm))


def test_conv3d_positional_order_and_default_init():
    m = nn.Conv3d(4, 8, 3, 2, 1, 1, 4, False, "replicate")
    assert (m.stride, m.padding, m.groups, m.bias, m.padding_mode) == ((2, 2, 2), (1, 1, 1), 4, None, "replicate")
    assert tuple(m.weight.shape) == (8, 1, 3, 3, 3)
    bound = 1 / np.sqrt(1 * 27)  # kaiming_uniform_(a=sqrt(5)) with fan_in = in / groups * kd * kh * kw
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.weight.numpy()).max() > 0.5 * bound


def test_conv3d_errors():
    with pytest.raises(ValueError, match=r"Conv3d: padding='same' is not supported for strided convolutions"):
        nn.Conv3d(2, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv3d: in_channels 2 and out_channels 4 must both be divisible by groups 3"):
        nn.Conv3d(2, 4, 3, groups=3)
    with pytest.raises(ValueError, match=r"Conv3d: padding_mode must be one of"):
        nn.Conv3d(2, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"Conv3d: padding must be an int, 3 ints, 'valid' or 'same', got 'full'"):
        nn.Conv3d(2, 4, 3, padding="full")
    with pytest.raises(ValueError, match=r"Conv3d: expected input of shape \(N, 2, D, H, W\) or \(2, D, H, W\), "
                                         r"got \(1, 3, 4, 4, 4\)"):
        nn.Conv3d(2, 4, 3)(engine.randn(1, 3, 4, 4, 4))


# ---- ConvTranspose3d / F.conv_transpose3d ------------------------------------------------------------------

CONVT3D = [
    (dict(), (2, 2, 3, 2, 3), None),
    (dict(stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), bias=False), (1, 2, 3, 3, 2), None),
    (dict(groups=2, dilation=(2, 1, 2), stride=(1, 2, 1)), (2, 2, 2, 3, 2), None),
    (dict(dilation=(3, 1, 1), output_padding=(2, 0, 0)), (1, 2, 2, 2, 2), None),  # depth output pad >= stride
    (dict(stride=2, padding=1), (2, 3, 2, 3), (6, 4, 5)),  # unbatched; output_size picks output_padding (1, 1, 0)
]


@pytest.mark.parametrize("kw,shape,out_size", CONVT3D, ids=[str(i) for i in range(len(CONVT3D))])
def test_conv_transpose3d_matches_torch(kw, shape, out_size):
    call = None if out_size is None else (lambda m, x: m(x, output_size=out_size))
    torch.manual_seed(0)
    km, tm = check_layer(nn.ConvTranspose3d(2, 4, 3, **kw), torch.nn.ConvTranspose3d(2, 4, 3, **kw), shape,
                         call=call)
    assert (tuple(km.weight.shape), repr(km)) == (tuple(tm.weight.shape), repr(tm))


def test_conv_transpose3d_positional_order_and_functional_form():
    m = nn.ConvTranspose3d(4, 6, 3, 2, 1, 1, 2, False, 1)
    assert (m.stride, m.padding, m.output_padding, m.groups, m.bias, m.dilation) == (
        (2, 2, 2), (1, 1, 1), (1, 1, 1), 2, None, (1, 1, 1))
    assert tuple(m.weight.shape) == (4, 3, 3, 3, 3)
    rng = np.random.default_rng(4)
    (tx, kx), (tw, kw) = pair(torch, rng.standard_normal((1, 4, 2, 3, 2))), pair(torch, rng.standard_normal((4, 3, 2, 2, 3)))
    args = (None, (3, 1, 2), (1, 0, 1), (2, 0, 1), 2, (1, 2, 1))
    ko, to = F.conv_transpose3d(kx, kw, *args), torch.nn.functional.conv_transpose3d(tx, tw, *args)
    assert_close(ko, to, atol=1e-12)
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="input grad")
    assert_close(kw.grad, tw.grad, atol=1e-12, what="weight grad")


def test_conv_transpose3d_is_twice_differentiable():
    rng = np.random.default_rng(5)
    x = engine.tensor(rng.standard_normal((1, 2, 2, 2, 2)), requires_grad=True)
    w = engine.tensor(rng.standard_normal((2, 1, 2, 2, 2)), requires_grad=True)
    assert engine.gradcheck(lambda a, b: F.conv_transpose3d(a, b, None, 2, 1, 1, 2), (x, w))
    (gx,) = engine.grad(F.conv_transpose3d(x, w, None, 2).pow(2).sum(), (x,), create_graph=True)
    (ggw,) = engine.grad(gx.sum(), (w,))
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tw = torch.tensor(w.numpy(), requires_grad=True)
    (tgx,) = torch.autograd.grad(torch.nn.functional.conv_transpose3d(tx, tw, None, 2).pow(2).sum(), (tx,),
                                 create_graph=True)
    (tggw,) = torch.autograd.grad(tgx.sum(), (tw,))
    assert_close(ggw, tggw, atol=1e-10, what="second derivative")


def test_conv_transpose3d_errors():
    with pytest.raises(ValueError, match=r"ConvTranspose3d: padding_mode must be one of \('zeros',\), got 'reflect'"):
        nn.ConvTranspose3d(2, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested output_size \(9, 9, 9\) is not reachable"):
        nn.ConvTranspose3d(2, 4, 3, stride=2)(engine.randn(1, 2, 2, 2, 2), output_size=(9, 9, 9))
    with pytest.raises(ValueError, match=r"conv_transpose3d: output_padding \(2, 0, 0\) must be smaller than stride"):
        F.conv_transpose3d(engine.randn(1, 2, 2, 2, 2), engine.randn(2, 2, 2, 2, 2), None, 2, 0, (2, 0, 0))
    with pytest.raises(ValueError, match=r"conv_transpose3d: expected a 5-d input \(N, C, D, H, W\)"):
        F.conv_transpose3d(engine.randn(2, 2, 2, 2), engine.randn(2, 2, 2, 2, 2))


# ---- F.group_norm / F.instance_norm ------------------------------------------------------------------------

def test_functional_group_norm_matches_torch():
    rng = np.random.default_rng(6)
    (tx, kx), (tw, kw), (tb, kb) = (pair(torch, rng.standard_normal(s)) for s in ((2, 6, 3, 2), (6,), (6,)))
    ko, to = F.group_norm(kx, 3, kw, kb, 1e-4), torch.nn.functional.group_norm(tx, 3, tw, tb, 1e-4)
    assert_close(ko, to, atol=1e-12)
    backward_both(ko, to)
    for k, t, what in ((kx, tx, "input"), (kw, tw, "weight"), (kb, tb, "bias")):
        assert_close(k.grad, t.grad, atol=1e-12, what=f"{what} grad")
    with pytest.raises(ValueError, match=r"group_norm: expected an input \(N, C, \*\) with C divisible by num_groups 4"):
        F.group_norm(kx, 4)


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_functional_instance_norm_matches_torch(use_input_stats):
    rng = np.random.default_rng(7)
    (tx, kx), (tw, kw) = pair(torch, rng.standard_normal((3, 2, 4, 3))), pair(torch, rng.standard_normal(2))
    stats = [(torch.tensor(v.copy()), engine.tensor(v.copy())) for v in (np.array([0.3, -0.2]), np.array([0.5, 2.0]))]
    (trm, krm), (trv, krv) = stats
    ko = F.instance_norm(kx, krm, krv, kw, None, use_input_stats, 0.3, 1e-4)
    to = torch.nn.functional.instance_norm(tx, trm, trv, tw, None, use_input_stats, 0.3, 1e-4)
    assert_close(ko, to, atol=1e-12)
    assert_close(krm, trm, atol=1e-12, what="running_mean"), assert_close(krv, trv, atol=1e-12, what="running_var")
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="input grad"), assert_close(kw.grad, tw.grad, atol=1e-12)


def test_functional_instance_norm_errors():
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 spatial element"):
        F.instance_norm(engine.randn(2, 3, 1))
    with pytest.raises(ValueError, match=r"instance_norm: running_mean of shape \(2,\) does not match the 3 channels"):
        F.instance_norm(engine.randn(2, 3, 4), engine.zeros(2), engine.ones(2))
    with pytest.raises(ValueError, match=r"instance_norm: running_mean and running_var are needed"):
        F.instance_norm(engine.randn(2, 3, 4), use_input_stats=False)
