"""Every loss against torch in float64: values and input gradients of the Module and of its functional form
for every reduction, torch's positional constructor order, the deprecated ``size_average``/``reduce`` (torch's
rule and warning), the losses new in session 7 (SoftMarginLoss, MultiMarginLoss, MultiLabelMarginLoss,
TripletMarginWithDistanceLoss) and their errors."""
import inspect
import warnings

import numpy as np
import pytest

import engine
import nn
import nn.functional as F

from ._torch_parity import assert_close, backward_both

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(7)
X, Y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
PROB = RNG.uniform(0.05, 0.95, (3, 4))
BITS = (RNG.random((3, 4)) > 0.5).astype(np.float64)
SIGN3 = np.array([1.0, -1.0, 1.0])
SIGN34 = np.where(RNG.random((3, 4)) > 0.5, 1.0, -1.0)
W4 = RNG.uniform(0.5, 2.0, 4)
SCORES = RNG.standard_normal((4, 5))
LABELS = np.array([0, 3, 4, 1])
LABELS_CE = np.array([0, 1, 3])
MULTI = np.array([[0, 3, -1, 2, 1], [4, -1, 0, 0, 0], [1, 1, 2, -1, 0], [-1, 0, 0, 0, 0]])
POS, POS2 = RNG.uniform(0.2, 3.0, (3, 4)), RNG.uniform(0.2, 3.0, (3, 4)) * 2


def G(a):
    """A float input that gets a gradient."""
    return ("grad", a)


def C(a):
    """A constant input (targets, labels)."""
    return ("const", a)


def _cosine_distance(fn):
    return lambda u, v: 1 - fn.cosine_similarity(u, v)


# name: (Module, functional, Module/functional keywords given (tensor maker, functional namespace), inputs)
CASES = {
    "l1": ("L1Loss", "l1_loss", lambda t, fn: {}, [G(X), G(Y)]),
    "mse": ("MSELoss", "mse_loss", lambda t, fn: {}, [G(X), G(Y)]),
    "smooth_l1": ("SmoothL1Loss", "smooth_l1_loss", lambda t, fn: {"beta": 0.5}, [G(X), G(Y)]),
    "huber": ("HuberLoss", "huber_loss", lambda t, fn: {"delta": 0.7}, [G(X), G(Y)]),
    "bce": ("BCELoss", "binary_cross_entropy", lambda t, fn: {"weight": t(W4)}, [G(PROB), C(BITS)]),
    "bce_logits": ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
                   lambda t, fn: {"weight": t(W4), "pos_weight": t(W4[::-1].copy())}, [G(X), C(BITS)]),
    "cross_entropy": ("CrossEntropyLoss", "cross_entropy",
                      lambda t, fn: {"weight": t(W4), "ignore_index": 1, "label_smoothing": 0.1},
                      [G(X), C(LABELS_CE)]),
    "cross_entropy_unbatched": ("CrossEntropyLoss", "cross_entropy", lambda t, fn: {}, [G(X[0]), C(np.array(2))]),
    "nll": ("NLLLoss", "nll_loss", lambda t, fn: {"weight": t(W4), "ignore_index": 3}, [G(X), C(LABELS_CE)]),
    "kl_div": ("KLDivLoss", "kl_div", lambda t, fn: {"log_target": True}, [G(X), G(Y)]),
    "margin_ranking": ("MarginRankingLoss", "margin_ranking_loss", lambda t, fn: {"margin": 0.3},
                       [G(X[:, 0]), G(Y[:, 0]), C(SIGN3)]),
    "hinge_embedding": ("HingeEmbeddingLoss", "hinge_embedding_loss", lambda t, fn: {"margin": 0.5},
                        [G(X), C(SIGN34)]),
    "cosine_embedding": ("CosineEmbeddingLoss", "cosine_embedding_loss", lambda t, fn: {"margin": 0.2},
                         [G(X), G(Y), C(SIGN3)]),
    "multilabel_soft_margin": ("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss",
                               lambda t, fn: {"weight": t(W4)}, [G(X), C(BITS)]),
    "poisson_nll": ("PoissonNLLLoss", "poisson_nll_loss", lambda t, fn: {"log_input": False, "full": True},
                    [G(POS), C(POS2)]),
    "triplet_margin": ("TripletMarginLoss", "triplet_margin_loss",
                       lambda t, fn: {"margin": 0.5, "p": 1.0, "swap": True}, [G(X), G(Y), G(X[::-1].copy())]),
    "gaussian_nll": ("GaussianNLLLoss", "gaussian_nll_loss", lambda t, fn: {"full": True},
                     [G(X), G(Y), G(POS)]),
    "soft_margin": ("SoftMarginLoss", "soft_margin_loss", lambda t, fn: {}, [G(X), C(SIGN34)]),
    "multi_margin_p1": ("MultiMarginLoss", "multi_margin_loss", lambda t, fn: {}, [G(SCORES), C(LABELS)]),
    "multi_margin_p2_weight": ("MultiMarginLoss", "multi_margin_loss",
                               lambda t, fn: {"p": 2, "margin": 0.7, "weight": t(np.linspace(0.5, 2, 5))},
                               [G(SCORES), C(LABELS)]),
    "multi_margin_unbatched": ("MultiMarginLoss", "multi_margin_loss", lambda t, fn: {"margin": 1.5},
                               [G(SCORES[0]), C(np.array(2))]),
    "multilabel_margin": ("MultiLabelMarginLoss", "multilabel_margin_loss", lambda t, fn: {},
                          [G(SCORES), C(MULTI)]),
    "multilabel_margin_unbatched": ("MultiLabelMarginLoss", "multilabel_margin_loss", lambda t, fn: {},
                                    [G(SCORES[1]), C(MULTI[2])]),
    "triplet_distance_default": ("TripletMarginWithDistanceLoss", "triplet_margin_with_distance_loss",
                                 lambda t, fn: {}, [G(X), G(Y), G(X[::-1].copy())]),
    "triplet_distance_cosine_swap": ("TripletMarginWithDistanceLoss", "triplet_margin_with_distance_loss",
                                     lambda t, fn: {"distance_function": _cosine_distance(fn), "margin": 0.5,
                                                    "swap": True}, [G(X), G(Y), G(X[::-1].copy())]),
}


def _inputs(spec):
    """(torch inputs, Kiln inputs): float64 leaves for G, plain tensors of the array's dtype for C."""
    pairs = []
    for kind, a in spec:
        grad = kind == "grad"
        pairs.append((torch.tensor(a, requires_grad=grad), engine.tensor(a, requires_grad=grad)))
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _compare(k_out, t_out, k_in, t_in, what):
    assert_close(k_out, t_out, atol=1e-12, rtol=1e-10, what=f"{what} value")
    backward_both(k_out, t_out)
    for i, (k, t) in enumerate(zip(k_in, t_in)):
        if t.requires_grad:
            assert_close(k.grad, t.grad, atol=1e-12, rtol=1e-10, what=f"{what} grad of input {i}")


def _reductions(module):
    return ("none", "mean", "sum", "batchmean") if module == "KLDivLoss" else ("none", "mean", "sum")


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # torch's kl_div 'mean' note
@pytest.mark.parametrize("case", sorted(CASES))
def test_module_and_functional_match_torch(case):
    module, function, kwargs, spec = CASES[case]
    for reduction in _reductions(module):
        t_in, k_in = _inputs(spec)
        k_out = getattr(nn, module)(**kwargs(engine.tensor, F), reduction=reduction)(*k_in)
        t_out = getattr(torch.nn, module)(**kwargs(torch.tensor, TF), reduction=reduction)(*t_in)
        _compare(k_out, t_out, k_in, t_in, f"nn.{module}(reduction={reduction!r})")
        t_in, k_in = _inputs(spec)
        k_out = getattr(F, function)(*k_in, **kwargs(engine.tensor, F), reduction=reduction)
        t_out = getattr(TF, function)(*t_in, **kwargs(torch.tensor, TF), reduction=reduction)
        _compare(k_out, t_out, k_in, t_in, f"F.{function}(reduction={reduction!r})")


@pytest.mark.parametrize("function", ["l1_loss", "mse_loss", "huber_loss"])
def test_weighted_regression_losses_match_torch(function):
    w = RNG.uniform(0.1, 2.0, X.shape)
    for reduction in ("none", "mean", "sum"):
        t_in, k_in = _inputs([G(X), G(Y)])
        k_out = getattr(F, function)(*k_in, reduction=reduction, weight=engine.tensor(w))
        t_out = getattr(TF, function)(*t_in, reduction=reduction, weight=torch.tensor(w))
        _compare(k_out, t_out, k_in, t_in, f"F.{function}(weight=..., reduction={reduction!r})")


def _loss_classes():
    return sorted(n for n in dir(torch.nn) if "Loss" in n and hasattr(nn, n))


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("name", _loss_classes())
def test_constructor_signature_is_torchs(name):
    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    assert params(getattr(nn, name)) == params(getattr(torch.nn, name))


FUNCTIONS = sorted({case[1] for case in CASES.values()})


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functional_signature_is_torchs(function):
    def params(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(F, function)) == params(getattr(TF, function))


# torch's positional order: (Module, positional args given (tensor maker), attributes to compare)
POSITIONAL = [
    ("CrossEntropyLoss", lambda t: (t(W4), None, 2, None, "sum", 0.25),
     ("weight", "ignore_index", "reduction", "label_smoothing")),
    ("CrossEntropyLoss", lambda t: (None, False), ("reduction", "ignore_index")),
    ("NLLLoss", lambda t: (t(W4), None, 3, False), ("weight", "ignore_index", "reduction")),
    ("BCELoss", lambda t: (t(W4), None, None, "sum"), ("weight", "reduction")),
    ("BCEWithLogitsLoss", lambda t: (t(W4), None, None, "none", t(W4)), ("weight", "pos_weight", "reduction")),
    ("L1Loss", lambda t: (None, None, "sum"), ("reduction",)),
    ("MSELoss", lambda t: (False,), ("reduction",)),
    ("SmoothL1Loss", lambda t: (None, None, "none", 0.3), ("reduction", "beta")),
    ("KLDivLoss", lambda t: (None, None, "batchmean", True), ("reduction", "log_target")),
    ("MarginRankingLoss", lambda t: (0.4, None, None, "sum"), ("margin", "reduction")),
    ("HingeEmbeddingLoss", lambda t: (0.4, None, False), ("margin", "reduction")),
    ("CosineEmbeddingLoss", lambda t: (0.4, None, None, "none"), ("margin", "reduction")),
    ("MultiLabelSoftMarginLoss", lambda t: (t(W4), None, None, "sum"), ("weight", "reduction")),
    ("PoissonNLLLoss", lambda t: (False, True, None, 1e-3, None, "sum"), ("log_input", "full", "eps", "reduction")),
    ("TripletMarginLoss", lambda t: (0.5, 1.0, 1e-4, True, None, None, "sum"),
     ("margin", "p", "eps", "swap", "reduction")),
    ("SoftMarginLoss", lambda t: (None, None, "sum"), ("reduction",)),
    ("MultiMarginLoss", lambda t: (2, 0.5, t(np.ones(5)), None, None, "none"), ("p", "margin", "weight", "reduction")),
    ("MultiLabelMarginLoss", lambda t: (None, None, "sum"), ("reduction",)),
    ("HuberLoss", lambda t: ("sum", 0.3), ("reduction", "delta")),
    ("CTCLoss", lambda t: (3, "sum", True), ("blank", "reduction", "zero_infinity")),
]


@pytest.mark.parametrize("name,args,attrs", POSITIONAL, ids=[f"{p[0]}-{i}" for i, p in enumerate(POSITIONAL)])
def test_positional_order_is_torchs(name, args, attrs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k, t = getattr(nn, name)(*args(engine.tensor)), getattr(torch.nn, name)(*args(torch.tensor))
    for attr in attrs:
        kv, tv = getattr(k, attr), getattr(t, attr)
        if hasattr(tv, "detach"):
            np.testing.assert_array_equal(kv.numpy(), tv.detach().numpy(), err_msg=f"{name}.{attr}")
        else:
            assert kv == tv, f"{name}.{attr}: {kv!r} != torch {tv!r}"


LEGACY = [(s, r) for s in (None, True, False) for r in (None, True, False) if (s, r) != (None, None)]


def _warned(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = make()
    return out, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("size_average,reduce", LEGACY)
@pytest.mark.parametrize("name", [n for n in _loss_classes()
                                  if "size_average" in inspect.signature(getattr(torch.nn, n).__init__).parameters])
def test_legacy_arguments_follow_torchs_rule_and_warning(name, size_average, reduce):
    k, k_warn = _warned(lambda: getattr(nn, name)(size_average=size_average, reduce=reduce, reduction="none"))
    t, t_warn = _warned(lambda: getattr(torch.nn, name)(size_average=size_average, reduce=reduce, reduction="none"))
    assert k.reduction == t.reduction
    assert k_warn == t_warn and len(k_warn) == 1


LEGACY_CASES = [c for c in sorted(CASES) if "size_average" in inspect.signature(getattr(TF, CASES[c][1])).parameters]


@pytest.mark.parametrize("case", LEGACY_CASES)
def test_functional_legacy_arguments_give_torchs_values_and_warning(case):
    _, function, kwargs, spec = CASES[case]
    for size_average, reduce in LEGACY:
        t_in, k_in = _inputs(spec)
        k_out, k_warn = _warned(lambda: getattr(F, function)(*k_in, **kwargs(engine.tensor, F),
                                                             size_average=size_average, reduce=reduce))
        t_out, t_warn = _warned(lambda: getattr(TF, function)(*t_in, **kwargs(torch.tensor, TF),
                                                              size_average=size_average, reduce=reduce))
        assert k_warn == t_warn and len(k_warn) == 1, (size_average, reduce)
        _compare(k_out, t_out, k_in, t_in, f"F.{function}(size_average={size_average}, reduce={reduce})")


def test_no_warning_without_legacy_arguments():
    _, caught = _warned(lambda: (nn.CrossEntropyLoss(reduction="sum"), F.mse_loss(engine.tensor(X), engine.tensor(Y))))
    assert caught == []


def test_reduction_in_torchs_size_average_slot_is_an_error():
    with pytest.raises(TypeError, match=r"mse_loss: size_average must be a bool or None, got 'sum'.*"
                                        r"reduction='sum' by keyword"):
        F.mse_loss(engine.tensor(X), engine.tensor(Y), "sum")
    with pytest.raises(TypeError, match=r"NLLLoss: reduce must be a bool or None, got 'none'"):
        nn.NLLLoss(None, None, -100, "none")
    with pytest.raises(TypeError, match=r"L1Loss: size_average must be a bool or None, got 'sum'"):
        nn.L1Loss("sum")


def test_keyword_only_constructors():
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)
    with pytest.raises(TypeError):
        nn.TripletMarginWithDistanceLoss(None)
    with pytest.raises(TypeError):
        F.triplet_margin_with_distance_loss(engine.tensor(X), engine.tensor(Y), engine.tensor(X), None)


def test_margin_loss_errors():
    x = engine.tensor(SCORES)
    with pytest.raises(ValueError, match=r"MultiMarginLoss: only p == 1 and p == 2 are supported, got p=3"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"MultiMarginLoss: weight must be one-dimensional, got shape \(5, 1\)"):
        nn.MultiMarginLoss(weight=engine.tensor(np.ones((5, 1))))
    with pytest.raises(ValueError, match=r"multi_margin_loss: only p == 1 and p == 2 are supported, got p=3"):
        F.multi_margin_loss(x, LABELS, p=3)
    with pytest.raises(ValueError, match=r"multi_margin_loss: target labels must be in \[0, 5\), got values in "
                                         r"\[0, 5\]"):
        F.multi_margin_loss(x, np.array([0, 1, 5, 2]))
    with pytest.raises(ValueError, match=r"multi_margin_loss: weight of shape \(4,\) does not match 5 classes"):
        F.multi_margin_loss(x, LABELS, weight=engine.tensor(W4))
    with pytest.raises(ValueError, match=r"multi_margin_loss: target of shape \(3,\) does not match input of "
                                         r"shape \(4, 5\)"):
        F.multi_margin_loss(x, LABELS[:3])
    with pytest.raises(TypeError, match=r"multi_margin_loss: target must hold integer class labels, got dtype "
                                        r"float64"):
        F.multi_margin_loss(x, LABELS.astype(np.float64))
    with pytest.raises(ValueError, match=r"multi_margin_loss: input must be \(C,\) or \(N, C\) with C > 0, got "
                                         r"shape \(2, 2, 5\)"):
        F.multi_margin_loss(engine.tensor(np.zeros((2, 2, 5))), LABELS)
    for bad, low, high in ((7, -1, 7), (-2, -2, 3)):
        with pytest.raises(ValueError, match=rf"multilabel_margin_loss: target values must be in \[-1, 5\), got "
                                             rf"values in \[{low}, {high}\]"):
            F.multilabel_margin_loss(x, np.where(MULTI == 4, bad, MULTI))
    with pytest.raises(ValueError, match=r"multilabel_margin_loss: target of shape \(4,\) does not match input"):
        F.multilabel_margin_loss(x, LABELS)


def test_labels_after_the_first_minus_one_are_ignored_as_in_torch():
    target = np.array([[2, -1, 4, 0, 3]])
    got = F.multilabel_margin_loss(engine.tensor(SCORES[:1]), target)
    want = TF.multilabel_margin_loss(torch.tensor(SCORES[:1]), torch.tensor(target))
    alone = TF.multilabel_margin_loss(torch.tensor(SCORES[:1]), torch.tensor([[2, -1, 0, 0, 0]]))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
    np.testing.assert_allclose(got.item(), alone.item(), rtol=1e-12)


def test_triplet_margin_errors():
    a = engine.tensor(X)
    with pytest.raises(ValueError, match=r"TripletMarginLoss: expected margin to be greater than 0, got 0 instead"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match=r"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                                         r"got -1.0 instead"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)
    with pytest.raises(ValueError, match=r"triplet_margin_loss: margin must be greater than 0, got -0.5"):
        F.triplet_margin_loss(a, a, a, margin=-0.5)
    with pytest.raises(RuntimeError, match=r"triplet_margin_with_distance_loss: anchor, positive and negative must "
                                           r"have the same number of dimensions, got \(3, 4\), \(4,\), \(3, 4\)"):
        F.triplet_margin_with_distance_loss(a, engine.tensor(Y[0]), a)
    with pytest.raises(ValueError, match=r"triplet_margin_with_distance_loss: reduction must be one of"):
        F.triplet_margin_with_distance_loss(a, a, a, reduction="avg")


def test_weight_shape_and_reduction_errors():
    with pytest.raises(ValueError, match=r"mse_loss: weight of shape \(4,\) and input of shape \(3, 4\) differ"):
        F.mse_loss(engine.tensor(X), engine.tensor(Y), weight=engine.tensor(W4))
    with pytest.raises(ValueError, match=r"KLDivLoss: reduction must be one of .*'batchmean'.*, got 'avg'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"SoftMarginLoss: reduction must be one of .*, got 'batchmean'"):
        nn.SoftMarginLoss(reduction="batchmean")


def test_nllloss2d_is_torchs_deprecated_alias():
    x = RNG.standard_normal((2, 3, 2, 2))
    labels = np.array([[[0, 2], [1, 1]], [[2, 2], [0, 1]]])
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated. Please use `NLLLoss`"):
        k_loss = nn.NLLLoss2d(engine.tensor(np.array([1.0, 2.0, 0.5])), None, 1)
    with pytest.warns(FutureWarning):
        t_loss = torch.nn.NLLLoss2d(torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64), None, 1)
    t_in, k_in = _inputs([G(x), C(labels)])
    _compare(k_loss(F.log_softmax(k_in[0], dim=1), k_in[1]), t_loss(TF.log_softmax(t_in[0], 1), t_in[1]),
             k_in, t_in, "NLLLoss2d")


def test_repr_and_buffers():
    loss = nn.MultiMarginLoss(weight=engine.tensor(np.ones(5)), reduction="sum")
    assert "weight" in dict(loss.named_buffers())
    assert repr(loss) == "MultiMarginLoss(reduction='sum')"
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)


# CTC: (targets, input_lengths, target_lengths, blank) on log_softmax of (T=7, N=3, C=5) logits
CTC_T, CTC_N, CTC_C = 7, 3, 5
CTC_LOGITS = RNG.standard_normal((CTC_T, CTC_N, CTC_C))
CTC_CASES = {
    "padded_with_repeats": (np.array([[1, 2, 2], [3, 0, 0], [4, 1, 3]]), [7, 5, 6], [3, 1, 3], 0),
    "concatenated": (np.array([1, 2, 2, 3, 4, 1, 3]), [7, 5, 6], [3, 1, 3], 0),
    "empty_target_blank_2": (np.array([[1, 0, 1], [3, 3, 3], [4, 4, 0]]), [6, 7, 7], [3, 0, 2], 2),
}


def _ctc_pair(targets, input_lengths, target_lengths, logits=CTC_LOGITS):
    tl = torch.tensor(logits, requires_grad=True)
    kl = engine.tensor(logits, requires_grad=True)
    t_args = (torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths))
    return tl, kl, t_args, (targets, np.array(input_lengths), np.array(target_lengths))


@pytest.mark.parametrize("case", sorted(CTC_CASES))
def test_ctc_loss_matches_torch(case):
    targets, input_lengths, target_lengths, blank = CTC_CASES[case]
    for reduction in ("none", "mean", "sum"):
        tl, kl, t_args, k_args = _ctc_pair(targets, input_lengths, target_lengths)
        t_out = torch.nn.CTCLoss(blank, reduction)(TF.log_softmax(tl, 2), *t_args)
        k_out = nn.CTCLoss(blank, reduction)(F.log_softmax(kl, dim=2), *k_args)
        _compare(k_out, t_out, [kl], [tl], f"CTCLoss({case}, reduction={reduction!r})")


def test_ctc_loss_unbatched_matches_torch():
    for reduction in ("none", "mean", "sum"):
        tl, kl, t_args, k_args = _ctc_pair(np.array([2, 2, 4]), 6, 3, logits=CTC_LOGITS[:, 0])
        t_out = TF.ctc_loss(TF.log_softmax(tl, 1), t_args[0], t_args[1], t_args[2], reduction=reduction)
        k_out = F.ctc_loss(F.log_softmax(kl, dim=1), *k_args, reduction=reduction)
        _compare(k_out, t_out, [kl], [tl], f"ctc_loss unbatched {reduction}")


def test_ctc_loss_without_alignment_is_inf_or_zero_as_torch():
    targets, input_lengths, target_lengths = np.array([[1, 1, 1], [2, 3, 0], [4, 4, 1]]), [4, 7, 3], [3, 2, 3]
    tl, kl, t_args, k_args = _ctc_pair(targets, input_lengths, target_lengths)  # samples 0 and 2 need 5 and 4 steps
    k_out = F.ctc_loss(F.log_softmax(kl, dim=2), *k_args, reduction="none")
    t_out = TF.ctc_loss(TF.log_softmax(tl, 2), *t_args, reduction="none")
    np.testing.assert_array_equal(k_out.numpy(), t_out.detach().numpy())
    assert np.isinf(k_out.numpy()[[0, 2]]).all()
    for reduction in ("none", "mean", "sum"):
        tl, kl, t_args, k_args = _ctc_pair(targets, input_lengths, target_lengths)
        t_out = TF.ctc_loss(TF.log_softmax(tl, 2), *t_args, reduction=reduction, zero_infinity=True)
        k_out = F.ctc_loss(F.log_softmax(kl, dim=2), *k_args, reduction=reduction, zero_infinity=True)
        _compare(k_out, t_out, [kl], [tl], f"ctc_loss zero_infinity {reduction}")


def test_ctc_loss_with_impossible_symbols_matches_torch():
    log_probs = np.log(np.abs(CTC_LOGITS) / np.abs(CTC_LOGITS).sum(2, keepdims=True))
    log_probs[:, :, 4] = -np.inf  # symbol 4 never emitted; the targets avoid it
    targets, input_lengths, target_lengths = np.array([[1, 2], [3, 3], [1, 0]]), [7, 7, 5], [2, 2, 1]
    k_out = F.ctc_loss(engine.tensor(log_probs), targets, input_lengths, target_lengths, reduction="none")
    t_out = TF.ctc_loss(torch.tensor(log_probs), *map(torch.tensor, (targets, input_lengths, target_lengths)),
                        reduction="none")
    assert_close(k_out, t_out, atol=1e-12, rtol=1e-10, what="ctc_loss with -inf log-probabilities")


def test_ctc_loss_errors():
    lp = engine.tensor(CTC_LOGITS)
    targets, lengths, tlen = np.array([[1, 2], [3, 1], [1, 1]]), [7, 7, 7], [2, 2, 2]
    with pytest.raises(ValueError, match=r"ctc_loss: blank=5 must be in \[0, 5\)"):
        F.ctc_loss(lp, targets, lengths, tlen, blank=5)
    with pytest.raises(ValueError, match=r"ctc_loss: target labels must be in \[0, 5\) and differ from blank=1, "
                                         r"got 1"):
        F.ctc_loss(lp, targets, lengths, tlen, blank=1)
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths \[7, 8, 7\] must be in \[0, 7\]"):
        F.ctc_loss(lp, targets, [7, 8, 7], tlen)
    with pytest.raises(ValueError, match=r"ctc_loss: target_lengths \[2, 3, 2\] must be in \[0, 2\]"):
        F.ctc_loss(lp, targets, lengths, [2, 3, 2])
    with pytest.raises(ValueError, match=r"ctc_loss: concatenated targets of length 5 do not add up to the target "
                                         r"lengths' sum 6"):
        F.ctc_loss(lp, np.array([1, 2, 3, 1, 1]), lengths, tlen)
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths must have one entry per sample \(3\), got "
                                         r"shape \(2,\)"):
        F.ctc_loss(lp, targets, [7, 7], tlen)
    with pytest.raises(ValueError, match=r"ctc_loss: log_probs must be \(T, N, C\) or \(T, C\), got shape \(7,\)"):
        F.ctc_loss(engine.tensor(CTC_LOGITS[:, 0, 0]), targets, lengths, tlen)
