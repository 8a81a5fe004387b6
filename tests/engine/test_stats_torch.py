"""Order statistics, unique, histograms, sorted search (engine/ops/stats.py) and random draws
(engine/ops/sampling.py) against torch in float64: values, gradients, exact errors; the random draws
statistically (fixed seeds) and for reproducibility."""
import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")

NAN = float("nan")


def _pair(a, requires_grad=False):
    return (engine.tensor(np.array(a), requires_grad=requires_grad),
            torch.tensor(np.array(a), requires_grad=requires_grad))


def _close(k, t):
    np.testing.assert_allclose(np.asarray(k.numpy() if hasattr(k, "numpy") else k), t.detach().numpy(),
                               rtol=1e-12, atol=1e-12, equal_nan=True)
    assert tuple(k.shape) == tuple(t.shape)


def _grad_matches(fn_k, fn_t, a):
    """Values and the input gradient of sum(out * w) match torch's."""
    k, t = _pair(a, requires_grad=True)
    yk, yt = fn_k(k), fn_t(t)
    _close(yk, yt)
    w = np.random.default_rng(0).standard_normal(tuple(yt.shape))
    (yk * engine.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    _close(k.grad, t.grad)


RNG = np.random.default_rng(1)
A = RNG.permutation(24).reshape(2, 3, 4).astype(np.float64) / 7  # distinct values: gradients are unambiguous


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False), (2, True)])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_dim_values_indices_gradients(name, dim, keepdim):
    k, t = _pair(A)
    rk, rt = getattr(engine, name)(k, dim, keepdim), getattr(torch, name)(t, dim, keepdim)
    assert type(rk).__name__ == name and rk._fields == ("values", "indices")
    _close(rk.values, rt.values)
    _close(rk.indices, rt.indices)
    _grad_matches(lambda x: getattr(x, name)(dim, keepdim).values, lambda x: getattr(x, name)(dim, keepdim).values, A)


def test_median_whole_tensor_lower_median_and_nan():
    _grad_matches(lambda x: x.median(), lambda x: x.median(), A)
    for a in ([1., 3, 2, 4], [1., NAN, 2, 4], [NAN, NAN], [5.]):
        k, t = _pair(a)
        _close(engine.median(k), torch.median(t))
        _close(engine.nanmedian(k), torch.nanmedian(t))
    _close(engine.median(engine.tensor(np.array([7, 2, 9, 4]))), torch.median(torch.tensor([7, 2, 9, 4])))


def test_median_nan_rows_and_indices():
    a = [[1., NAN, 2, NAN], [3., 1, 2, 0], [NAN, NAN, NAN, 1.]]
    k, t = _pair(a)
    for name in ("median", "nanmedian"):
        rk, rt = getattr(engine, name)(k, 1), getattr(torch, name)(t, 1)
        _close(rk.values, rt.values)
        _close(rk.indices, rt.indices)


def test_median_empty_dim_raises():
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 1 to have non-zero size"):
        engine.median(engine.zeros(2, 0), 1)


@pytest.mark.parametrize("keepdim", [False, True])
def test_mode_values_indices_and_gradient(keepdim):
    a = np.array([[1., 2, 2, 3, 3, 1, 0], [5, 5, 4, 4, 4, 5, 6], [2, 1, 0, 9, 8, 7, 6]])
    k, t = _pair(a)
    for dim in (0, 1, -1):
        rk, rt = engine.mode(k, dim, keepdim), torch.mode(t, dim, keepdim)
        assert type(rk).__name__ == "mode"
        _close(rk.values, rt.values)
        _close(rk.indices, rt.indices)
    _grad_matches(lambda x: x.mode(1, keepdim).values, lambda x: x.mode(1, keepdim).values, a)
    ints = np.random.default_rng(2).integers(0, 4, (5, 9))
    rk, rt = engine.mode(engine.tensor(ints)), torch.mode(torch.tensor(ints))
    _close(rk.values, rt.values)
    _close(rk.indices, rt.indices)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolations_values_and_gradients(interpolation):
    q = [0.0, 0.13, 0.5, 0.625, 1.0]
    for dim, keepdim in ((None, False), (None, True), (1, False), (-1, True), (0, False)):
        for qk, qt in ((0.37, 0.37), (engine.tensor(np.array(q)), torch.tensor(q, dtype=torch.float64))):
            _grad_matches(lambda x: engine.quantile(x, qk, dim, keepdim, interpolation=interpolation),
                          lambda x: torch.quantile(x, qt, dim, keepdim, interpolation=interpolation), A)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_nan_handling(name):
    a = [[1., NAN, 2, 5], [3., 1, 2, 0], [NAN, NAN, NAN, NAN]]
    k, t = _pair(a)
    q = [0.0, 0.5, 0.75]
    for interp in ("linear", "nearest", "higher"):
        _close(getattr(engine, name)(k, engine.tensor(np.array(q)), 1, interpolation=interp),
               getattr(torch, name)(t, torch.tensor(q, dtype=torch.float64), 1, interpolation=interp))
        _close(getattr(k, name)(0.3), getattr(t, name)(0.3))


def test_quantile_errors():
    x = engine.tensor(np.array([1., 2.]))
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be in the range \[0, 1\] but got 1.5"):
        engine.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match=r"quantile\(\) q values must be in the range \[0, 1\]"):
        engine.quantile(x, engine.tensor(np.array([0.5, -0.1])))
    with pytest.raises(RuntimeError, match=r"quantile\(\) input tensor must be either float or double dtype"):
        engine.quantile(engine.tensor(np.array([1, 2])), 0.5)
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be a scalar or 1D tensor"):
        engine.quantile(x, engine.tensor(np.array([[0.5]])))
    with pytest.raises(RuntimeError, match=r"quantile\(\) q tensor must be same dtype as the input tensor"):
        engine.quantile(x, engine.tensor(np.array([0.5], dtype=np.float32)))
    with pytest.raises(RuntimeError, match=r"nanquantile\(\) interpolation must be one of linear, lower, higher, "
                                           r"midpoint or nearest, but got foo"):
        engine.nanquantile(x, 0.5, interpolation="foo")
    with pytest.raises(RuntimeError, match=r"quantile\(\) input tensor must be non-empty"):
        engine.quantile(engine.zeros(0, dtype=engine.float64), 0.5)


def _same_results(rk, rt):
    rk, rt = (rk, rt) if isinstance(rt, tuple) else ((rk,), (rt,))
    assert len(rk) == len(rt)
    for a, b in zip(rk, rt):
        _close(a, b)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]


@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_and_unique_consecutive(flags):
    inv, cnt = flags
    data = [np.array([[3, 1, 2], [1, 3, 3]]), np.array([2., NAN, 1, NAN, 2]),
            np.array([[1, 2, 1, 1], [0, 3, 0, 0], [1, 2, 1, 1]]), np.array([1, 1, 2, 2, 2, 1, 3])]
    for a in data:
        k, t = _pair(a)
        _same_results(engine.unique(k, return_inverse=inv, return_counts=cnt),
                      torch.unique(t, return_inverse=inv, return_counts=cnt))
        _same_results(k.unique_consecutive(return_inverse=inv, return_counts=cnt),
                      t.unique_consecutive(return_inverse=inv, return_counts=cnt))
        for dim in range(a.ndim):
            if not np.isnan(a).any():
                _same_results(k.unique(return_inverse=inv, return_counts=cnt, dim=dim),
                              t.unique(return_inverse=inv, return_counts=cnt, dim=dim))
            _same_results(engine.unique_consecutive(k, return_inverse=inv, return_counts=cnt, dim=dim),
                          torch.unique_consecutive(t, return_inverse=inv, return_counts=cnt, dim=dim))


def test_bincount_and_errors():
    k, t = _pair([1, 4, 1, 0, 4, 4])
    _same_results(engine.bincount(k), torch.bincount(t))
    _same_results(k.bincount(minlength=8), t.bincount(minlength=8))
    for w in (np.array([.5, 1, 2, 3, 4, 5]), np.array([.5, 1, 2, 3, 4, 5], np.float32), np.arange(6)):
        _same_results(engine.bincount(k, engine.tensor(w)), torch.bincount(t, torch.tensor(w)))
    _same_results(engine.bincount(engine.tensor(np.zeros(0, np.int64))),
                  torch.bincount(torch.zeros(0, dtype=torch.long)))
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        engine.bincount(engine.tensor(np.array([1, -2])))
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        engine.bincount(engine.tensor(np.array([1., 2.])))
    with pytest.raises(RuntimeError, match="minlength should be >= 0"):
        engine.bincount(k, minlength=-1)
    with pytest.raises(RuntimeError, match="weights should be 1-d and have the same length as input"):
        engine.bincount(k, engine.tensor(np.array([1.])))


def test_histc_histogram_and_errors():
    a = np.random.default_rng(3).standard_normal(50)
    k, t = _pair(a)
    for bins, lo, hi in ((10, 0, 0), (7, -1, 1), (4, 0, 3)):
        _same_results(engine.histc(k, bins, lo, hi), torch.histc(t, bins, lo, hi))
    _same_results(k.histc(), t.histc())
    _same_results(engine.histc(engine.tensor(np.ones(3)), 4), torch.histc(torch.ones(3, dtype=torch.float64), 4))
    with pytest.raises(RuntimeError, match="torch.histc: max must be larger than min"):
        engine.histc(k, 4, 3, 0)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        engine.histc(k, 0)
    w = np.abs(a)
    for kwargs in ({}, {"range": (-1., 2.)}, {"density": True}):
        rk = engine.histogram(k, 6, weight=engine.tensor(w), **kwargs)
        rt = torch.histogram(t, 6, weight=torch.tensor(w), **kwargs)
        _same_results(tuple(rk), tuple(rt))
    edges = np.array([-2., -0.5, 0., 1.5])
    _same_results(tuple(k.histogram(engine.tensor(edges))), tuple(t.histogram(torch.tensor(edges))))


def test_searchsorted_and_bucketize():
    seq, vals = np.array([1., 3, 3, 5, 9]), np.array([[0., 3, 4], [9, 10, 3]])
    (sk, st), (vk, vt) = _pair(seq), _pair(vals)
    for kw in ({}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}):
        _same_results(engine.searchsorted(sk, vk, **kw), torch.searchsorted(st, vt, **kw))
        _same_results(engine.bucketize(vk, sk, **{k: v for k, v in kw.items() if k != "side"}),
                      torch.bucketize(vt, st, **{k: v for k, v in kw.items() if k != "side"}))
    nd, ndv = np.array([[1., 2, 3], [0, 5, 6]]), np.array([[2.5, 0], [5, 7]])
    _same_results(engine.searchsorted(engine.tensor(nd), engine.tensor(ndv), right=True),
                  torch.searchsorted(torch.tensor(nd), torch.tensor(ndv), right=True))
    perm = np.array([3, 0, 4, 1, 2])
    shuffled = np.array([5., 1, 9, 3, 3])
    _same_results(engine.searchsorted(engine.tensor(shuffled), vk, sorter=engine.tensor(perm)),
                  torch.searchsorted(torch.tensor(shuffled), vt, sorter=torch.tensor(perm)))
    _same_results(engine.searchsorted(sk, 3), torch.searchsorted(st, 3))
    _same_results(engine.bucketize(3, sk), torch.bucketize(3, st))


def test_searchsorted_errors():
    s, v = engine.tensor(np.array([1, 3, 5])), engine.tensor(np.array([3, 4]))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        engine.searchsorted(s, v, right=True, side="left")
    with pytest.raises(RuntimeError, match="side can only be 'left' or 'right' but got mid"):
        engine.searchsorted(s, v, side="mid")
    with pytest.raises(RuntimeError, match=r"first N-1 dimensions of boundaries tensor and input value tensor "
                                           r"must match, but we got boundaries tensor \[1, 3\] and input value "
                                           r"tensor \[2\]"):
        engine.searchsorted(engine.tensor(np.array([[1, 3, 5]])), v)
    with pytest.raises(RuntimeError, match="boundary and sorter must have the same size"):
        engine.searchsorted(s, v, sorter=engine.tensor(np.array([0, 1])))
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        engine.bucketize(v, engine.tensor(np.array([[1, 3, 5]])))


# ---- random draws: distributions (fixed seeds), reproducibility, shapes/dtypes as torch's, errors ----

def _np(t):
    return np.asarray(t.numpy())


def test_normal_overloads_shapes_dtypes_and_moments():
    engine.manual_seed(0)
    mean, std = engine.tensor(np.array([[-2.], [3.]])), engine.tensor(np.array([0.5, 1., 2.], np.float32))
    tm, ts = torch.tensor(np.array([[-2.], [3.]])), torch.tensor(np.array([0.5, 1., 2.], np.float32))
    for args_k, args_t in (((mean, std), (tm, ts)), ((mean, 2.), (tm, 2.)), ((1., std), (1., ts)),
                           ((1., 2., (3, 2)), (1., 2., (3, 2)))):
        k, t = engine.normal(*args_k), torch.normal(*args_t)
        assert tuple(k.shape) == tuple(t.shape) and str(k.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert not k.requires_grad
    draws = _np(engine.normal(engine.full((200, 100), 3.0, dtype=engine.float64), engine.full((100,), 2.0)))
    assert abs(draws.mean() - 3.0) < 0.05 and abs(draws.std() - 2.0) < 0.05
    draws = _np(engine.normal(-1.0, 0.5, size=(20000,), generator=engine.Generator().manual_seed(3)))
    assert abs(draws.mean() + 1.0) < 0.02 and abs(draws.std() - 0.5) < 0.02


def test_normal_errors():
    with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
        engine.normal(engine.zeros(2), engine.tensor(np.array([-1., 1.])))
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        engine.normal(0., -1., (2,))
    with pytest.raises(RuntimeError, match=r"normal: the shapes of mean \(2,\) and std \(3,\) cannot be broadcast"):
        engine.normal(engine.zeros(2), engine.ones(3))
    with pytest.raises(TypeError, match="normal\\(\\) received an invalid combination of arguments"):
        engine.normal(0., 1.)


def test_draws_reproducible_with_manual_seed_and_generator():
    probs = engine.tensor(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))

    def draw(gen):
        x = engine.zeros(5, dtype=engine.float64)
        return [_np(engine.normal(engine.zeros(4), 1.0, generator=gen)), _np(engine.bernoulli(probs, generator=gen)),
                _np(engine.multinomial(probs, 2, generator=gen)), _np(engine.poisson(probs * 4, gen)),
                _np(x.exponential_(generator=gen)).copy(), _np(x.random_(10, generator=gen)).copy(),
                _np(x.bernoulli_(0.5, generator=gen)).copy()]

    for make in (lambda: engine.manual_seed(7) and None, lambda: engine.Generator().manual_seed(7)):
        first, second = draw(make()), draw(make())
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draw(engine.Generator().manual_seed(1))[0], draw(engine.Generator().manual_seed(2))[0])


def test_bernoulli_and_bernoulli_():
    gen = engine.Generator().manual_seed(0)
    p = np.array([0.0, 0.2, 0.9, 1.0])
    draws = _np(engine.bernoulli(engine.tensor(np.tile(p, (5000, 1))), generator=gen))
    np.testing.assert_allclose(draws.mean(0), p, atol=0.02)
    assert draws.dtype == np.float64 and set(np.unique(draws)) <= {0.0, 1.0}
    assert abs(_np(engine.bernoulli(engine.zeros(20000), 0.3, generator=gen)).mean() - 0.3) < 0.015
    x = engine.zeros(20000, dtype=engine.float32)
    assert x.bernoulli_(0.25, generator=gen) is x and abs(_np(x).mean() - 0.25) < 0.015
    x = engine.zeros(5000, 2)
    x.bernoulli_(engine.tensor(np.array([0.1, 0.8])), generator=gen)
    np.testing.assert_allclose(_np(x).mean(0), [0.1, 0.8], atol=0.02)
    with pytest.raises(RuntimeError, match=r"Expected p_in >= 0 && p_in <= 1 to be true"):
        engine.bernoulli(engine.tensor(np.array([0.5, 1.5])))
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=2"):
        engine.bernoulli(engine.zeros(2), p=2.)
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"):
        engine.zeros(2).bernoulli_(1.5)
    with pytest.raises(NotImplementedError, match="bernoulli: probabilities must be a floating-point tensor"):
        engine.bernoulli(engine.tensor(np.array([1, 0])))


def test_multinomial_frequencies_and_rules():
    gen = engine.Generator().manual_seed(5)
    w = np.array([[1., 2., 0., 5.], [0., 0., 3., 1.]])
    draws = _np(engine.tensor(w).multinomial(20000, True, generator=gen))
    assert draws.shape == (2, 20000) and draws.dtype == np.int64
    for row, weights in zip(draws, w):
        np.testing.assert_allclose(np.bincount(row, minlength=4) / 20000, weights / weights.sum(), atol=0.015)
    firsts = np.stack([_np(engine.multinomial(engine.tensor(w[0]), 3, generator=gen)) for _ in range(3000)])
    assert all(len(set(r)) == 3 and 2 not in r for r in firsts)  # distinct; the zero weight never drawn
    np.testing.assert_allclose(np.bincount(firsts[:, 0], minlength=4) / 3000, w[0] / w[0].sum(), atol=0.03)
    np.testing.assert_array_equal(_np(engine.multinomial(engine.tensor(np.array([0.5, 0.])), 2)), [0, 1])


def test_multinomial_errors():
    with pytest.raises(RuntimeError,
                       match=r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"):
        engine.multinomial(engine.tensor(np.array([0.5, 0.5])), 3)
    with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or element < 0"):
        engine.multinomial(engine.tensor(np.array([0.5, -1.])), 1)
    with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or element < 0"):
        engine.multinomial(engine.tensor(np.array([0.5, np.inf])), 1)
    with pytest.raises(RuntimeError, match=r"invalid multinomial distribution \(sum of probabilities <= 0\)"):
        engine.multinomial(engine.tensor(np.array([[1., 1.], [0., 0.]])), 1)
    with pytest.raises(RuntimeError, match="prob_dist must be 1 or 2 dim"):
        engine.multinomial(engine.tensor(np.array([[[0.5]]])), 1)
    with pytest.raises(RuntimeError, match="cannot sample n_sample <= 0 samples"):
        engine.multinomial(engine.tensor(np.array([0.5, 0.5])), 0)
    with pytest.raises(RuntimeError, match="multinomial only supports floating-point dtypes for input"):
        engine.multinomial(engine.tensor(np.array([1, 1])), 1)


def test_poisson_exponential_random_():
    gen = engine.Generator().manual_seed(11)
    rates = np.array([0.0, 0.5, 4.0, 30.0])
    draws = _np(engine.poisson(engine.tensor(np.tile(rates, (8000, 1))), generator=gen))
    np.testing.assert_allclose(draws.mean(0), rates, atol=0.03 * rates.max() ** 0.5 + 0.02)
    np.testing.assert_allclose(draws.var(0), rates, rtol=0.1, atol=0.02)
    x = engine.zeros(20000, dtype=engine.float64)
    assert x.exponential_(4.0, generator=gen) is x
    assert _np(x).min() >= 0 and abs(_np(x).mean() - 0.25) < 0.01 and abs(_np(x).std() - 0.25) < 0.01
    counts = np.bincount(_np(x.random_(3, 8, generator=gen)).astype(int), minlength=8)
    assert counts[:3].sum() == 0 and np.all(np.abs(counts[3:] / 20000 - 0.2) < 0.015)
    assert set(_np(x.random_(4, generator=gen))) == {0., 1., 2., 3.}
    assert _np(engine.zeros(1000, dtype=engine.float32).random_(generator=gen)).max() <= 2 ** 24
    big = _np(engine.zeros(1000, dtype=engine.int64).random_(generator=gen))
    assert big.min() >= 0 and big.max() > 2 ** 62
    assert set(_np(engine.zeros(100, dtype=engine.bool).random_(generator=gen))) == {False, True}
    with pytest.raises(RuntimeError, match="invalid Poisson rate, expected rate to be non-negative"):
        engine.poisson(engine.tensor(np.array([-1., 2.])))
    with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0, but found lambda=-1"):
        engine.zeros(2).exponential_(-1)
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but got from=3 >= to=1"):
        engine.zeros(2).random_(3, 1)


def test_in_place_draws_keep_state_on_error_and_respect_leaf_rule():
    x = engine.ones(3)
    with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0"):
        x.exponential_(0)
    np.testing.assert_array_equal(_np(x), [1., 1., 1.])
    leaf = engine.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        leaf.random_(5)


def test_unique_empty_inputs_and_zero_sized_dims():
    for shape, dim in (((0, 2), None), ((0, 2), 0), ((0,), None), ((3, 0), 1)):
        k, t = engine.zeros(*shape, dtype=engine.float64), torch.zeros(*shape, dtype=torch.float64)
        _same_results(k.unique(return_inverse=True, return_counts=True, dim=dim),
                      t.unique(return_inverse=True, return_counts=True, dim=dim))
        _same_results(k.unique_consecutive(return_inverse=True, return_counts=True, dim=dim),
                      t.unique_consecutive(return_inverse=True, return_counts=True, dim=dim))
    for fn in ("unique", "unique_consecutive"):
        with pytest.raises(RuntimeError, match="There are 0 sized dimensions, and they aren't selected, so unique "
                                               "cannot be applied"):
            getattr(engine.zeros(2, 0), fn)(dim=0)


def test_normal_and_uniform_in_place_take_an_engine_generator():
    a, b = engine.zeros(20000, dtype=engine.float64), engine.zeros(20000, dtype=engine.float64)
    a.normal_(2.0, 0.5, generator=engine.Generator().manual_seed(4))
    b.normal_(2.0, 0.5, generator=engine.Generator().manual_seed(4))
    np.testing.assert_array_equal(_np(a), _np(b))
    assert abs(_np(a).mean() - 2.0) < 0.02 and abs(_np(a).std() - 0.5) < 0.02
    a.uniform_(-1.0, 3.0, generator=engine.Generator().manual_seed(4))
    assert _np(a).min() >= -1.0 and _np(a).max() < 3.0 and abs(_np(a).mean() - 1.0) < 0.03


def test_random_bounds_overloads():
    gen = engine.Generator().manual_seed(2)
    x = engine.zeros(2000, dtype=engine.float64)
    for kwargs, args, (lo, hi) in (({"to": 5}, (), (0, 5)), ({"from": 3, "to": 6}, (), (3, 6)),
                                   ({"to": 4}, (2,), (2, 4)), ({}, (7, None), (7, 2 ** 53 + 1))):
        vals = _np(x.random_(*args, generator=gen, **kwargs))
        assert vals.min() >= lo and vals.max() < hi and (hi - lo > 10 or set(vals) == set(range(lo, hi)))
    with pytest.raises(TypeError, match="random_\\(\\) received an invalid combination of arguments"):
        x.random_(**{"from": 3})
    with pytest.raises(TypeError, match="random_\\(\\) received an invalid combination of arguments"):
        x.random_(1, 2, 3)
