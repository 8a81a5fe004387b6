"""The Optimizer contract: param groups, zero_grad, step(closure), add_param_group, errors for bad input,
no graph built by step, and state_dict / load_state_dict resuming a run bit for bit."""
import copy

import numpy as np
import pytest

import engine
import optim

from .problems import constants, loss, make_params

ALL = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (optim.Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.01)),
    (optim.AdamW, dict(lr=0.05)),
    (optim.Adadelta, dict(lr=0.5, weight_decay=0.01)),
    (optim.Adamax, dict(lr=0.05)),
    (optim.NAdam, dict(lr=0.05)),
    (optim.RAdam, dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1)),
    (optim.ASGD, dict(lr=0.05, t0=3)),
]


def _train(opt, params, ws, ss, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss(params, ws, ss).backward()
        opt.step()


@pytest.mark.parametrize("cls, kw", ALL, ids=[c.__name__ for c, _ in ALL])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_state_dict_round_trip_resumes_bit_for_bit(cls, kw, dtype):
    inits, ws, ss = constants(5)
    params = [engine.tensor(x, dtype=dtype, requires_grad=True) for x in inits]
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": kw["lr"] / 2}], **kw)
    _train(opt, params, ws, ss, 7)
    saved_params = [p.numpy().copy() for p in params]
    saved = opt.state_dict()
    _train(opt, params, ws, ss, 8)  # training goes on: the saved dict must not change
    straight = [p.numpy().copy() for p in params]

    fresh = [engine.tensor(x, dtype=dtype, requires_grad=True) for x in saved_params]
    opt2 = cls([{"params": fresh[:1]}, {"params": fresh[1:]}], **dict(kw, lr=123.0))
    opt2.load_state_dict(copy.deepcopy(saved))
    assert opt2.param_groups[1]["lr"] == kw["lr"] / 2 and opt2.param_groups[0]["lr"] == kw["lr"]
    _train(opt2, fresh, ws, ss, 8)
    for a, b in zip(fresh, straight):
        np.testing.assert_array_equal(a.numpy(), b)


def test_state_dict_layout_follows_pytorch():
    inits, ws, ss = constants(0)
    params = make_params(inits)
    opt = optim.Adam([{"params": [params[1]]}, {"params": [params[0]], "lr": 0.5}], lr=0.1)
    _train(opt, params, ws, ss, 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["state"][0]["exp_avg"].shape == params[1].shape and sd["state"][1]["step"] == 2
    assert set(sd["state"][1]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)


def test_failed_load_changes_nothing():
    inits, ws, ss = constants(0)
    params = make_params(inits)
    opt = optim.Adam(params, lr=0.1)
    _train(opt, params, ws, ss, 2)
    before = opt.state_dict()
    bad = opt.state_dict()
    bad["state"][1]["exp_avg"] = np.zeros(7)
    bad["param_groups"][0]["lr"] = 9.0
    with pytest.raises(ValueError, match=r"exp_avg.*\(7,\)"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": before["param_groups"] * 2})
    after = opt.state_dict()
    assert after["param_groups"][0]["lr"] == 0.1
    np.testing.assert_array_equal(after["state"][1]["exp_avg"], before["state"][1]["exp_avg"])


def test_zero_grad_and_closure_and_no_graph():
    inits, ws, ss = constants(0)
    params = make_params(inits)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)

    def closure():
        opt.zero_grad()
        out = loss(params, ws, ss)
        out.backward()
        return out

    with engine.no_grad():  # the closure still records its graph
        first = opt.step(closure)
    assert all(p.is_leaf and p.creator is None and p.requires_grad for p in params)
    second = opt.step(closure)
    assert float(second) < float(first)
    grads = [p.grad.numpy().copy() for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params, grads):
        assert p.grad is not None and np.all(p.grad.numpy() == 0) and g.any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    before = [p.numpy().copy() for p in params]
    opt.step()  # no gradients: nothing moves
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), b)


def test_add_param_group_and_parameter_checks():
    a, b, c = (engine.randn(3, requires_grad=True) for _ in range(3))
    opt = optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": b, "momentum": 0.9})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["lr"] == 0.1
    assert opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a, c]})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.Adam(a)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([engine.zeros(3)], lr=0.1)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: optim.SGD(p, lr=-0.1), r"lr: -0\.1"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-1), r"momentum: -1"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), r"beta parameter at index 0: 1\.0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), r"index 1: -0\.1"),
        (lambda p: optim.AdamW(p, eps=-1e-8), r"epsilon value: -1e-08"),
        (lambda p: optim.Adam(p, weight_decay=-2), r"weight_decay value: -2"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), r"lr_decay: -1"),
        (lambda p: optim.RMSprop(p, alpha=-0.5), r"alpha: -0\.5"),
        (lambda p: optim.Adam([{"params": p, "lr": float("nan")}]), r"lr: nan"),
    ],
)
def test_bad_hyperparameters_name_the_value(make, match):
    with pytest.raises(ValueError, match=match):
        make([engine.randn(2, requires_grad=True)])


def test_non_contiguous_parameter_is_updated_in_place():
    """The optimiser re-homes a parameter into its group's flat buffer (a contiguous view, optim/_flat.py);
    from then on every step writes into that same array."""
    base = engine.Tensor._wrap(np.arange(12.0).reshape(3, 4).T).requires_grad_()
    assert not base.array.flags.c_contiguous
    opt = optim.SGD([base], lr=0.25, momentum=0.9)
    view = base.array
    assert view.flags.c_contiguous
    np.testing.assert_array_equal(view, np.arange(12.0).reshape(3, 4).T)
    (base * base).sum().backward()
    opt.step()
    assert base.array is view
    np.testing.assert_allclose(view, np.arange(12.0).reshape(3, 4).T * 0.5)
