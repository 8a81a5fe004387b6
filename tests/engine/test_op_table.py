"""Every differentiable op: gradcheck (float64, several shapes, broadcasting, 0-d and empty inputs),
second order, and, for rows with a torch reference, parity with PyTorch (values, dtypes, gradients) in
float32 and float64 — all generated from the op table (op_table.py)."""
import numpy as np
import pytest

import engine
from engine.function import OP_REGISTRY

from .op_table import CASES as _CORE_CASES, make_arrays, make_inputs
from .op_table_layers import LAYER_CASES
from .op_table_torch import TORCH_CASES

CASES = _CORE_CASES + TORCH_CASES + LAYER_CASES

_PARAMS = [pytest.param(c, s, id=f"{c.name}-{i}") for c in CASES for i, s in enumerate(c.shapes)]
_TORCH_PARAMS = [pytest.param(c, s, dt, id=f"{c.name}-{i}-{dt}") for c in CASES if c.torch is not None
                 for i, s in enumerate(c.shapes) for dt in ("float32", "float64") + c.int_dtypes]
_TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}
_EXACT = dict(rtol=0, atol=0)


def test_every_registered_op_has_a_case():
    covered = {name for c in CASES for name in c.covers}
    missing = sorted(set(OP_REGISTRY) - covered)
    assert not missing, f"ops without an entry in the op table: {missing}"


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("case,shapes", [p for p in _PARAMS if p.values[0].gradcheck])
def test_gradcheck(case, shapes):
    inputs = make_inputs(case, shapes, seed=1)
    assert engine.gradcheck(case.fn, inputs)


@pytest.mark.parametrize("case,shapes", [p for p in _PARAMS if p.values[0].second_order and p.values[0].gradcheck])
def test_gradgradcheck(case, shapes):
    inputs = make_inputs(case, shapes, seed=2)
    assert engine.gradgradcheck(case.fn, inputs)


def _flat(out) -> list:
    """Outputs as a flat list (tuples and named tuples such as ``max(dim)``'s are unpacked)."""
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("case,shapes,dtype", _TORCH_PARAMS)
def test_torch_parity(case, shapes, dtype):
    torch = pytest.importorskip("torch")
    grad = dtype.startswith("float")
    arrays = [(a if grad else np.round(a * 2)).astype(dtype) for a in make_arrays(case, shapes, seed=3)]
    ours = [engine.tensor(a, requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    tol = _TOL.get(dtype, _EXACT)
    out_e, out_t = _flat(case.fn(*ours)), _flat(case.torch_fn()(*theirs))
    assert len(out_e) == len(out_t), f"{case.name}: {len(out_e)} outputs, torch gives {len(out_t)}"
    rng = np.random.default_rng(4)
    loss_e = loss_t = None
    for k, (e, t) in enumerate(zip(out_e, out_t)):
        assert tuple(e.shape) == tuple(t.shape), f"{case.name} output {k}: shape {e.shape}, torch {tuple(t.shape)}"
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{case.name} output {k}: {e.dtype} vs {t.dtype}"
        np.testing.assert_allclose(_np(e), _np(t), equal_nan=True, err_msg=f"{case.name} output {k}", **tol)
        if t.requires_grad and e.requires_grad:
            w = rng.standard_normal(tuple(t.shape)).astype(dtype)
            te, tt = (e * engine.tensor(w)).sum(), (t * torch.tensor(w)).sum()
            loss_e, loss_t = (te, tt) if loss_e is None else (loss_e + te, loss_t + tt)
        else:
            assert not (t.requires_grad and t.is_floating_point()), \
                f"{case.name} output {k}: torch differentiates it, we do not"
    if loss_e is None:
        return
    loss_e.backward()
    loss_t.backward()
    for i, (e, t) in enumerate(zip(ours, theirs)):
        ge = np.zeros(e.shape, dtype) if e.grad is None else e.grad.numpy()
        gt = np.zeros(tuple(t.shape), dtype) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(ge, gt, equal_nan=True, err_msg=f"{case.name}: gradient of input {i}",
                                   **_TOL[dtype])


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
