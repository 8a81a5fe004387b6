"""The Tensor and Module methods generated from tables (engine/_torch_methods.py, engine.dtypes.CAST_METHODS):
each one is attached, computes what its op computes, and the reflected operators put the Tensor on the right."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import engine
import nn
from engine import _torch_methods as tm

_NUMPY_OPERATOR = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
                   "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power, "matmul": np.matmul,
                   "lshift": np.left_shift, "rshift": np.right_shift, "and": np.bitwise_and,
                   "or": np.bitwise_or, "xor": np.bitwise_xor}


def test_every_table_method_is_its_op_function():
    for module, names in tm.OP_METHODS.items():
        for name in names:
            assert getattr(engine.Tensor, name) is getattr(getattr(engine.ops, module), name), name
    for alias, name in tm.ALIASES.items():
        assert getattr(engine.Tensor, alias) is getattr(engine.Tensor, name), alias


@pytest.mark.parametrize("name", sorted(tm.BINARY_OPERATORS))
def test_operator_and_its_reflection_match_numpy(name):
    integer = name in ("lshift", "rshift", "and", "or", "xor", "floordiv", "mod")
    a = np.array([[3, 5], [6, 2]]) if integer else np.array([[1.5, 2.0], [0.5, 3.0]])
    b = np.array([[1, 2], [3, 1]]) if integer else np.array([[2.0, 0.5], [1.5, 1.25]])
    want = _NUMPY_OPERATOR[name](a, b)
    forward = getattr(operator, name if name not in ("and", "or") else name + "_")
    np.testing.assert_allclose(forward(engine.tensor(a), engine.tensor(b)).numpy(), want, rtol=1e-6)
    # the reflected method: the left operand is not a Tensor, so Python asks the right one
    np.testing.assert_allclose(getattr(engine.tensor(b), f"__r{name}__")(a).numpy(), want, rtol=1e-6)


def test_reflected_scalar_operators_put_the_tensor_on_the_right():
    x = engine.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose((2.0 - x).numpy(), [1.0, 0.0, -2.0])
    np.testing.assert_allclose((2.0 / x).numpy(), [2.0, 1.0, 0.5])
    np.testing.assert_allclose((2.0 ** x).numpy(), [2.0, 4.0, 16.0])
    assert (1 << engine.tensor([1, 3])).tolist() == [2, 8]


def test_cast_methods_give_torchs_dtypes():
    torch = pytest.importorskip("torch")
    x, t = engine.tensor([1.5, -2.0, 0.0]), torch.tensor([1.5, -2.0, 0.0])
    for name in engine.dtypes.CAST_METHODS:
        got, want = getattr(x, name)(), getattr(t, name)()
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], name
        np.testing.assert_array_equal(got.float().numpy(), want.float().numpy())


def test_module_cast_methods_cast_floating_parameters():
    m = nn.Linear(2, 3)
    assert m.double().weight.dtype == engine.float64
    assert m.half().bias.dtype == engine.float16
    assert m.float().weight.dtype == engine.float32
