"""Every differentiable op, from its row of the op table (op_table.py): gradcheck and gradgradcheck in
float64 over the row's sample inputs (declared shapes plus the derived 0-d, empty and broadcast ones),
forward values against the NumPy/float64 reference (``ref``), and, for rows with a torch reference,
parity with PyTorch (values, dtypes, gradients) in each of the row's dtypes.  The coverage guard fails
naming any Function subclass under engine/ops without a row.  (The "cuda" twin of each row:
tests/device/test_op_table_device.py.)"""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import engine
import engine.ops
from engine.function import OP_REGISTRY, Function

from .op_table import CASES, make_arrays, make_inputs

_PARAMS = [pytest.param(c, s, id=f"{c.name}-{tag}") for c in CASES for tag, s in c.samples()]
_TORCH_PARAMS = [pytest.param(c, s, dt, id=f"{c.name}-{tag}-{dt}") for c in CASES if c.torch is not None
                 for tag, s in c.samples() for dt in c.dtypes + c.int_dtypes]
_REF_PARAMS = [pytest.param(c, s, dt, id=f"{c.name}-{tag}-{dt}") for c in CASES if c.ref is not None
               for tag, s in c.samples() for dt in c.dtypes]
_TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}
_EXACT = dict(rtol=0, atol=0)


def _functions_defined_under(package) -> dict:
    """``{name: class}`` of every Function subclass defined in a module of ``package`` (imported here)."""
    found = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == module.__name__:
                found[name] = obj
    return found


def test_every_function_under_engine_ops_has_a_case():
    """Every Function subclass defined under engine/ops (layers.py and loss.py included), and every
    registered one, is covered by a row; private bases (``_Unary``) are covered through their subclasses."""
    defined = {n for n in _functions_defined_under(engine.ops) if not n.startswith("_")} | set(OP_REGISTRY)
    covered = {name for c in CASES for name in c.covers}
    missing = sorted(defined - covered)
    assert not missing, f"Functions without a row in the op table (tests/engine/op_table*.py): {missing}"
    stale = sorted(covered - defined)
    assert not stale, f"op table rows cover Functions that do not exist under engine/ops: {stale}"


@pytest.mark.parametrize("package", ["nn", "optim"])
def test_no_function_is_defined_outside_engine_ops(package):
    strays = sorted(f"{cls.__module__}.{name}" for name, cls in
                    _functions_defined_under(importlib.import_module(package)).items())
    assert not strays, f"Function subclasses outside engine/ops (move them there): {strays}"


def test_derived_samples():
    """The harness derives 0-d, empty and broadcast inputs from a row's first shape set, each set once."""
    from .op_table import ELEMENTWISE, OpCase

    row = OpCase("probe", (), None, [((3, 4), (3, 4)), ((3, 1), (1, 4))], derive=ELEMENTWISE)
    assert row.samples() == [("0", ((3, 4), (3, 4))), ("1", ((3, 1), (1, 4))), ("0d", ((), ())),
                             ("empty", ((0, 4), (0, 4))), ("bcast_low_rank", ((3, 4), (4,))),
                             ("bcast_0d", ((3, 4), ()))]
    unary = OpCase("probe1", (), None, [((2, 3, 4),)], derive=("empty",))
    assert unary.samples() == [("0", ((2, 3, 4),)), ("empty", ((0, 3, 4),))]
    with pytest.raises(ValueError, match="probe2: unknown derive variants \\['scalar'\\]"):
        OpCase("probe2", (), None, [((3,),)], derive=("scalar",))


def test_every_row_has_a_reference():
    """Every row's values are checked against torch (``torch``) or NumPy/float64 (``ref``), not only its
    gradients against its own values."""
    unreferenced = sorted(c.name for c in CASES if c.torch is None and c.ref is None)
    assert not unreferenced, f"op table rows without a torch or NumPy reference: {unreferenced}"


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


@pytest.mark.parametrize("case,shapes,dtype", _REF_PARAMS)
def test_forward_value(case, shapes, dtype):
    """The row in ``dtype`` against its NumPy reference computed in float64 on the same (rounded) inputs."""
    arrays = [a.astype(dtype) for a in make_arrays(case, shapes, seed=5)]
    ours = _flat(case.fn(*[engine.tensor(a) for a in arrays]))
    theirs = _flat(case.ref(*[a.astype(np.float64) for a in arrays]))
    assert len(ours) == len(theirs), f"{case.name}: {len(ours)} outputs, the reference gives {len(theirs)}"
    tol = case.tol.get(dtype) or _TOL[dtype]
    for k, (e, r) in enumerate(zip(ours, theirs)):
        assert tuple(e.shape) == np.shape(r), f"{case.name} output {k}: shape {e.shape}, reference {np.shape(r)}"
        assert str(e.dtype).split(".")[-1] == dtype, f"{case.name} output {k}: {e.dtype}, expected {dtype}"
        np.testing.assert_allclose(_np(e).astype(np.float64), r, equal_nan=True, err_msg=f"{case.name} output {k}",
                                   **tol)


@pytest.mark.parametrize("case,shapes,dtype", _TORCH_PARAMS)
def test_torch_parity(case, shapes, dtype):
    torch = pytest.importorskip("torch")
    grad = dtype.startswith("float")
    arrays = [(a if grad else np.round(a * 2)).astype(dtype) for a in make_arrays(case, shapes, seed=3)]
    ours = [engine.tensor(a, requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    tol = case.tol.get(dtype) or _TOL.get(dtype, _EXACT)
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
                                   **(case.tol.get(dtype) or _TOL[dtype]))


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
