"""Torch parity of the elementwise maths and operators (engine/ops/math.py): values, dtypes and
gradients over float32 and float64, with 0-d, empty and broadcast shapes."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402

from .torch_parity import check, check_error  # noqa: E402

R = np.random.default_rng(0)


def rnd(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, shape)


def away(*shape):  # |x| in [0.3, 2]: away from kinks and poles at 0
    return np.sign(R.standard_normal(shape)) * R.uniform(0.3, 2.0, shape)


UNARY = [
    ("tan", lambda T, x: T.tan(x), rnd(3, 4, lo=-1.2, hi=1.2)),
    ("asin", lambda T, x: T.asin(x), rnd(3, 4, lo=-0.9, hi=0.9)),
    ("acos", lambda T, x: x.acos(), rnd(5, lo=-0.9, hi=0.9)),
    ("atan", lambda T, x: x.atan(), rnd(2, 3)),
    ("sinh", lambda T, x: T.sinh(x), rnd(2, 3)),
    ("cosh", lambda T, x: x.cosh(), rnd(2, 3)),
    ("asinh", lambda T, x: T.asinh(x), rnd(4)),
    ("acosh", lambda T, x: T.acosh(x), rnd(4, lo=1.2, hi=3)),
    ("atanh", lambda T, x: x.atanh(), rnd(4, lo=-0.9, hi=0.9)),
    ("erf", lambda T, x: T.erf(x), rnd(3, 4)),
    ("erfc", lambda T, x: x.erfc(), rnd(3, 4)),
    ("erfinv", lambda T, x: T.erfinv(x), rnd(3, 4, lo=-0.95, hi=0.95)),
    ("log2", lambda T, x: T.log2(x), rnd(6, lo=0.2, hi=5)),
    ("log10", lambda T, x: x.log10(), rnd(6, lo=0.2, hi=5)),
    ("log1p", lambda T, x: T.log1p(x), rnd(6, lo=-0.5, hi=5)),
    ("exp2", lambda T, x: T.exp2(x), rnd(6)),
    ("expm1", lambda T, x: x.expm1(), rnd(6)),
    ("rsqrt", lambda T, x: T.rsqrt(x), rnd(6, lo=0.2, hi=5)),
    ("reciprocal", lambda T, x: x.reciprocal(), away(6)),
    ("neg", lambda T, x: x.neg(), rnd(3)),
    ("floor", lambda T, x: T.floor(x), away(3, 4)),
    ("ceil", lambda T, x: x.ceil(), away(3, 4)),
    ("trunc", lambda T, x: T.trunc(x), away(3, 4)),
    ("round", lambda T, x: x.round(), away(3, 4) * 3),
    ("round_decimals", lambda T, x: T.round(x, decimals=2), np.array([0.123, -1.4567, 2.5, 0.015])),
    ("sign", lambda T, x: T.sign(x), np.array([-1.5, 0.0, 2.0])),
    ("square", lambda T, x: x.square(), rnd(3)),
    ("0d_tan", lambda T, x: T.tan(x), np.array(0.3)),
    ("empty_erf", lambda T, x: T.erf(x), np.zeros((0, 3))),
]


@pytest.mark.parametrize("name,fn,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn, x):
    check(fn, x)


BINARY = [
    ("atan2", lambda T, a, b: T.atan2(a, b), away(3, 4), away(4)),
    ("copysign", lambda T, a, b: T.copysign(a, b), away(3, 4), away(3, 1)),
    ("copysign_scalar", lambda T, a: T.copysign(a, -1.0), away(5)),
    ("logaddexp", lambda T, a, b: T.logaddexp(a, b), rnd(3, 4), rnd(1, 4)),
    ("lerp_scalar", lambda T, a, b: T.lerp(a, b, 0.3), rnd(3, 4), rnd(4)),
    ("lerp_tensor", lambda T, a, b, w: a.lerp(b, w), rnd(3, 4), rnd(3, 4), rnd(3, 1, lo=0, hi=1)),
    ("fmod", lambda T, a, b: T.fmod(a, b), rnd(3, 4, lo=-5, hi=5), np.array([1.3, -1.7, 2.1, 0.9])),
    ("fmod_scalar", lambda T, a: a.fmod(1.5), rnd(6, lo=-5, hi=5)),
    ("remainder", lambda T, a, b: T.remainder(a, b), rnd(3, 4, lo=-5, hi=5), np.array([1.3, -1.7, 2.1, 0.9])),
    ("mod_op", lambda T, a, b: a % b, rnd(3, 4, lo=-5, hi=5), np.array([[1.3], [-1.7], [2.1]])),
    ("rmod_op", lambda T, a: 5.5 % a.detach(), away(4)),  # torch has no gradient for it
    ("div", lambda T, a, b: T.div(a, b), rnd(3, 4), away(4)),
    ("div_trunc", lambda T, a, b: T.div(a, b, rounding_mode="trunc"), rnd(3, 4, lo=-5, hi=5), away(4)),
    ("div_floor", lambda T, a, b: a.div(b, rounding_mode="floor"), rnd(3, 4, lo=-5, hi=5), away(4)),
    ("divide", lambda T, a: a.divide(2.0), rnd(3)),
    ("pow_fn", lambda T, a, b: T.pow(a, b), rnd(3, 4, lo=0.5, hi=2), rnd(4)),
    ("pow_method", lambda T, a: a.pow(3), rnd(3, 4)),
    ("pow_scalar_base", lambda T, a: T.pow(2.0, a), rnd(3)),
    ("clamp_tensor", lambda T, x, lo, hi: T.clamp(x, lo, hi), rnd(3, 4, lo=-3, hi=3), rnd(4, lo=-2, hi=-0.5),
     rnd(3, 1, lo=0.5, hi=2)),
    ("clamp_min_tensor", lambda T, x, lo: x.clamp(min=lo), rnd(3, 4), rnd(3, 4)),
    ("clamp_scalars", lambda T, x: T.clamp(x, -0.5, 0.5), rnd(3, 4)),
    ("clamp_crossed", lambda T, x, lo, hi: T.clamp(x, lo, hi), rnd(5), rnd(5, lo=1, hi=2), rnd(5, lo=-2, hi=-1)),
    ("add_alpha", lambda T, a, b: a.add(b, alpha=2), rnd(3), rnd(3)),
    ("sub_alpha", lambda T, a, b: a.sub(b, alpha=0.5), rnd(3), rnd(2, 3)),
    ("mul_method", lambda T, a, b: a.mul(b), rnd(3), rnd(2, 3)),
    ("0d_atan2", lambda T, a, b: T.atan2(a, b), np.array(0.4), away(3)),
    ("empty_fmod", lambda T, a: T.fmod(a, 2.0), np.zeros((2, 0))),
    ("atan2_transposed", lambda T, a, b: T.atan2(a.t() if T is torch else a.T, b[::2]), away(3, 4), away(6)),
]


@pytest.mark.parametrize("name,fn,xs", [(b[0], b[1], b[2:]) for b in BINARY], ids=[b[0] for b in BINARY])
def test_binary(name, fn, xs):
    check(fn, *xs)


I = np.array([[7, -7, 5, 0], [-3, 8, -9, 4]])
J = np.array([3, 3, -2, 5])
BOOL = np.array([True, False, True, False])
BOOL2 = np.array([True, True, False, False])

NOGRAD = [
    ("int_floordiv", lambda T, a, b: a // b, I, J),
    ("int_mod", lambda T, a, b: a % b, I, J),
    ("int_mod_scalar", lambda T, a: a % 3, I),
    ("int_rmod", lambda T, b: 10 % b, J),
    ("int_div", lambda T, a, b: T.div(a, b), I, J),
    ("int_div_trunc", lambda T, a, b: T.div(a, b, rounding_mode="trunc"), I, J),
    ("int_div_floor", lambda T, a, b: T.div(a, b, rounding_mode="floor"), I, J),
    ("int_fmod", lambda T, a, b: T.fmod(a, b), I, J),
    ("int_remainder", lambda T, a, b: T.remainder(a, b), I, J),
    ("lshift", lambda T, a: a << 2, np.array([1, 3, 7])),
    ("rshift", lambda T, a, b: a >> b, np.array([16, 33, 7]), np.array([1, 2, 0])),
    ("and", lambda T, a, b: a & b, I, J),
    ("or", lambda T, a, b: a | b, I, J),
    ("xor", lambda T, a, b: a ^ b, I, J),
    ("invert", lambda T, a: ~a, I),
    ("bool_and", lambda T, a, b: a & b, BOOL, BOOL2),
    ("bool_or", lambda T, a, b: a | b, BOOL, BOOL2),
    ("bool_xor", lambda T, a, b: a ^ b, BOOL, BOOL2),
    ("bool_invert", lambda T, a: ~a, BOOL),
    ("bitwise_not", lambda T, a: T.bitwise_not(a), I),
    ("bitwise_and_scalar", lambda T, a: T.bitwise_and(a, 6), I),
    ("logical_not", lambda T, a: T.logical_not(a), I),
    ("logical_and", lambda T, a, b: T.logical_and(a, b), I, BOOL),
    ("logical_or", lambda T, a, b: a.logical_or(b), BOOL, BOOL2),
    ("logical_xor", lambda T, a, b: T.logical_xor(a, b), I, J),
    ("isinf", lambda T, a: T.isinf(a), np.array([1.0, np.inf, -np.inf, np.nan])),
    ("isnan", lambda T, a: a.isnan(), np.array([1.0, np.inf, -np.inf, np.nan])),
    ("isfinite", lambda T, a: T.isfinite(a), np.array([1.0, np.inf, -np.inf, np.nan])),
    ("isclose", lambda T, a, b: T.isclose(a, b), np.array([1.0, 1.0, np.nan, np.inf, 2.0]),
     np.array([1.0 + 1e-9, 1.1, np.nan, np.inf, -2.0])),
    ("isclose_tol", lambda T, a, b: a.isclose(b, rtol=0.1, atol=0.0, equal_nan=True),
     np.array([1.0, 1.0, np.nan]), np.array([1.05, 1.2, np.nan])),
    ("isclose_int", lambda T, a, b: T.isclose(a, b), I, I * 1),
    ("allclose", lambda T, a, b: T.allclose(a, b), np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7])),
    ("allclose_false", lambda T, a, b: a.allclose(b), np.array([1.0, 2.0]), np.array([1.0, 2.1])),
    ("equal", lambda T, a, b: T.equal(a, b), I, I * 1),
    ("eq", lambda T, a, b: a.eq(b), I, J),
    ("ne", lambda T, a: a.ne(0), I),
    ("lt", lambda T, a, b: T.lt(a, b), I, J),
    ("le", lambda T, a, b: a.le(b), I, J),
    ("gt", lambda T, a: a.gt(2.5), I),
    ("ge", lambda T, a, b: T.ge(a, b), I, J),
    ("int_tan", lambda T, a: T.tan(a), J),
    ("int_floor", lambda T, a: T.floor(a), J),
    ("int_sign", lambda T, a: T.sign(a), I),
    ("int_fmod_float", lambda T, a: a.fmod(2.5), J),
    ("int_clamp", lambda T, a: T.clamp(a, -2, 3), I),
    ("int_pow", lambda T, a: T.pow(a, 2), I),
]


@pytest.mark.parametrize("name,fn,xs", [(b[0], b[1], b[2:]) for b in NOGRAD], ids=[b[0] for b in NOGRAD])
def test_integer_bool_and_no_grad(name, fn, xs):
    check(fn, *xs, dtypes=("float64",))


def test_float_floordiv_values_and_no_gradient():
    a = np.array([5.5, -5.5, 3.0])
    b = np.array([2.0, 2.0, -2.0])
    check(lambda T, x, y: (x // y).detach() if T is torch else x // y, a, b, grad=False)
    x = engine.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):  # torch: floor_divide has no derivative
        (x // 2.0).sum().backward()


def test_dtype_promotion_follows_torch():
    i = engine.tensor([1, 2])
    assert (engine.atan2(i, engine.tensor(2.0, dtype="float64"))).dtype == np.float64  # 0-d of higher category
    f = engine.tensor([1.0, 2.0])
    assert engine.copysign(f, engine.tensor(2.0, dtype="float64")).dtype == np.float32  # 0-d of same category
    assert engine.fmod(i, 2.5).dtype == np.float32
    assert engine.div(i, i).dtype == np.float32


def test_errors_name_the_op():
    check_error(lambda T, a, b: T.fmod(a, b), ZeroDivisionError, "fmod: integer division by zero",
                np.array([1, 2]), np.array([1, 0]))
    check_error(lambda T, a: T.bitwise_not(a), RuntimeError, "bitwise_not: only integer and bool", np.array([1.5]))
    check_error(lambda T, a: T.div(a, 2, rounding_mode="round"), ValueError, "div: rounding_mode",
                np.array([1.5]))
    check_error(lambda T, a, b: T.atan2(a, b), ValueError, r"atan2: cannot broadcast shapes \(3,\) and \(4,\)",
                np.ones(3), np.ones(4))
    check_error(lambda T, a: T.clamp(a), ValueError, "clamp: at least one", np.ones(3))


def test_erfinv_inverts_erf_to_double_precision():
    y = np.linspace(-0.999, 0.999, 201)
    x = engine.erfinv(engine.tensor(y, dtype="float64"))
    np.testing.assert_allclose(engine.erf(x).numpy(), y, rtol=0, atol=1e-14)
    edge = engine.erfinv(engine.tensor([-1.0, 1.0, 1.5], dtype="float64")).numpy()
    assert edge[0] == -np.inf and edge[1] == np.inf and np.isnan(edge[2])


def test_mixed_dtype_tensors_promote_by_category():
    f32 = engine.tensor([1.5, -2.5])
    i64 = engine.tensor([2, 3])
    assert engine.fmod(f32, i64).dtype == np.float32  # float32 tensor with int64 tensor: float32 (torch)
    assert engine.remainder(i64, engine.tensor([2], dtype="int32")).dtype == np.int64
    assert engine.logaddexp(f32, engine.tensor([1.0], dtype="float64")).dtype == np.float64


def test_clamp_with_tensor_bounds_matches_torch_at_ties_crossed_bounds_and_nan():
    """Values and the three gradients as torch's clamp_backward: x inside [lo, hi] bounds included (nan gets
    none), lo where x < lo < hi, hi where x > hi or hi < lo (nobody at x < lo == hi)."""
    x = np.array([-1.0, 0.5, 0.5, 2.0, np.nan, 0.3, -3.0, 0.7])
    lo = np.array([0.5, 0.5, 1.0, 0.0, 0.0, 0.3, 0.2, 0.0])
    hi = np.array([1.0, 0.5, 0.2, 1.0, 1.0, 0.3, 0.2, 1.0])
    ex, elo, ehi = (engine.tensor(a, requires_grad=True) for a in (x, lo, hi))
    tx, tlo, thi = (torch.tensor(a, requires_grad=True) for a in (x, lo, hi))
    ey, ty = engine.clamp(ex, elo, ehi), torch.clamp(tx, tlo, thi)
    np.testing.assert_array_equal(ey.numpy(), ty.detach().numpy())
    ey.backward(engine.tensor(np.arange(1.0, 9.0)))
    ty.backward(torch.arange(1.0, 9.0, dtype=torch.float64))
    for e, t in ((ex, tx), (elo, tlo), (ehi, thi)):
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


def test_clamp_with_number_bounds_matches_torch_at_the_bounds_and_nan():
    x = np.array([-0.5, 0.0, 0.5, 0.7, np.nan], dtype=np.float32)
    ex, tx = engine.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for lo, hi in ((-0.5, 0.5), (None, 0.5), (0.0, None), (0.6, 0.2)):
        ey, ty = ex.clamp(lo, hi), tx.clamp(lo, hi)
        np.testing.assert_array_equal(ey.numpy(), ty.detach().numpy())
        assert ey.dtype == engine.float32
        (eg,), (tg,) = engine.grad(ey.sum(), [ex]), torch.autograd.grad(ty.sum(), [tx])
        np.testing.assert_array_equal(eg.numpy(), tg.numpy())


def test_clip_and_floor_divide_have_one_implementation_each():
    from engine.function import OP_REGISTRY

    assert engine.clip is engine.clamp and engine.Tensor.clip is engine.Tensor.clamp
    assert "Clip" not in OP_REGISTRY
    assert engine.floor_divide is engine.ops.elementwise.floor_divide
    x = engine.tensor([5.5, -5.5], requires_grad=True)
    for y in (engine.floor_divide(x, 2.0), x // 2.0, x.floor_divide(2.0)):  # no derivative, as torch
        np.testing.assert_array_equal(y.numpy(), [2.0, -3.0])
        assert not y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide: ZeroDivisionError"):
        engine.floor_divide(engine.tensor([3, 4]), engine.tensor([1, 0]))
    t = engine.tensor([-2.0, 0.1, 3.0])
    t.clamp_(engine.tensor([-1.0, 0.0, 0.0]), 1.0)  # in place, tensor bound
    np.testing.assert_array_equal(t.numpy(), np.array([-1.0, 0.1, 1.0], dtype=np.float32))
