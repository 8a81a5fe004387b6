"""Torch's meanings that the op table cannot say: dtype objects and promotion, ``size()``/``numel()``,
casts and ``to``, factory dtypes, named tuples, error types and messages, ``__format__``, ``new_*``.

Parity checks compare with PyTorch when it is installed (``torch = pytest.importorskip("torch")``)."""
import itertools
import pickle

import numpy as np
import pytest

import engine
import nn.functional as F

_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


# ---- dtype objects ------------------------------------------------------------------------------
def test_dtype_objects_compare_with_every_spelling():
    x = engine.tensor([1.0, 2.0])
    assert x.dtype == engine.float32 and x.dtype == "float32" and x.dtype == np.float32
    assert x.dtype == np.dtype("float32") and np.dtype("float32") == x.dtype and np.float32 == x.dtype
    assert x.dtype != engine.float64 and x.dtype != "int64"
    assert repr(engine.int64) == "engine.int64" and str(x.dtype) == "engine.float32"
    assert engine.float is engine.float32 and engine.long is engine.int64 and engine.half is engine.float16
    assert engine.double is engine.float64 and engine.int is engine.int32
    assert engine.float32.is_floating_point and not engine.int64.is_floating_point
    assert engine.bfloat16.is_floating_point and engine.float64.itemsize == 8
    assert {np.dtype("float32"): 1}[engine.float32] == 1  # hashes like NumPy's dtype
    assert pickle.loads(pickle.dumps(engine.float16)) is engine.float16
    assert np.zeros(2, dtype=engine.float64).dtype == np.float64  # usable in NumPy calls
    assert isinstance(engine.float32, engine.dtype)


@pytest.mark.parametrize("name", _DTYPES)
def test_dtype_keyword_takes_engine_dtypes(name):
    d = getattr(engine, name)
    assert engine.zeros(2, dtype=d).dtype == d
    assert engine.tensor([1, 0], dtype=d).dtype == d
    assert engine.ones(3).to(d).dtype == d
    assert engine.full((2,), 1, dtype=d).dtype == d


def test_default_dtype_can_be_set_and_restored():
    assert engine.get_default_dtype() == engine.float32
    try:
        engine.set_default_dtype(engine.float64)
        assert engine.tensor([1.5]).dtype == engine.float64 and engine.zeros(2).dtype == engine.float64
        assert (engine.tensor([1, 2]) / 2).dtype == engine.float64
    finally:
        engine.set_default_dtype(engine.float32)
    with pytest.raises(TypeError, match="only floating-point"):
        engine.set_default_dtype(engine.int64)
    with pytest.raises(TypeError, match="is not a dtype"):
        engine.zeros(2, dtype=object())


def test_factory_and_inference_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    pairs = [
        (engine.tensor(1.5), torch.tensor(1.5)),
        (engine.tensor([1, 2]), torch.tensor([1, 2])),
        (engine.tensor([True]), torch.tensor([True])),
        (engine.tensor(np.zeros(3)), torch.tensor(np.zeros(3))),
        (engine.tensor(np.zeros(3, np.float16)), torch.tensor(np.zeros(3, np.float16))),
        (engine.tensor(np.float64(2.0)), torch.tensor(np.float64(2.0))),
        (engine.full((2,), 3), torch.full((2,), 3)),
        (engine.full((2,), 3.0), torch.full((2,), 3.0)),
        (engine.full((2,), True), torch.full((2,), True)),
        (engine.arange(3), torch.arange(3)),
        (engine.arange(0.0, 1.0, 0.5), torch.arange(0.0, 1.0, 0.5)),
        (engine.zeros(2), torch.zeros(2)),
    ]
    for e, t in pairs:
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1], (e, t)


def _operands(name, kind):
    """(engine operand, torch operand) of dtype ``name`` for an operand kind."""
    torch = pytest.importorskip("torch")
    vals = np.array([1, 0, 1])
    if kind == "tensor":
        return engine.tensor(vals).to(getattr(engine, name)), torch.tensor(vals).to(getattr(torch, name))
    return engine.tensor(1).to(getattr(engine, name)), torch.tensor(1).to(getattr(torch, name))


def _name(d) -> str:
    return str(d).split(".")[-1]


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(_DTYPES, 2)))
def test_promotion_between_tensors_matches_torch(a, b):
    torch = pytest.importorskip("torch")
    assert _name(engine.promote_types(getattr(engine, a), getattr(engine, b))) == _name(
        torch.promote_types(getattr(torch, a), getattr(torch, b)))
    for kind_a, kind_b in (("tensor", "tensor"), ("tensor", "0d"), ("0d", "tensor")):
        ea, ta = _operands(a, kind_a)
        eb, tb = _operands(b, kind_b)
        assert _name((ea * eb).dtype) == _name(torch.result_type(ta, tb)), (a, kind_a, b, kind_b)
        assert _name((ea * eb).dtype) == _name((ta * tb).dtype)


@pytest.mark.parametrize("name", _DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_promotion_with_python_scalars_matches_torch(name, scalar):
    torch = pytest.importorskip("torch")
    e, t = _operands(name, "tensor")
    assert _name((e * scalar).dtype) == _name((t * scalar).dtype)
    assert _name((scalar * e).dtype) == _name((scalar * t).dtype)


def test_mixed_precision_gradients_flow_back_in_each_inputs_dtype():
    a = engine.tensor([1.0, 2.0], requires_grad=True)
    b = engine.tensor([3.0, 4.0], dtype=engine.float64, requires_grad=True)
    y = a * b
    assert y.dtype == engine.float64
    y.sum().backward()
    assert a.grad.dtype == engine.float32 and b.grad.dtype == engine.float64
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])


def test_integer_division_and_floor_rules_match_torch():
    torch = pytest.importorskip("torch")
    a, b = np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])
    ea, eb, ta, tb = engine.tensor(a), engine.tensor(b), torch.tensor(a), torch.tensor(b)
    for e, t in [(ea / eb, ta / tb), (ea // eb, ta // tb), (ea % eb, ta % tb), (ea // 2, ta // 2),
                 (ea % -3, ta % -3), (ea * 1.5, ta * 1.5), (ea / 2, ta / 2), (ea.float() // -2.0, ta.float() // -2.0),
                 (-7.5 % engine.tensor([2.0]), -7.5 % torch.tensor([2.0])), (7 // eb, 7 // tb)]:
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    with pytest.raises(RuntimeError, match="floor_divide: ZeroDivisionError"):
        ea // engine.tensor([1, 0, 1, 1, 1])
    with pytest.raises(RuntimeError, match="remainder: ZeroDivisionError"):
        ea % 0
    assert np.isinf((ea.float() // 0).numpy()[0])  # float division by zero is inf, as torch


def test_float_functions_turn_integers_into_the_default_float():
    x = engine.tensor([1, 4])
    assert x.sqrt().dtype == engine.float32 and x.exp().dtype == engine.float32
    np.testing.assert_allclose(x.sqrt().numpy(), [1.0, 2.0])


# ---- casts and moves ---------------------------------------------------------------------------
def test_casts_to_and_type():
    x = engine.tensor([1.7, -2.2], requires_grad=True)
    assert x.int().dtype == engine.int32 and x.long().dtype == engine.int64 and x.half().dtype == engine.float16
    assert x.double().dtype == engine.float64 and x.bool().dtype == engine.bool and x.float() is x
    assert x.short().dtype == engine.int16 and x.byte().dtype == engine.uint8 and x.bfloat16().dtype == engine.bfloat16
    np.testing.assert_array_equal(x.int().numpy(), [1, -2])  # toward zero, as torch
    assert x.type() == "engine.FloatTensor" and x.long().type() == "engine.LongTensor"
    assert x.type(engine.float64).dtype == engine.float64 and x.type("engine.DoubleTensor").dtype == engine.float64
    assert x.to(engine.float64).dtype == engine.float64 and x.to("float64").dtype == engine.float64
    assert x.to("cpu", engine.float16).dtype == engine.float16 and x.to("cpu") is x
    assert x.to(engine.zeros(1, dtype=engine.int64)).dtype == engine.int64
    assert x.to(dtype=engine.float64, device="cpu").dtype == engine.float64
    assert x.type_as(engine.zeros(1, dtype=engine.float64)).dtype == engine.float64
    y = x.to(engine.float64)
    (y * y).sum().backward()
    assert x.grad.dtype == engine.float32
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy(), rtol=1e-6)
    c = x.to(copy=True)
    assert c is not x and c.array is not x.array


# ---- size, numel, dim, Size ---------------------------------------------------------------------
def test_size_is_torchs():
    x = engine.zeros(2, 3, 4)
    s = x.size()
    assert isinstance(s, engine.Size) and isinstance(s, tuple) and s == (2, 3, 4) and s.numel() == 24
    assert repr(s) == "engine.Size([2, 3, 4])" and isinstance(s[1:], engine.Size)
    assert x.size(0) == 2 and x.size(-1) == 4 and x.numel() == 24 and x.dim() == 3 and x.nelement() == 24
    assert engine.numel(x) == 24 and engine.is_tensor(x) and not engine.is_tensor(np.zeros(2))
    with pytest.raises(IndexError, match=r"size: dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        x.size(3)
    with pytest.raises(IndexError, match="no dimensions"):
        engine.tensor(1.0).size(0)


# ---- reductions ---------------------------------------------------------------------------------
def test_max_dim_returns_a_named_tuple():
    x = engine.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    r = x.max(dim=1)
    assert isinstance(r, tuple) and r._fields == ("values", "indices")
    values, indices = r
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert indices.dtype == engine.int64 and x.min(0).indices.tolist() == [0, 1, 0]
    assert x.max().item() == 7.0 and engine.max(x, 0).values.tolist() == [7.0, 5.0, 7.0]
    with pytest.raises(TypeError, match="use amax/amin"):
        x.max(dim=(0, 1))
    with pytest.raises(RuntimeError, match=r"max\(\): expected reduction dim"):
        engine.zeros(0).max()


def test_any_all_return_bool_tensors_and_reductions_accept_aliases():
    x = engine.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert isinstance(x.any(), engine.Tensor) and x.any().dtype == engine.bool and bool(x.any())
    assert x.all(dim=1).tolist() == [False, False] and x.any(axis=0, keepdims=True).shape == (1, 2)
    assert x.sum(axis=1).tolist() == [1.0, 0.0] and x.sum(dim=1, keepdims=True).shape == (2, 1)
    with pytest.raises(TypeError, match="got both dim=0 and axis=1"):
        x.sum(dim=0, axis=1)
    assert engine.tensor([1, 2]).sum().dtype == engine.int64 and engine.tensor([True, True]).sum().item() == 2


def test_reductions_of_zero_dim_and_empty_tensors():
    z = engine.tensor(3.0)
    assert z.sum(0).item() == 3.0 and z.sum(-1).item() == 3.0 and z.argmax(0).item() == 0
    with pytest.raises(IndexError, match=r"dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        z.sum(1)
    assert np.isnan(engine.zeros(0).mean().item()) and engine.zeros(0, 3).sum(0).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="mean: could not infer output dtype"):
        engine.tensor([1, 2]).mean()
    assert engine.tensor([1, 2]).mean(dtype=engine.float64).item() == 1.5


def test_var_std_arguments():
    x = engine.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    ref = np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(x.var().item(), ref.var(ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(1, unbiased=False).numpy(), ref.var(1), rtol=1e-6)
    np.testing.assert_allclose(x.std(1, correction=0, keepdim=True).numpy(), ref.std(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.var(False).item(), ref.var(), rtol=1e-6)  # a bool first is `unbiased`
    np.testing.assert_allclose(x.var(axis=0, ddof=0).numpy(), ref.var(0), rtol=1e-6)
    assert np.isnan(engine.tensor([2.0]).var().item())
    with pytest.raises(TypeError, match="give only one of"):
        x.var(unbiased=True, correction=1)


# ---- shape ops: errors and argument forms -------------------------------------------------------
def test_shape_op_errors_name_the_op():
    x = engine.zeros(2, 3)
    with pytest.raises(IndexError, match=r"transpose: dimension out of range"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match="permute: number of dims"):
        x.permute(1, 0, 2)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        engine.zeros(1, 2, 3).t()
    with pytest.raises(RuntimeError, match="mT: tensor of shape \\(3,\\)"):
        engine.zeros(3).mT
    with pytest.raises(RuntimeError, match=r"split: sizes \[1, 1\] must be non-negative and sum to 3"):
        x.split([1, 1], dim=1)
    with pytest.raises(RuntimeError, match="expand: the expanded size 4 must match the existing size 3"):
        x.expand(2, 4)
    with pytest.raises(IndexError, match="narrow: start 2 and length 2 exceed dim 1 of size 3"):
        x.narrow(1, 2, 2)
    with pytest.raises(RuntimeError, match="cat: shapes"):
        engine.cat([x, engine.zeros(2, 2)])
    with pytest.raises(RuntimeError, match="flatten: start_dim 1 cannot come after end_dim 0"):
        x.flatten(1, 0)


def test_split_chunk_match_torch_piece_sizes():
    torch = pytest.importorskip("torch")
    for n, arg in [(7, 3), (6, 3), (5, 5), (5, 9), (1, 2)]:
        e, t = engine.zeros(n, 2), torch.zeros(n, 2)
        assert [p.shape[0] for p in e.split(arg)] == [p.shape[0] for p in t.split(arg)]
        assert [p.shape[0] for p in e.chunk(arg)] == [p.shape[0] for p in t.chunk(arg)]


def test_contiguous_and_views():
    x = engine.arange(6.0).reshape(2, 3)
    assert x.is_contiguous() and x.contiguous() is x
    y = x.t()
    assert not y.is_contiguous() and y.contiguous().is_contiguous()
    assert x.permute(dims=(1, 0)).shape == (3, 2) and engine.permute(x, (1, 0)).shape == (3, 2)
    assert x.view(3, 2).shape == (3, 2) and x.view(-1).shape == (6,) and x.reshape_as(y).shape == (3, 2)


# ---- pad ----------------------------------------------------------------------------------------
def test_pad_errors():
    x = engine.zeros(1, 2, 3)
    with pytest.raises(ValueError, match="pad: padding length 3 must be even"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match="too large for dim 2 of size 3 in reflect mode"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="mode 'wrap'"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match="negative padding"):
        F.pad(x, (-1, 1), mode="replicate")


def test_softmax_without_dim_warns_and_uses_torchs_implicit_dim():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ours = F.softmax(engine.tensor(a))
    with pytest.warns(UserWarning):
        ref = torch.nn.functional.softmax(torch.tensor(a))
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)


# ---- 0-d tensors through kinked ops (was: "mul: tensors are on different devices (cpu, cpu)") -----
@pytest.mark.parametrize("op", [lambda a: a.relu(), lambda a: a.abs(), lambda a: a.max(), lambda a: a.clip(-1, 1),
                                lambda a: engine.maximum(a, a * 0.5), lambda a: engine.minimum(a, 1.0),
                                lambda a: a.sigmoid() * a.relu()])
def test_zero_dim_backward_through_kinked_ops(op):
    a = engine.tensor(0.5, requires_grad=True)
    y = op(a)
    assert isinstance(y.array, np.ndarray)
    y.backward()
    assert isinstance(a.grad.array, np.ndarray) and a.grad.shape == ()
    assert engine.gradcheck(op, [engine.tensor(0.5, dtype=engine.float64, requires_grad=True)])


# ---- the rest of the everyday surface ------------------------------------------------------------
def test_format_new_tensors_and_matrix_products():
    z = engine.tensor(3.14159)
    assert f"{z:.3f}" == "3.142" and f"{z:>8.2f}" == "    3.14"
    with pytest.raises(TypeError):
        f"{engine.zeros(2):.3f}"
    x = engine.tensor([1.0, 2.0], dtype=engine.float64)
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros((2,)).dtype == engine.float64
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_full((2,), 7).dtype == engine.float64
    assert x.new_empty(4).shape == (4,) and x.new_tensor([1, 2]).dtype == engine.float64
    assert x.new_zeros(2, dtype=engine.int64).dtype == engine.int64
    with pytest.raises(RuntimeError, match=r"mm: expected two 2-d tensors, got shapes \(2,\) and \(2, 2\)"):
        engine.mm(x, engine.zeros(2, 2))
    with pytest.raises(RuntimeError, match="bmm: expected two 3-d tensors with the same batch size"):
        engine.bmm(engine.zeros(2, 2, 2), engine.zeros(3, 2, 2))
