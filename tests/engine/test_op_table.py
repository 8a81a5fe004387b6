"""Every differentiable op: gradcheck (float64, several shapes, broadcasting) and second order."""
import pytest

import engine
from engine.function import OP_REGISTRY

from .op_table import CASES as _CORE_CASES, make_inputs
from .op_table_torch import TORCH_CASES

CASES = _CORE_CASES + TORCH_CASES

_PARAMS = [pytest.param(c, s, id=f"{c.name}-{i}") for c in CASES for i, s in enumerate(c.shapes)]


def test_every_registered_op_has_a_case():
    covered = {name for c in CASES for name in c.covers}
    missing = sorted(set(OP_REGISTRY) - covered)
    assert not missing, f"ops without an entry in the op table: {missing}"


@pytest.mark.parametrize("case,shapes", _PARAMS)
def test_gradcheck(case, shapes):
    inputs = make_inputs(case, shapes, seed=1)
    assert engine.gradcheck(case.fn, inputs)


@pytest.mark.parametrize("case,shapes", [p for p in _PARAMS if p.values[0].second_order])
def test_gradgradcheck(case, shapes):
    inputs = make_inputs(case, shapes, seed=2)
    assert engine.gradgradcheck(case.fn, inputs)


def test_gradcheck_catches_a_wrong_gradient():
    class BadSquare(engine.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * x  # wrong: should be 2 * x

    x = engine.tensor([0.5, -1.5, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(engine.GradcheckError, match="input 0"):
        engine.gradcheck(BadSquare.apply, [x])
    with pytest.raises(engine.GradcheckError, match="input 0"):
        engine.gradcheck(BadSquare.apply, [x], mode="random")
