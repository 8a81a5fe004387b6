"""``Optimizer.load_state_dict`` applies the constructor's rules to loaded hyperparameters and checks every
state entry before anything changes (issue 18 item 7)."""
import copy

import numpy as np
import pytest

import optim

from .problems import constants, loss, make_params


def _trained(cls=optim.Adam, **kw):
    inits, ws, ss = constants(1)
    params = make_params(inits)
    opt = cls(params, lr=0.05, **kw)
    for _ in range(3):
        opt.zero_grad()
        loss(params, ws, ss).backward()
        opt.step()
    return opt


def _group(sd, **changes):
    sd = copy.deepcopy(sd)
    sd["param_groups"][0].update(changes)
    return sd


def _state(sd, key, value):
    sd = copy.deepcopy(sd)
    sd["state"][1][key] = value
    return sd


GOOD = _trained().state_dict()
BAD = [
    (_group(GOOD, lr=float("nan")), ValueError, r"parameter group 0: Adam: invalid lr: nan"),
    (_group(GOOD, lr=-1.0), ValueError, r"invalid lr: -1.0"),
    (_group(GOOD, lr=float("inf")), ValueError, r"invalid lr: inf"),
    (_group(GOOD, lr="abc"), TypeError, r"lr must be a number, got 'abc'"),
    (_group(GOOD, betas=(2, 0.9)), ValueError, r"beta parameter at index 0: 2"),
    (_group(GOOD, betas=0.9), ValueError, r"betas must be a pair"),
    (_group(GOOD, eps=-1e-8), ValueError, r"epsilon"),
    (_state(GOOD, "step", -1), ValueError, r"state 'step' of parameter 1 must be a non-negative integer, got -1"),
    (_state(GOOD, "step", 2.5), ValueError, r"non-negative integer, got 2.5"),
    (_state(GOOD, "step", "3"), TypeError, r"'step' of parameter 1 must be a number"),
    (_state(GOOD, "step", float("nan")), ValueError, r"must be finite"),
    (_state(GOOD, "exp_avg", "abc"), TypeError, r"'exp_avg' of parameter 1 is a str, expected an array"),
    (_state(GOOD, "exp_avg", [0.0] * 4), TypeError, r"is a list"),
    (_state(GOOD, "exp_avg", np.zeros(4, dtype=np.int64)), TypeError, r"has dtype int64, expected a floating"),
    (_state(GOOD, "exp_avg", np.zeros(5)), ValueError, r"has shape \(5,\), the parameter \(4,\)"),
    (_state(GOOD, "exp_avg_sq", np.full(4, np.nan)), ValueError, r"'exp_avg_sq' of parameter 1 holds non-finite"),
]


@pytest.mark.parametrize("bad, exc, match", BAD)
def test_bad_state_dict_is_refused_and_changes_nothing(bad, exc, match):
    opt = _trained()
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(exc, match=match):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for i, entry in before["state"].items():
        for k, v in entry.items():
            np.testing.assert_array_equal(np.asarray(after["state"][i][k]), np.asarray(v))


def test_missing_hyperparameters_take_the_defaults_and_step_accepts_integral_numbers():
    opt = _trained()
    sd = copy.deepcopy(GOOD)
    del sd["param_groups"][0]["amsgrad"]          # an older checkpoint
    sd["state"][0]["step"] = np.float32(3.0)      # torch keeps step as a float tensor
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["amsgrad"] is False and opt.state[opt.param_groups[0]["params"][0]]["step"] == 3


@pytest.mark.parametrize("cls, key, value, match", [
    (optim.SGD, "momentum", -0.5, "momentum"),
    (optim.SGD, "nesterov", True, "nesterov momentum requires"),
    (optim.RMSprop, "alpha", float("nan"), "alpha"),
    (optim.ASGD, "t0", float("nan"), "t0"),
    (optim.NAdam, "momentum_decay", -1.0, "momentum_decay"),
])
def test_each_optimiser_uses_its_constructor_rules(cls, key, value, match):
    kw = {"momentum": 0.9} if cls is optim.SGD and key != "nesterov" else {}
    opt = _trained(cls, **kw)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(_group(opt.state_dict(), **{key: value}))


def test_scalar_state_is_checked():
    opt = _trained(optim.ASGD)
    with pytest.raises(ValueError, match="'eta' of parameter 1 must be finite"):
        opt.load_state_dict(_state(opt.state_dict(), "eta", float("inf")))
