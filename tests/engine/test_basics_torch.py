"""engine/ops/basics.py and basics_more.py against torch: values and dtypes, input gradients through backward
(float64), integer and bool inputs, the Tensor methods, and torch's exact errors."""
import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(fe, ft, *arrays, grad=True, rtol=1e-12, atol=1e-12):
    """``fe`` on engine tensors and ``ft`` on torch tensors of ``arrays`` (NumPy arrays, or Python numbers
    passed as they are) give the same values, dtypes and shapes, and (``grad``) the same input gradients for
    one random weighting of the outputs."""
    def make(lib, a):
        if not isinstance(a, np.ndarray):
            return a
        return lib.tensor(a, requires_grad=grad and a.dtype.kind == "f")

    ours, theirs = [make(engine, a) for a in arrays], [make(torch, a) for a in arrays]
    out_e, out_t = _flat(fe(*ours)), _flat(ft(*theirs))
    assert len(out_e) == len(out_t)
    loss_e = loss_t = 0
    for e, t in zip(out_e, out_t):
        assert tuple(e.shape) == tuple(t.shape)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
        np.testing.assert_allclose(e.numpy(), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)
        if grad and t.requires_grad:
            assert e.requires_grad
            w = RNG.standard_normal(tuple(t.shape))
            loss_e = loss_e + (e * engine.tensor(w)).sum()
            loss_t = loss_t + (t * torch.tensor(w)).sum()
    if not grad or isinstance(loss_t, int):
        return
    loss_e.backward()
    loss_t.backward()
    for e, t in zip(ours, theirs):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            ge = np.zeros(e.shape) if e.grad is None else e.grad.numpy()
            gt = np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(ge, gt, rtol=rtol, atol=atol, equal_nan=True)


def _x(*shape):
    return RNG.standard_normal(shape)


def _ints(*shape):
    return RNG.integers(-3, 4, shape).astype(np.int64)


# ---- clone, shapes ----------------------------------------------------------------------------
def test_clone_copies_storage_and_passes_the_gradient():
    check(lambda a: engine.clone(a) * a, lambda a: torch.clone(a) * a, _x(3, 4))
    check(lambda a: a.clone(memory_format=None), lambda a: a.clone(), _x(2, 3))
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None
    with engine.no_grad():
        c.add_(1.0)
    assert c._version == 1 and x._version == 0
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    check(lambda a: a.clone(), lambda a: a.clone(), _ints(2, 3))
    assert engine.clone(engine.tensor([True])).dtype == engine.bool


def test_ravel_unbind_broadcast_tensors():
    check(lambda a: a.t().ravel(), lambda a: a.t().ravel(), _x(3, 4))
    check(engine.ravel, torch.ravel, np.array(2.5))
    check(lambda a: a.unbind(1), lambda a: a.unbind(1), _x(2, 3, 2))
    check(lambda a: engine.unbind(a), lambda a: torch.unbind(a), _ints(3, 2))
    check(lambda a, b, c: engine.broadcast_tensors(a, b, c), lambda a, b, c: torch.broadcast_tensors(a, b, c),
          _x(3, 1), _x(4), np.array(1.5))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) "
                                           r"at non-singleton dimension 1"):
        engine.broadcast_tensors(engine.ones(2, 3), engine.ones(2, 4))
    with pytest.raises(IndexError, match="unbind: dimension out of range"):
        engine.unbind(engine.ones(2, 3), 2)


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
def test_rot90(k):
    check(lambda a: a.rot90(k, (1, 2)), lambda a: a.rot90(k, (1, 2)), _x(2, 3, 4))
    check(lambda a: engine.rot90(a, k, [-1, 0]), lambda a: torch.rot90(a, k, [-1, 0]), _ints(3, 2))


def test_rot90_errors():
    with pytest.raises(RuntimeError, match="expected total rotation dims == 2, but got dims = 1"):
        engine.rot90(engine.ones(2, 2), 1, [0])
    with pytest.raises(RuntimeError, match="expected total dims >= 2, but got total dims = 1"):
        engine.rot90(engine.ones(2))
    with pytest.raises(RuntimeError, match="expected rotation dims to be different, but got dim0 = 0 and dim1 = 0"):
        engine.rot90(engine.ones(2, 2), 1, [0, -2])


def test_take():
    idx = np.array([[0, 5, -1], [2, 2, -6]])
    check(lambda a, i: a.take(i), lambda a, i: a.take(i), _x(2, 3), idx)
    check(lambda a, i: engine.take(a, i), lambda a, i: torch.take(a, i), _ints(3, 2), idx)
    with pytest.raises(IndexError, match="out of range: tried to access index 10 on a tensor of 6 elements."):
        engine.take(engine.ones(2, 3), engine.tensor([1, 10]))
    with pytest.raises(RuntimeError, match="take\\(\\): Expected a long tensor for index, but got Int"):
        engine.take(engine.ones(2, 3), engine.tensor([1], dtype=engine.int32))


# ---- arithmetic and reductions ----------------------------------------------------------------
def test_square_addcmul_addcdiv():
    check(engine.square, torch.square, _x(3, 4))
    check(engine.square, torch.square, np.array([True, False]))
    check(engine.square, torch.square, _ints(4))
    check(lambda a, b, c: engine.addcmul(a, b, c, value=0.5), lambda a, b, c: torch.addcmul(a, b, c, value=0.5),
          _x(3, 4), _x(4), _x(3, 1))
    check(lambda a, b, c: a.addcmul(b, c), lambda a, b, c: a.addcmul(b, c), _x(3), _x(3), _x(3))
    check(lambda a, b, c: engine.addcmul(a, b, c, value=0.5), lambda a, b, c: torch.addcmul(a, b, c, value=0.5),
          _ints(3), _ints(3), _ints(3))  # torch truncates the value to the integer result: value 0
    check(lambda a, b, c: a.addcdiv(b, c, value=-2), lambda a, b, c: a.addcdiv(b, c, value=-2),
          _x(3, 4), _x(3, 4), _x(4) + 3)
    check(lambda a, b, c: engine.addcdiv(a, b, c), lambda a, b, c: torch.addcdiv(a, b, c),
          _ints(3), _x(3), _ints(3) + 10, grad=False)  # torch's own backward fails on this mix
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        engine.addcdiv(engine.ones(2), engine.tensor([1, 2]), engine.tensor([1, 2]))


def test_count_nonzero():
    a = _ints(3, 4)
    for dim in (None, 0, -1, (0, 1)):
        check(lambda x: engine.count_nonzero(x, dim), lambda x: torch.count_nonzero(x, dim), a)
    check(lambda x: x.count_nonzero(1), lambda x: x.count_nonzero(1), a.astype(np.float64))
    check(lambda x: x.count_nonzero(), lambda x: x.count_nonzero(), np.array([True, False, True]))


def _with_nans(*shape):
    x = _x(*shape)
    x.reshape(-1)[::3] = np.nan
    return x


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), ((0, 1), True)])
def test_nansum_nanmean(dim, keepdim):
    x = _with_nans(3, 4)
    check(lambda a: engine.nansum(a, dim, keepdim), lambda a: torch.nansum(a, dim, keepdim), x)
    check(lambda a: a.nanmean(dim, keepdim), lambda a: a.nanmean(dim, keepdim), x)


def test_nansum_nanmean_dtypes_and_errors():
    check(lambda a: a.nansum(), lambda a: a.nansum(), _ints(5).astype(np.int32))
    check(lambda a: engine.nansum(a), lambda a: torch.nansum(a), np.array([True, True, False]))
    check(lambda a: a.nansum(0, dtype=engine.float32), lambda a: a.nansum(0, dtype=torch.float32), _with_nans(4),
          rtol=1e-6)
    check(lambda a: a.nanmean(0, dtype=engine.float32), lambda a: a.nanmean(0, dtype=torch.float32),
          _with_nans(4), grad=False, rtol=1e-6)
    check(engine.nanmean, torch.nanmean, np.full((2,), np.nan))  # all NaN: NaN
    with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point or complex "
                                           "dtype but got Long"):
        engine.nanmean(engine.tensor([1, 2]))


@pytest.mark.parametrize("n,dim", [(0, -1), (1, -1), (2, 0), (3, 1), (5, 1)])
def test_diff(n, dim):
    check(lambda a: a.diff(n, dim), lambda a: a.diff(n, dim), _x(3, 4))
    check(lambda a, p, q: engine.diff(a, n, dim, p, q), lambda a, p, q: torch.diff(a, n, dim, p, q),
          _x(3, 4), _x(3, 4)[:1] if dim == 0 else _x(3, 1), _x(3, 4)[:2] if dim == 0 else _x(3, 2))
    check(lambda a: engine.diff(a, n, dim), lambda a: torch.diff(a, n, dim), _ints(3, 4))


def test_diff_bool_mixed_and_errors():
    check(lambda a: a.diff(), lambda a: a.diff(), np.array([True, False, False, True]))
    check(lambda a, p: engine.diff(a, prepend=p), lambda a, p: torch.diff(a, prepend=p),
          np.array([1, 5, 2]), np.array([1.5]))
    with pytest.raises(RuntimeError, match="order must be non-negative but got -1"):
        engine.diff(engine.ones(2, 3), n=-1)
    with pytest.raises(RuntimeError, match="diff expects input to be at least one-dimensional"):
        engine.diff(engine.tensor(1.0))
    with pytest.raises(RuntimeError, match="diff expects prepend or append to be the same dimension as input"):
        engine.diff(engine.ones(2, 3), prepend=engine.ones(3))


# ---- elementwise ------------------------------------------------------------------------------
UNARY = [
    ("frac", lambda a: a * 3, {}), ("deg2rad", None, {}), ("rad2deg", None, {}), ("positive", None, {}),
    ("logit", lambda a: a.abs().clamp(0.05, 0.95), {}), ("nan_to_num", None, {}), ("signbit", None, {}),
    ("lgamma", lambda a: a * 3, {}), ("digamma", lambda a: a * 3, dict(rtol=1e-8, atol=1e-9)),
]


@pytest.mark.parametrize("name,prepare,tol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_functions_and_methods(name, prepare, tol):
    x = _x(3, 4)
    x = x if prepare is None else prepare(torch.tensor(x)).numpy()
    tol = tol or dict(rtol=1e-12, atol=1e-12)
    check(getattr(engine, name), getattr(torch, name), x, **tol)
    check(lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), x, **tol)


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg", "positive", "nan_to_num", "signbit", "lgamma",
                                  "digamma", "logit"])
def test_unary_integer_input(name):
    check(getattr(engine, name), getattr(torch, name), _ints(5), rtol=1e-6, atol=1e-6)
    if name not in ("positive",):
        check(getattr(engine, name), getattr(torch, name), np.array([True, False]), rtol=1e-6, atol=1e-6)


def test_frac_positive_errors():
    with pytest.raises(NotImplementedError, match="\"frac\" not implemented for 'Long'"):
        engine.frac(engine.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="The `\\+` operator, on a bool tensor is not supported."):
        engine.positive(engine.tensor([True]))
    x = engine.ones(2)
    assert engine.positive(x) is x


def test_special_values():
    special = np.array([0.0, -0.0, -1.0, -2.5, np.inf, -np.inf, np.nan, 1e-300, 171.5])
    for name in ("lgamma", "digamma", "signbit", "frac", "nan_to_num", "deg2rad"):
        check(getattr(engine, name), getattr(torch, name), special, grad=False, rtol=1e-12)
    check(lambda a: engine.polygamma(3, a), lambda a: torch.polygamma(3, a), np.abs(_x(5)) + 0.3, rtol=1e-7)
    check(lambda a: engine.lgamma(a), lambda a: torch.lgamma(a), special.astype(np.float32), grad=False, rtol=1e-6)
    with pytest.raises(RuntimeError, match="polygamma\\(n, x\\) does not support negative n"):
        engine.polygamma(-1, engine.ones(2))


@pytest.mark.parametrize("kw", [{}, dict(nan=1.5), dict(nan=2.0, posinf=9.0, neginf=-7.0)])
def test_nan_to_num(kw):
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])
    check(lambda a: engine.nan_to_num(a, **kw), lambda a: torch.nan_to_num(a, **kw), x)
    check(lambda a: a.nan_to_num(**kw), lambda a: a.nan_to_num(**kw), x.astype(np.float32), grad=False)
    check(lambda a: a.nan_to_num(**kw), lambda a: a.nan_to_num(**kw), _ints(3), grad=False)


def test_logit_eps():
    x = np.array([0.0, 0.05, 0.3, 0.5, 0.97, 1.0])
    check(lambda a: engine.logit(a, 0.1), lambda a: torch.logit(a, 0.1), x)
    check(lambda a: a.logit(eps=0.7), lambda a: a.logit(eps=0.7), x)  # eps > 0.5, as torch clamps it


def test_clamp_min_max_rsub():
    x, b = _x(3, 4), _x(4)
    check(lambda a: engine.clamp_min(a, 0.2), lambda a: torch.clamp_min(a, 0.2), x)
    check(lambda a, m: a.clamp_max(m), lambda a, m: a.clamp_max(m), x, b)
    check(lambda a: a.clamp_min(1.5), lambda a: a.clamp_min(1.5), _ints(4))
    check(lambda a, o: engine.rsub(a, o, alpha=2), lambda a, o: torch.rsub(a, o, alpha=2), x, b)
    check(lambda a: engine.rsub(a, 3), lambda a: torch.rsub(a, 3), _ints(3))
    check(lambda a: engine.rsub(a, 0.5), lambda a: torch.rsub(a, 0.5), x)
    with pytest.raises(NotImplementedError, match="Subtraction, the `-` operator, with two bool tensors"):
        engine.rsub(engine.tensor([True]), engine.tensor([False]))


def test_hypot():
    check(engine.hypot, torch.hypot, _x(3, 4), _x(4))
    check(lambda a, b: a.hypot(b), lambda a, b: a.hypot(b), _x(2, 1), _x(3))
    check(engine.hypot, torch.hypot, np.array([1e200, 3.0]), np.array([1e200, 4.0]))  # no overflow
    with pytest.raises(NotImplementedError, match="\"hypot\" not implemented for 'Long'"):
        engine.hypot(engine.tensor([3]), engine.tensor([4]))


def test_xlogy():
    x = np.array([0.0, 0.0, 2.0, 1.5, 0.0, -1.0])
    y = np.array([0.5, np.nan, 3.0, 0.7, 2.0, 4.0])
    check(engine.xlogy, torch.xlogy, x, y)
    check(lambda a, b: a.xlogy(b), lambda a, b: a.xlogy(b), _x(3, 4), np.abs(_x(4)) + 0.1)
    check(engine.xlogy, torch.xlogy, np.array([0, 2]), np.array([0, 3]), rtol=1e-6)  # integers: float32
    check(lambda b: engine.xlogy(2, b), lambda b: torch.xlogy(2, b), np.array([0.5, 3.0]))
    check(lambda a: engine.xlogy(a, 2.0), lambda a: torch.xlogy(a, 2.0), np.array([0.0, 3.0]))


def test_float_power_ldexp():
    check(engine.float_power, torch.float_power, np.abs(_x(3, 4)), _x(4))
    check(lambda a: a.float_power(2), lambda a: a.float_power(2), _ints(3))
    check(lambda a, b: a.float_power(b), lambda a, b: a.float_power(b), np.abs(_x(3)).astype(np.float32), _ints(3),
          rtol=1e-6)
    check(lambda b: engine.float_power(2, b), lambda b: torch.float_power(2, b), _x(3))
    check(engine.ldexp, torch.ldexp, _x(3, 4), _ints(4))
    check(lambda a, b: a.ldexp(b), lambda a, b: a.ldexp(b), _ints(3), _ints(3), rtol=1e-6)
    check(engine.ldexp, torch.ldexp, _x(3), _x(3))
    with pytest.raises(TypeError, match="float_power: input or exponent must be a Tensor, got two numbers"):
        engine.float_power(2, 3)


def test_heaviside_signbit_isin():
    x = np.array([-1.5, 0.0, 2.0, -0.0])
    check(engine.heaviside, torch.heaviside, x, np.array([0.5]), grad=False)  # torch has no derivative
    assert not engine.heaviside(engine.tensor(x, requires_grad=True), engine.tensor(np.array([0.5]))).requires_grad
    check(lambda a, v: a.heaviside(v), lambda a, v: a.heaviside(v), _ints(5), np.array([7]))
    with pytest.raises(RuntimeError, match="heaviside is not yet implemented for tensors with different dtypes."):
        engine.heaviside(engine.tensor([1.0]), engine.tensor([1]))
    check(engine.signbit, torch.signbit, np.array([-0.0, 1.0, -2.0]))
    check(engine.signbit, torch.signbit, np.array([-1, 1]))
    check(engine.isin, torch.isin, _ints(3, 4), np.array([2, -1, 9]))
    check(lambda a: engine.isin(a, 2), lambda a: torch.isin(a, 2), _ints(5))
    check(lambda b: engine.isin(3, b), lambda b: torch.isin(3, b), np.array([2, 3]))
    check(lambda a, b: engine.isin(a, b, invert=True, assume_unique=True),
          lambda a, b: torch.isin(a, b, invert=True, assume_unique=True), np.array([1.0, 2.0, 3.0]),
          np.array([2.0, 5.0]))


# ---- dtype helpers and inference_mode ----------------------------------------------------------
def test_dtype_helpers():
    assert engine.is_floating_point(engine.ones(2)) and not engine.is_floating_point(engine.tensor([1]))
    assert engine.is_complex(engine.tensor([1j])) and not engine.is_complex(engine.ones(2))
    with pytest.raises(TypeError, match="is_floating_point\\(\\): argument 'input' \\(position 1\\) must be "
                                        "Tensor, not float"):
        engine.is_floating_point(3.0)
    pairs = [(np.array([1, 2]), 1.0), (np.array([1, 2]), np.array(1.0)), (np.array([1, 2], np.int32), 5),
             (np.array([True]), np.array([1], np.uint8)), (np.array([1.0], np.float32), np.array([1.0])),
             (np.array(1, np.int16), np.array([1], np.int8))]
    for a, b in pairs:
        conv = [(engine.tensor(v) if isinstance(v, np.ndarray) else v) for v in (a, b)]
        tconv = [(torch.tensor(v) if isinstance(v, np.ndarray) else v) for v in (a, b)]
        assert str(engine.result_type(*conv)).split(".")[-1] == str(torch.result_type(*tconv)).split(".")[-1]
    names = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128"]
    for f in names:
        for t in names:
            assert engine.can_cast(getattr(engine, f), getattr(engine, t)) == \
                   torch.can_cast(getattr(torch, f), getattr(torch, t)), (f, t)


def test_inference_mode():
    x = engine.ones(2, requires_grad=True)
    with engine.inference_mode():
        assert not engine.is_grad_enabled() and not (x * 2).requires_grad
        with engine.inference_mode(False):
            assert engine.is_grad_enabled()
    assert engine.is_grad_enabled()

    @engine.inference_mode
    def bare():
        return (x * 2).requires_grad

    @engine.inference_mode()
    def called():
        return (x * 2).requires_grad

    assert bare() is False and called() is False and engine.is_grad_enabled()
    assert bare.__name__ == "bare"


def test_memory_formats_are_accepted_as_torchs_layout_hints():
    """``x.clone(memory_format=torch.preserve_format)`` and ``x.contiguous(memory_format=torch.channels_last)`` run
    and give torch's values (Kiln keeps its one layout); a non-format is refused as torch refuses it."""
    x0 = np.arange(24.0).reshape(1, 2, 3, 4)
    for fmt in ("preserve_format", "contiguous_format", "channels_last"):
        k = engine.tensor(x0).clone(memory_format=getattr(engine, fmt))
        t = torch.tensor(x0).clone(memory_format=getattr(torch, fmt))
        np.testing.assert_array_equal(k.numpy(), t.numpy())
    np.testing.assert_array_equal(engine.tensor(x0).contiguous(memory_format=engine.channels_last).numpy(), x0)
    assert repr(engine.channels_last) == "engine.channels_last"
    with pytest.raises(TypeError, match="clone\\(\\): argument 'memory_format' must be torch.memory_format, not str"):
        engine.ones(2).clone(memory_format="channels_last")
    with pytest.raises(TypeError):
        torch.ones(2).clone(memory_format="channels_last")
