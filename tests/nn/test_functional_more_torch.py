"""The torch.nn.functional names of nn/functional_more.py and nn/functional_bag.py against torch in float64:
values, input/weight gradients, torch's errors and signatures."""
import inspect

import numpy as np
import pytest

import engine
import nn
import nn.functional as F
from tests.nn._torch_parity import assert_close, backward_both, pair

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _compare(kfn, tfn, shape, seed=0, atol=1e-10):
    tx, kx = pair(torch, _data(shape, seed))
    ko, to = kfn(kx), tfn(tx)
    assert_close(ko, to, atol=atol, what="value")
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=atol, what="input grad")


# ---- signatures ----------------------------------------------------------------------------------------
def _params(sig):
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


PY_SIGNATURES = ["local_response_norm", "gumbel_softmax", "upsample_nearest", "upsample_bilinear", "embedding_bag",
                 "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
                 "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
                 "adaptive_max_pool3d_with_indices"]


@pytest.mark.parametrize("name", PY_SIGNATURES)
def test_signature_is_torchs(name):
    assert _params(inspect.signature(getattr(F, name))) == _params(inspect.signature(getattr(TF, name)))


@pytest.mark.parametrize("name", ["relu_", "elu_", "leaky_relu_", "hardtanh_", "threshold_", "selu_", "celu_",
                                  "rrelu_", "pixel_shuffle", "pixel_unshuffle", "pdist"])
def test_builtin_signature_is_torchs_docstring(name):
    """torch's C builtins have no inspect signature: their docstring's first line is the contract."""
    doc = getattr(TF, name).__doc__.strip().split("\n")[0]
    theirs = doc.split(" -> ")[0].replace("1./8", "0.125").replace("1./3", str(1 / 3)).replace("1.", "1.0")
    ours = name + str(inspect.signature(getattr(F, name)))
    assert ours.replace(" ", "") == theirs.replace(" ", ""), (ours, theirs)


# ---- in-place activations ------------------------------------------------------------------------------
INPLACE = [("relu_", (), "relu"), ("elu_", (0.7,), "elu"), ("leaky_relu_", (0.2,), "leaky_relu"),
           ("hardtanh_", (-0.5, 0.8), "hardtanh"), ("threshold_", (0.1, -2.0), "threshold"),
           ("selu_", (), "selu"), ("celu_", (1.3,), "celu"), ("rrelu_", (0.1, 0.3, False), "rrelu")]


@pytest.mark.parametrize("name,args,outplace", INPLACE)
def test_inplace_activation_writes_input_and_keeps_gradients(name, args, outplace):
    tx, kx = pair(torch, _data((3, 4)))
    th, kh = tx * 1.5, kx * 1.5  # non-leaves
    kv = kh._version
    ko, to = getattr(F, name)(kh, *args), getattr(TF, name)(th, *args)
    assert ko is kh and kh._version == kv + 1
    assert_close(kh, th, atol=1e-12, what="value written into the input")
    assert_close(kh, getattr(TF, outplace)(tx.detach() * 1.5, *args), atol=1e-12)
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="gradient through the in-place op")


@pytest.mark.parametrize("name,args,outplace", INPLACE)
def test_inplace_activation_on_leaf_requiring_grad_raises_torchs_error(name, args, outplace):
    kx = engine.tensor(_data((2, 3)), requires_grad=True)
    before = kx.numpy().copy()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        getattr(F, name)(kx, *args)
    np.testing.assert_array_equal(kx.numpy(), before)
    with engine.no_grad():  # allowed without grad mode, as torch
        assert getattr(F, name)(kx, *args) is kx


def test_inplace_activation_invalidates_saved_values():
    kx = engine.tensor(_data((4,)), requires_grad=True)
    h = kx * 1.0
    y = h.exp()  # saves its output, not h; h * h saves h
    z = (h * h).sum()
    F.relu_(h)
    with pytest.raises(RuntimeError):
        z.backward()
    del y


def test_rrelu_in_training_writes_slopes_in_range():
    kx = engine.tensor(-np.ones((200,)))
    F.rrelu_(kx, 0.1, 0.3, True)
    v = -kx.numpy()
    assert v.min() >= 0.1 and v.max() <= 0.3 and v.std() > 0.03


def test_inplace_activation_rejects_a_non_tensor():
    with pytest.raises(TypeError, match="relu_\\(\\): argument 'input' must be Tensor, not list"):
        F.relu_([1.0, -1.0])


# ---- pixel shuffle, local response norm ---------------------------------------------------------------
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 3), 3), ((2, 1, 4, 2, 2), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    _compare(lambda x: F.pixel_shuffle(x, r), lambda x: TF.pixel_shuffle(x, r), shape)


@pytest.mark.parametrize("shape,r", [((2, 3, 4, 6), 2), ((1, 6, 9), 3), ((2, 2, 1, 4, 4), 2)])
def test_pixel_unshuffle_matches_torch_and_inverts(shape, r):
    _compare(lambda x: F.pixel_unshuffle(x, r), lambda x: TF.pixel_unshuffle(x, r), shape)
    x = engine.tensor(_data(shape))
    np.testing.assert_array_equal(F.pixel_shuffle(F.pixel_unshuffle(x, r), r).numpy(), x.numpy())


@pytest.mark.parametrize("name,shape,r,message", [
    ("pixel_shuffle", (2, 3), 2, "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 "
                                 "dimension\\(s\\)"),
    ("pixel_shuffle", (1, 6, 2, 2), 2, "divisible by the square of upscale_factor, but input.size\\(-3\\)=6 is not "
                                       "divisible by 4"),
    ("pixel_shuffle", (1, 4, 2, 2), 0, "pixel_shuffle expects a positive upscale_factor, but got 0"),
    ("pixel_unshuffle", (1, 1, 3, 4), 2, "pixel_unshuffle expects height to be divisible by downscale_factor, but "
                                         "input.size\\(-2\\)=3 is not divisible by 2"),
    ("pixel_unshuffle", (1, 1, 4, 3), 2, "width to be divisible by downscale_factor, but input.size\\(-1\\)=3"),
    ("pixel_unshuffle", (1, 1, 4, 4), -1, "pixel_unshuffle expects a positive downscale_factor, but got -1"),
])
def test_pixel_shuffle_errors_are_torchs(name, shape, r, message):
    with pytest.raises(RuntimeError, match=message):
        getattr(F, name)(engine.zeros(*shape), r)
    with pytest.raises(RuntimeError, match=message):
        getattr(TF, name)(torch.zeros(*shape), r)


@pytest.mark.parametrize("shape,size,alpha,beta,k", [((2, 5, 3), 3, 0.5, 0.75, 2.0), ((2, 4, 3, 2), 2, 1e-2, 0.6, 1.0),
                                                     ((1, 6, 2, 2, 2), 4, 0.3, 1.2, 0.5)])
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k):
    _compare(lambda x: F.local_response_norm(x, size, alpha, beta, k),
             lambda x: TF.local_response_norm(x, size, alpha, beta, k), shape)


def test_local_response_norm_errors():
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input \\(got 2 dimensions\\)"):
        F.local_response_norm(engine.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="size should be greater than zero, but got 0"):
        F.local_response_norm(engine.zeros(2, 3, 4), 0)
    assert F.local_response_norm(engine.zeros(2, 3, 0), 2).shape == (2, 3, 0)


def test_modules_run_the_functional_forms():
    x = engine.tensor(_data((1, 4, 2, 2)))
    np.testing.assert_array_equal(nn.PixelShuffle(2)(x).numpy(), F.pixel_shuffle(x, 2).numpy())
    np.testing.assert_array_equal(nn.PixelUnshuffle(2)(x).numpy(), F.pixel_unshuffle(x, 2).numpy())
    np.testing.assert_array_equal(nn.LocalResponseNorm(3)(x).numpy(), F.local_response_norm(x, 3).numpy())


# ---- gumbel softmax -----------------------------------------------------------------------------------
def _fixed_gumbel(monkeypatch, noise):
    import nn.functional_more as more

    monkeypatch.setattr(more, "_gumbel_noise", lambda x: engine.tensor(noise, dtype=str(x.dtype)))


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_with_a_fixed_sample_matches_torchs_formula(monkeypatch, hard, dim):
    logits, noise = _data((3, 4)), _data((3, 4), seed=1)
    _fixed_gumbel(monkeypatch, noise)
    tx, kx = pair(torch, logits)
    ko = F.gumbel_softmax(kx, tau=0.7, hard=hard, dim=dim)
    soft = torch.softmax((tx + torch.tensor(noise)) / 0.7, dim)
    if hard:
        one_hot = torch.zeros_like(soft).scatter_(dim, soft.argmax(dim, keepdim=True), 1.0)
        to = one_hot - soft.detach() + soft
        assert set(np.unique(ko.numpy())) <= {0.0, 1.0} and np.all(ko.numpy().sum(dim) == 1)
    else:
        to = soft
    assert_close(ko, to, atol=1e-12)
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="straight-through gradient" if hard else "gradient")


def test_gumbel_softmax_hard_samples_follow_softmax_of_the_logits():
    """The Gumbel-max trick: the hard sample is category i with probability softmax(logits)_i."""
    engine.manual_seed(0)
    logits = np.array([0.5, -1.0, 1.5, 0.0])
    n = 20000
    y = F.gumbel_softmax(engine.tensor(np.tile(logits, (n, 1))), tau=0.5, hard=True).numpy()
    p = np.exp(logits) / np.exp(logits).sum()
    freq = y.mean(0)
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / n)), (freq, p)
    soft = F.gumbel_softmax(engine.tensor(np.tile(logits, (n, 1))), tau=1.0).numpy()
    np.testing.assert_allclose(soft.sum(1), 1.0)
    engine.manual_seed(3)
    a = F.gumbel_softmax(engine.tensor(logits)).numpy()
    engine.manual_seed(3)
    np.testing.assert_array_equal(F.gumbel_softmax(engine.tensor(logits)).numpy(), a)


def test_gumbel_softmax_eps_is_deprecated():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
        F.gumbel_softmax(engine.zeros(3), eps=1e-3)


# ---- pdist ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 1.5, float("inf")])
def test_pdist_matches_torch(p):
    _compare(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), (5, 3))


@pytest.mark.parametrize("p", [2, 1, 0.5, 3])
def test_pdist_gradient_where_rows_or_coordinates_agree_is_torchs(p):
    data = _data((4, 3))
    data[2] = data[0]  # a zero distance
    data[3, 1] = data[1, 1]  # one coordinate in common
    tx, kx = pair(torch, data)
    ko, to = F.pdist(kx, p), TF.pdist(tx, p)
    assert_close(ko, to, atol=1e-12)
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=1e-10)


def test_pdist_p0_counts_differing_coordinates():
    data = np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 2.0], [1.0, 1.0, 5.0]])
    tx, kx = pair(torch, data)
    ko, to = F.pdist(kx, 0), TF.pdist(tx, 0)
    assert_close(ko, to)
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad)


@pytest.mark.parametrize("shape,p,message", [((2, 3, 4), 2, "pdist only supports 2D tensors, got: 3D"),
                                             ((3,), 2, "pdist only supports 2D tensors, got: 1D"),
                                             ((3, 4), -1, "pdist only supports non-negative p values")])
def test_pdist_errors_are_torchs(shape, p, message):
    with pytest.raises(RuntimeError, match=message):
        F.pdist(engine.zeros(*shape), p)
    with pytest.raises(RuntimeError, match=message):
        TF.pdist(torch.zeros(*shape), p)


def test_pdist_of_fewer_than_two_rows_is_empty_and_integers_are_refused():
    assert F.pdist(engine.zeros(1, 4)).shape == (0,) and F.pdist(engine.zeros(0, 4)).shape == (0,)
    with pytest.raises(RuntimeError, match="pdist only supports floating-point dtypes"):
        F.pdist(engine.tensor([[1, 2], [3, 4]]))


# ---- upsample aliases, pools with indices ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["upsample_nearest", "upsample_bilinear"])
@pytest.mark.parametrize("kwargs", [{"scale_factor": 2}, {"size": (5, 3)}])
def test_upsample_aliases_match_torch_and_warn(name, kwargs):
    with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate`"):
        _compare(lambda x: getattr(F, name)(x, **kwargs), lambda x: getattr(TF, name)(x, **kwargs), (2, 2, 3, 4))


@pytest.mark.parametrize("name,shape,args", [
    ("max_pool1d_with_indices", (2, 3, 9), (3, 2, 1)),
    ("max_pool2d_with_indices", (2, 2, 6, 7), (3, 2, 1, 1, True)),
    ("max_pool3d_with_indices", (1, 2, 4, 5, 4), (2,)),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
    ("adaptive_max_pool2d_with_indices", (2, 2, 6, 7), ((3, 2),)),
    ("adaptive_max_pool3d_with_indices", (1, 2, 4, 5, 4), (2,)),
])
def test_pools_with_indices_return_torchs_values_and_indices(name, shape, args):
    tx, kx = pair(torch, _data(shape))
    (kv, ki), (tv, ti) = getattr(F, name)(kx, *args), getattr(TF, name)(tx, *args)
    assert_close(kv, tv, atol=0)
    np.testing.assert_array_equal(np.asarray(ki.numpy()), ti.numpy())
    backward_both(kv, tv)
    assert_close(kx.grad, tx.grad, atol=1e-12)


# ---- embedding_bag ------------------------------------------------------------------------------------
def _bag_both(idx, offsets=None, psw=None, **kwargs):
    tw, kw = pair(torch, _data((10, 3), seed=5))
    tpsw = kpsw = None
    if psw is not None:
        tpsw, kpsw = pair(torch, np.asarray(psw, dtype=np.float64))
    to = TF.embedding_bag(torch.tensor(idx), tw, None if offsets is None else torch.tensor(offsets),
                          per_sample_weights=tpsw, **kwargs)
    ko = F.embedding_bag(engine.tensor(idx), kw, None if offsets is None else engine.tensor(offsets),
                         per_sample_weights=kpsw, **kwargs)
    assert_close(ko, to, atol=1e-12, what="value")
    backward_both(ko, to)
    assert_close(kw.grad, tw.grad, atol=1e-12, what="weight grad")
    if psw is not None:
        assert_close(kpsw.grad, tpsw.grad, atol=1e-12, what="per_sample_weights grad")


BAGS_1D = ([1, 2, 4, 4, 3, 9, 0, 2], [0, 3, 3, 6])  # an empty bag, a repeated index


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_1d_with_offsets_matches_torch(mode):
    _bag_both(*BAGS_1D, mode=mode)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_and_padding_idx_match_torch(mode):
    _bag_both([[1, 2, 4, 4], [3, 3, 3, 3], [0, 5, 7, 5]], mode=mode)
    _bag_both([[1, 2, 4, 4], [3, 3, 3, 3], [0, 5, 7, 5]], mode=mode, padding_idx=3)  # bag 2 is all padding
    _bag_both(*BAGS_1D, mode=mode, padding_idx=-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_include_last_offset_matches_torch(mode):
    _bag_both([1, 2, 3, 7, 8], [0, 1, 1, 5], mode=mode, include_last_offset=True)
    _bag_both([1, 2, 3], [0, 3], mode=mode, include_last_offset=True)


def test_embedding_bag_include_last_offset_short_of_the_input_raises():
    """torch's answer there depends on the embedding dim (undefined), so Kiln refuses it."""
    with pytest.raises(RuntimeError, match="the last offset ends the last bag and must equal the input's length 5, "
                                           "got 3"):
        F.embedding_bag(engine.tensor([1, 2, 3, 7, 8]), engine.zeros(10, 3), engine.tensor([0, 1, 3]),
                        include_last_offset=True)


def test_embedding_bag_per_sample_weights_and_scale_grad_by_freq_match_torch():
    idx, offs = BAGS_1D
    _bag_both(idx, offs, psw=_data((8,), seed=2), mode="sum")
    _bag_both(idx, offs, psw=_data((8,), seed=2), mode="sum", padding_idx=4)
    _bag_both([[1, 2, 2], [2, 0, 9]], psw=_data((2, 3), seed=2), mode="sum", scale_grad_by_freq=True)
    _bag_both(idx, offs, mode="mean", scale_grad_by_freq=True)


def test_embedding_bag_max_norm_renormalises_weight_rows_as_torch():
    tw, kw = pair(torch, 3 * _data((10, 3), seed=5), requires_grad=False)
    to = TF.embedding_bag(torch.tensor([1, 2, 4]), tw, torch.tensor([0, 2]), max_norm=1.5, norm_type=1.0)
    ko = F.embedding_bag(engine.tensor([1, 2, 4]), kw, engine.tensor([0, 2]), max_norm=1.5, norm_type=1.0)
    assert_close(ko, to, atol=1e-12)
    assert_close(kw, tw, atol=1e-12, what="renormalised weight")


def test_embedding_bag_empty_inputs_match_torch():
    w = engine.zeros(10, 3)
    assert F.embedding_bag(engine.tensor([1, 2, 3]), w, engine.tensor([], dtype="int64")).shape == (0, 3)
    assert F.embedding_bag(engine.tensor([], dtype="int64"), w, engine.tensor([0, 0]), mode="max").shape == (2, 3)
    assert F.embedding_bag(engine.tensor([], dtype="int64"), w, engine.tensor([0]),
                           include_last_offset=True).shape == (0, 3)


W10 = np.zeros((10, 3))


@pytest.mark.parametrize("kind,args,kwargs,message", [
    (ValueError, ([[1, 2], [3, 4]], W10, [0]), {}, "if input is 2D, then offsets has to be None"),
    (ValueError, ([1, 2, 3], W10, None), {}, "offsets has to be a 1D Tensor but got None"),
    (ValueError, ([1, 2, 3], W10, [[0]]), {}, "offsets has to be a 1D Tensor$"),
    (RuntimeError, ([1, 2, 3], W10, [1]), {}, "offsets\\[0\\] has to be 0, i.e., the first sequence in the "
                                              "mini-batch has to start from position 0. However, got 1"),
    (RuntimeError, ([1, 2, 3], W10, [0, 5]), {}, "offsets\\[-1\\] can not be greater than input's length 3 but got "
                                                 "offsets\\[-1\\] of 5"),
    (ValueError, ([[[1]]], W10, None), {}, "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"),
    (ValueError, ([1, 2, 3], W10, [0]), {"mode": "min"}, "mode has to be one of sum, mean or max"),
    (NotImplementedError, ([1, 2, 3], W10, [0]), {"per_sample_weights": np.ones(3)},
     "per_sample_weights is only supported for mode='sum' \\(got mode='mean'\\)"),
    (ValueError, ([1, 2, 3], W10, [0]), {"mode": "sum", "per_sample_weights": np.ones(2)},
     "If per_sample_weights \\(.*2.*\\) is not None, then it must have the same shape as the input \\(.*3.*\\)"),
    (RuntimeError, ([1, 2, 13], W10, [0]), {}, "Index 2 of input takes value 13 which is not in the valid range "
                                               "\\[0, 10\\)"),
    (RuntimeError, ([1, 2, -1], W10, [0]), {}, "Index 2 of input takes value -1 which is not in the valid range"),
    (ValueError, ([1, 2], np.zeros(10), [0]), {}, "weight has to be a 2D Tensor, but got Tensor of dimension 1"),
    (RuntimeError, ([1, 2], W10, [0]), {"padding_idx": 10}, "padding_idx must be within the number of embeddings, "
                                                            "-10 through 9, but got 10"),
    (RuntimeError, ([1, 2], W10, [0]), {"padding_idx": -11}, "-10 through 9, but got -11"),
    (ValueError, ([1, 2], W10, [0]), {"mode": "max", "scale_grad_by_freq": True},
     "max mode does not support scaling the gradient by the frequency"),
])
def test_embedding_bag_errors_are_torchs(kind, args, kwargs, message):
    idx, w, offs = args

    def run(lib, tensor):
        kw = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return lib.embedding_bag(tensor(idx), tensor(w.astype(np.float32)), None if offs is None else tensor(offs),
                                 **kw)

    with pytest.raises(kind, match=message):  # (float32: torch's float64 kernel words the index error differently)
        run(TF, torch.tensor)
    with pytest.raises(kind, match=message):
        run(F, engine.tensor)


def test_embedding_bag_refuses_float_indices_and_decreasing_offsets():
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        F.embedding_bag(engine.tensor([1.0, 2.0]), engine.zeros(10, 3), engine.tensor([0]))
    with pytest.raises(RuntimeError, match="embedding_bag: offsets must be non-decreasing, got \\[0, 2, 1\\]"):
        F.embedding_bag(engine.tensor([1, 2, 3]), engine.zeros(10, 3), engine.tensor([0, 2, 1]))


def test_embedding_bag_checks_everything_before_max_norm_writes_the_weight():
    w = engine.tensor(3 * _data((10, 3), seed=5))
    before = w.numpy().copy()
    with pytest.raises(RuntimeError, match="Index 1 of input takes value 10"):
        F.embedding_bag(engine.tensor([1, 10]), w, engine.tensor([0]), max_norm=0.5)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(engine.tensor([1, 2]), w, engine.tensor([0]), max_norm=0.5, per_sample_weights=engine.ones(2))
    np.testing.assert_array_equal(w.numpy(), before)


# ---- nn.EmbeddingBag ----------------------------------------------------------------------------------
def test_embedding_bag_module_signature_and_positional_order_are_torchs():
    assert _params(inspect.signature(nn.EmbeddingBag.__init__)) == _params(inspect.signature(
        torch.nn.EmbeddingBag.__init__))
    assert _params(inspect.signature(nn.EmbeddingBag.forward)) == _params(inspect.signature(
        torch.nn.EmbeddingBag.forward))
    assert _params(inspect.signature(nn.EmbeddingBag.from_pretrained)) == _params(inspect.signature(
        torch.nn.EmbeddingBag.from_pretrained))
    args = (10, 3, 1.5, 1.0, True, "sum", False, None, True, -2)
    k, t = nn.EmbeddingBag(*args), torch.nn.EmbeddingBag(*args)
    for name in ("max_norm", "norm_type", "scale_grad_by_freq", "mode", "include_last_offset", "padding_idx"):
        assert getattr(k, name) == getattr(t, name), name
    assert repr(k) == repr(t) == "EmbeddingBag(10, 3, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True, " \
                                 "mode='sum', padding_idx=8)"
    assert repr(nn.EmbeddingBag(4, 2)) == repr(torch.nn.EmbeddingBag(4, 2))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module_matches_torch(mode):
    t = torch.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=4).double()
    k = nn.EmbeddingBag(10, 3, mode=mode, padding_idx=4).double()
    assert np.all(k.weight.numpy()[4] == 0) and k.weight.numpy().std() > 0.3
    k.load_state_dict({n: v.detach().numpy() for n, v in t.state_dict().items()})
    idx, offs = BAGS_1D
    psw = _data((8,), seed=3) if mode == "sum" else None
    to = t(torch.tensor(idx), torch.tensor(offs), None if psw is None else torch.tensor(psw))
    ko = k(engine.tensor(idx), engine.tensor(offs), None if psw is None else engine.tensor(psw))
    assert_close(ko, to, atol=1e-12)
    backward_both(ko, to)
    assert_close(k.weight.grad, t.weight.grad, atol=1e-12, what="weight grad")


def test_embedding_bag_module_from_pretrained_and_errors():
    w = engine.tensor(_data((5, 2)))
    bag = nn.EmbeddingBag.from_pretrained(w, mode="max")
    assert not bag.weight.requires_grad and bag.mode == "max"
    np.testing.assert_array_equal(bag(engine.tensor([[0, 1]])).numpy(), np.maximum(w.numpy()[0], w.numpy()[1])[None])
    assert nn.EmbeddingBag.from_pretrained(w, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        nn.EmbeddingBag(5, 2, padding_idx=5)
    with pytest.raises(AssertionError, match="Shape of weight does not match num_embeddings and embedding_dim"):
        nn.EmbeddingBag(4, 2, _weight=w)
    with pytest.raises(ValueError, match="EmbeddingBag: mode has to be one of sum, mean or max, got 'min'"):
        nn.EmbeddingBag(5, 2, mode="min")
    with pytest.raises(NotImplementedError, match="EmbeddingBag: sparse=True asks for sparse gradients"):
        nn.EmbeddingBag(5, 2, sparse=True)


def test_inplace_activation_on_a_view_in_a_graph_raises_instead_of_a_stale_base():
    """Kiln does not re-base a view's graph onto its base (torch does): the write is refused, not wrong."""
    base = engine.tensor(_data((2, 3)), requires_grad=True) * 1.0
    with pytest.raises(RuntimeError, match="relu_: in-place write to a view \\(shape \\(3,\\)\\) of a tensor that is "
                                           "part of a graph"):
        F.relu_(base[0])
    view = engine.tensor(_data((2, 3)))[0]  # no graph: written through to its base, as torch
    assert F.relu_(view).numpy().min() >= 0


@pytest.mark.parametrize("name, args", [("relu", ()), ("elu", (0.5,)), ("leaky_relu", (0.2,)), ("hardtanh", (-0.5, 0.5)),
                                        ("relu6", ()), ("threshold", (0.1, 2.0)), ("selu", ()), ("celu", (0.7,)),
                                        ("silu", ()), ("mish", ()), ("hardswish", ()), ("hardsigmoid", ())])
@pytest.mark.parametrize("positional", [False, True])
def test_inplace_flag_of_the_functional_forms_writes_the_input_as_torch(name, args, positional):
    """``F.relu(h, inplace=True)`` without using the result: torch changes ``h``; so does Kiln (values and
    gradients through the written tensor), whether ``inplace`` comes by keyword or by position."""
    x0 = np.linspace(-3, 3, 12).reshape(3, 4)
    call = (lambda F, h: getattr(F, name)(h, *args, True)) if positional else (
        lambda F, h: getattr(F, name)(h, *args, inplace=True))
    tx = torch.tensor(x0, requires_grad=True)
    th = tx * 1.5
    call(torch.nn.functional, th)
    (th * th).sum().backward()
    kx = engine.tensor(x0, requires_grad=True)
    kh = kx * 1.5
    call(F, kh)
    (kh * kh).sum().backward()
    np.testing.assert_allclose(kh.detach().numpy(), th.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kx.grad.numpy(), tx.grad.numpy(), rtol=1e-7, atol=1e-7)  # celu, hardsigmoid: rounding


def test_inplace_flag_on_a_leaf_that_requires_grad_raises_and_plain_tensors_are_written():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        F.relu(engine.ones(3, requires_grad=True), inplace=True)
    h = engine.tensor([-1.0, 2.0])
    assert F.relu(h, inplace=True) is h and h.tolist() == [0.0, 2.0]
    assert F.relu(engine.tensor([-1.0]), inplace=False).tolist() == [0.0]
