"""The fused optimisers' flat per-group buffers (optim/_flat.py, optim/fused.py): every step equals, bit for
bit, the same rule applied one parameter at a time (one optimiser per parameter, the pre-flat behaviour),
also when parameters skip steps, their storage is replaced behind the optimiser's back, state is loaded,
dtypes are mixed in a group, or a parameter is empty."""
import copy

import numpy as np
import pytest

import engine
import optim

CONFIGS = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    (optim.Adam, dict(lr=0.05, weight_decay=0.01)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05)),
    (optim.RMSprop, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
]
IDS = [f"{c.__name__}-{'-'.join(k for k in kw if k != 'lr') or 'plain'}" for c, kw in CONFIGS]
SHAPES = [(3, 4), (4,), (0,), (2, 1, 3)]


def _params(seed=0, dtypes=("float64",) * len(SHAPES)):
    rng = np.random.default_rng(seed)
    return [engine.tensor(rng.normal(size=s), dtype=d, requires_grad=True) for s, d in zip(SHAPES, dtypes)]


def _grads(step, params, skip=()):
    rng = np.random.default_rng(100 + step)
    for i, p in enumerate(params):
        g = rng.normal(size=p.shape)
        p.grad = None if i in skip else engine.tensor(g, dtype=p.dtype)


class _PerParameter:
    """The reference: one optimiser per parameter, so each kernel call sees one parameter's arrays."""

    def __init__(self, cls, kw, params):
        self.opts = [cls([p], **kw) for p in params]

    def step(self):
        for o in self.opts:
            o.step()


def _assert_equal(params, ref_params, opt=None, ref=None):
    for i, (p, r) in enumerate(zip(params, ref_params)):
        np.testing.assert_array_equal(p.numpy(), r.numpy(), err_msg=f"parameter {i}")
    if opt is not None:
        ours = opt.state_dict()["state"]
        theirs = {i: o.state_dict()["state"].get(0) for i, o in enumerate(ref.opts)}
        assert set(ours) == {i for i, s in theirs.items() if s is not None}
        for i, s in ours.items():
            assert s.keys() == theirs[i].keys()
            for k, v in s.items():
                np.testing.assert_array_equal(np.asarray(v), np.asarray(theirs[i][k]), err_msg=f"state {i} {k}")


@pytest.mark.parametrize("cls, kw", CONFIGS, ids=IDS)
def test_steps_equal_the_per_parameter_rule_bit_for_bit_with_skipped_gradients(cls, kw):
    params, ref_params = _params(), _params()
    opt, ref = cls(params, **kw), _PerParameter(cls, kw, ref_params)
    skips = [(), (1,), (), (0, 3), ()]  # parameter 1 falls a step behind: its own run (its own step count)
    for t, skip in enumerate(skips):
        _grads(t, params, skip)
        _grads(t, ref_params, skip)
        opt.step()
        ref.step()
        _assert_equal(params, ref_params, opt, ref)


def test_parameters_and_state_are_views_of_one_flat_buffer_per_group():
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    bases = {id(p.array.base) for p in params}
    assert len(bases) == 1 and all(p.array.flags.c_contiguous for p in params)
    arrays = [p.array for p in params]
    _grads(0, params)
    opt.step()
    assert all(p.array is a for p, a in zip(params, arrays))  # stepped in place, no re-flattening
    exp_avg = [opt.state[p]["exp_avg"] for p in params]
    assert len({id(a.base) for a in exp_avg}) == 1 and exp_avg[0].base is not params[0].array.base


def test_a_parameter_without_gradient_gets_no_state_as_torch():
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    before = params[2].numpy().copy(), params[1].numpy().copy()
    _grads(0, params, skip=(1,))
    opt.step()
    np.testing.assert_array_equal(params[1].numpy(), before[1])
    assert params[1] not in opt.state and opt.state[params[0]]["step"] == 1


@pytest.mark.parametrize("how", ["data", "array", "double_back"])
def test_replaced_parameter_storage_is_re_flattened_never_a_stale_copy(how):
    params, ref_params = _params(), _params()
    opt, ref = optim.Adam(params, lr=0.05), _PerParameter(optim.Adam, dict(lr=0.05), ref_params)
    for t in range(3):
        if t == 1:
            for ps in (params, ref_params):
                new = np.full(ps[0].shape, 0.5)
                if how == "data":
                    ps[0].data = engine.tensor(new)
                elif how == "array":
                    ps[0].array = new
                else:  # a dtype round trip, as model.double() / model.float() would do
                    ps[0].array = ps[0].array.astype(np.float32).astype(np.float64)
        _grads(t, params)
        _grads(t, ref_params)
        replaced = params[0].numpy().copy()
        opt.step()
        ref.step()
        _assert_equal(params, ref_params, opt, ref)
        moved = np.abs(params[0].numpy() - replaced)
        assert np.all(moved > 0) and np.all(moved < 0.06)  # an Adam step (<= lr) from the new values
    assert len({id(p.array.base) for p in params}) == 1


def test_a_parameter_moved_to_another_dtype_is_stepped_in_its_new_dtype_with_its_state():
    params = _params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    _grads(0, params)
    opt.step()
    buf = opt.state[params[0]]["momentum_buffer"].copy()
    params[0].data = params[0].data.float()
    _grads(1, params)
    opt.step()
    assert params[0].dtype == "float32" and opt.state[params[0]]["momentum_buffer"].dtype == np.float32
    g = np.random.default_rng(101).normal(size=params[0].shape).astype(np.float32)
    np.testing.assert_allclose(opt.state[params[0]]["momentum_buffer"], 0.9 * buf.astype(np.float32) + g, rtol=1e-6)


def test_in_place_writes_keep_the_views():
    params = _params()
    opt = optim.SGD(params, lr=0.1)
    arrays = [p.array for p in params]
    with engine.no_grad():
        params[0].copy_(engine.ones(3, 4, dtype="float64"))
        params[1][...] = 2.0
    _grads(0, params)
    opt.step()
    assert all(p.array is a for p, a in zip(params, arrays))
    g = np.random.default_rng(100).normal(size=(3, 4))
    np.testing.assert_array_equal(params[0].numpy(), 1.0 - 0.1 * g)


@pytest.mark.parametrize("cls, kw", CONFIGS, ids=IDS)
def test_loaded_state_is_taken_into_the_flat_buffers(cls, kw):
    params, ref_params = _params(), _params()
    opt, ref = cls(params, **kw), _PerParameter(cls, kw, ref_params)
    for t in range(2):
        _grads(t, params)
        _grads(t, ref_params)
        opt.step()
        ref.step()
    saved = copy.deepcopy(opt.state_dict())
    _grads(2, params)
    opt.step()  # a step the load below undoes (parameters rewound by hand)
    for p, r in zip(params, ref_params):
        p.array[...] = r.array
    opt.load_state_dict(saved)
    arrays = [p.array for p in params]
    for t in range(2, 4):
        _grads(t, params)
        _grads(t, ref_params)
        opt.step()
        ref.step()
        _assert_equal(params, ref_params, opt, ref)
    assert all(p.array is a for p, a in zip(params, arrays))  # loading state leaves the parameters' storage


def test_mixed_dtypes_in_a_group_are_flattened_per_dtype():
    dtypes = ("float32", "float64", "float32", "float64")
    params, ref_params = _params(dtypes=dtypes), _params(dtypes=dtypes)
    opt, ref = optim.Adam(params, lr=0.05), _PerParameter(optim.Adam, dict(lr=0.05), ref_params)
    for t in range(2):
        _grads(t, params)
        _grads(t, ref_params)
        opt.step()
        ref.step()
        _assert_equal(params, ref_params, opt, ref)
    assert params[0].array.base is params[2].array.base and params[1].array.base is params[3].array.base
    assert params[0].dtype == "float32" and opt.state[params[1]]["exp_avg"].dtype == np.float64


def test_per_group_hyperparameters_and_an_added_group():
    params, ref_params = _params(), _params()
    opt = optim.SGD([{"params": params[:2], "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": params[2:]})
    ref = [optim.SGD([p], lr=0.5 if i < 2 else 0.1, momentum=0.9) for i, p in enumerate(ref_params)]
    for t in range(2):
        opt.param_groups[1]["lr"] = 0.1 / (t + 1)  # a scheduler's change between steps
        for o in ref[2:]:
            o.param_groups[0]["lr"] = 0.1 / (t + 1)
        _grads(t, params)
        _grads(t, ref_params)
        opt.step()
        for o in ref:
            o.step()
        _assert_equal(params, ref_params)
    assert params[0].array.base is not params[2].array.base


def test_one_kernel_call_per_group_on_the_cpu(monkeypatch):
    import kernels.cpu.optim_updates as cpu

    calls = []
    real = cpu.adam_update
    monkeypatch.setattr(cpu, "adam_update", lambda *a: calls.append(a[0].size) or real(*a))
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    _grads(0, params)
    opt.step()
    assert calls == [12 + 4 + 0 + 6]
    calls.clear()
    _grads(1, params, skip=(1,))
    opt.step()
    assert calls == [12, 6]  # two runs: parameter 1 has no gradient (the empty parameter 2 joins the run)


def test_a_parameter_replaced_by_another_shape_with_state_raises_before_anything_changes():
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    _grads(0, params)
    opt.step()
    params[0].data = engine.zeros(5, dtype="float64")
    _grads(1, params)
    params[0].grad = engine.ones(5, dtype="float64")
    before = [p.numpy().copy() for p in params]
    with pytest.raises(ValueError, match=r"Adam.step: parameter 0 of a group now has shape \(5,\) but its optimizer "
                                         r"state 'exp_avg' has shape \(3, 4\)"):
        opt.step()
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), b)
