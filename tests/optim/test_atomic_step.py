"""A step is all or nothing: one bad gradient (wrong shape or dtype) or one bad hyperparameter set after
construction raises before any parameter or state entry changes (issue 18 item 6); a good step bumps
every updated parameter's version counter once (issue 18 item 1)."""
import copy

import numpy as np
import pytest

import engine
import optim

from .problems import constants, loss, make_params

ALL = [
    (optim.SGD, dict(lr=0.05, momentum=0.9)),
    (optim.Adagrad, dict(lr=0.1)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05)),
    (optim.Adadelta, dict(lr=0.5)),
    (optim.Adamax, dict(lr=0.05)),
    (optim.NAdam, dict(lr=0.05)),
    (optim.RAdam, dict(lr=0.05)),
    (optim.ASGD, dict(lr=0.05)),
]
IDS = [c.__name__ for c, _ in ALL]


def _snapshot(opt, params):
    sd = copy.deepcopy(opt.state_dict())
    return sd, [p.numpy().copy() for p in params]


def _assert_same(opt, params, snap):
    sd, values = snap
    now = opt.state_dict()
    assert now["param_groups"] == sd["param_groups"]
    assert now["state"].keys() == sd["state"].keys()
    for i, entry in sd["state"].items():
        assert now["state"][i].keys() == entry.keys()
        for k, v in entry.items():
            np.testing.assert_array_equal(np.asarray(now["state"][i][k]), np.asarray(v), err_msg=f"{i} {k}")
    for p, v in zip(params, values):
        np.testing.assert_array_equal(p.numpy(), v)


def _ready(cls, kw):
    inits, ws, ss = constants(3)
    params = make_params(inits)
    opt = cls(params, **kw)
    for _ in range(2):  # state exists (momentum buffers, step counters) before the bad step
        opt.zero_grad()
        loss(params, ws, ss).backward()
        opt.step()
    opt.zero_grad()
    loss(params, ws, ss).backward()
    return opt, params


@pytest.mark.parametrize("cls, kw", ALL, ids=IDS)
def test_bad_gradient_shape_on_second_parameter_changes_nothing(cls, kw):
    opt, params = _ready(cls, kw)
    snap = _snapshot(opt, params)
    params[1].grad = engine.tensor(np.ones(7))
    with pytest.raises(ValueError, match=rf"{cls.__name__}.step: parameter 1 of group 0 has shape \(4,\) but its "
                                         r"gradient \(7,\)"):
        opt.step()
    _assert_same(opt, params, snap)


@pytest.mark.parametrize("cls, kw", ALL, ids=IDS)
def test_integer_gradient_changes_nothing(cls, kw):
    opt, params = _ready(cls, kw)
    snap = _snapshot(opt, params)
    params[1].grad = engine.tensor(np.ones(4, dtype=np.int64))
    with pytest.raises(TypeError, match="gradient has dtype int64"):
        opt.step()
    _assert_same(opt, params, snap)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, "abc"])
@pytest.mark.parametrize("cls, kw", ALL, ids=IDS)
def test_bad_lr_set_after_construction_changes_nothing(cls, kw, bad):
    opt, params = _ready(cls, kw)
    opt.add_param_group({"params": [engine.tensor([1.0, 2.0], dtype="float64", requires_grad=True)]})
    params.append(opt.param_groups[1]["params"][0])
    params[-1].grad = engine.tensor([1.0, 1.0], dtype="float64")
    snap = _snapshot(opt, params)
    opt.param_groups[1]["lr"] = bad  # the first group is fine and comes first: it must not move either
    with pytest.raises((ValueError, TypeError), match="lr"):
        opt.step()
    opt.param_groups[1]["lr"] = snap[0]["param_groups"][1]["lr"]
    _assert_same(opt, params, snap)


@pytest.mark.parametrize("cls, kw", ALL, ids=IDS)
def test_step_bumps_each_updated_parameter_version_once(cls, kw):
    opt, params = _ready(cls, kw)
    params[0].grad = None  # no gradient: not updated, version unchanged
    before = [p._version for p in params]
    opt.step()
    assert [p._version for p in params] == [before[0], before[1] + 1]


def test_clipping_and_step_size_search_bump_versions():
    p = engine.tensor([3.0, 4.0], requires_grad=True)
    p.grad = engine.tensor([3.0, 4.0])
    v = p.grad._version
    optim.clip_grad_norm_([p], 1.0)
    optim.clip_grad_value_([p], 0.1)
    assert p.grad._version == v + 2
    np.testing.assert_allclose(p.grad.numpy(), [0.1, 0.1])

    w = engine.tensor([0.5, -0.5], dtype="float64", requires_grad=True)
    x = np.random.default_rng(0).normal(size=(64, 2))
    y = x @ np.array([1.0, 2.0])
    v = w._version
    optim.find_step_size([w], lambda xb, yb: ((xb @ w - yb) ** 2).mean(), engine.tensor(x), engine.tensor(y),
                         max_bracket=1, bisections=0)
    assert w._version > v  # every restore of the starting weights is a write
    np.testing.assert_array_equal(w.numpy(), [0.5, -0.5])


def test_zero_grad_in_place_bumps_the_gradient_version():
    p = engine.tensor([3.0, 4.0], requires_grad=True)
    p.grad = engine.tensor([3.0, 4.0])
    g, v = p.grad, p.grad._version
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad is g and g._version == v + 1 and g.numpy().tolist() == [0.0, 0.0]
