"""Each optimiser's 25-step trajectory equals the NumPy float64 reference of its published rule, in every
configuration (weight decay, momentum, dampening, nesterov, centred, amsgrad, lr decay, AdamW's decoupled
decay), and per-group hyperparameters apply to their own group only."""
import numpy as np
import pytest

import engine
import optim

from . import reference as ref
from .problems import constants, grad, loss, make_params

STEPS = 25

CASES = [
    (optim.SGD, ref.make_sgd, dict(lr=0.1)),
    (optim.SGD, ref.make_sgd, dict(lr=0.1, weight_decay=0.1)),
    (optim.SGD, ref.make_sgd, dict(lr=0.05, momentum=0.9)),
    (optim.SGD, ref.make_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, ref.make_sgd, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.SGD, ref.make_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)),
    (optim.SGD, ref.make_sgd, dict(lr=0.05, momentum=0.5, maximize=True)),
    (optim.Adagrad, ref.make_adagrad, dict(lr=0.1)),
    (optim.Adagrad, ref.make_adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3)),
    (optim.Adagrad, ref.make_adagrad, dict(lr=0.5, eps=1e-3)),
    (optim.RMSprop, ref.make_rmsprop, dict(lr=0.01)),
    (optim.RMSprop, ref.make_rmsprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    (optim.RMSprop, ref.make_rmsprop, dict(lr=0.01, momentum=0.9)),
    (optim.RMSprop, ref.make_rmsprop, dict(lr=0.01, centered=True)),
    (optim.RMSprop, ref.make_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.01, eps=1e-4)),
    (optim.Adam, ref.make_adam, dict(lr=0.05)),
    (optim.Adam, ref.make_adam, dict(lr=0.05, weight_decay=0.1)),
    (optim.Adam, ref.make_adam, dict(lr=0.05, amsgrad=True)),
    (optim.Adam, ref.make_adam, dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.05, amsgrad=True)),
    (optim.AdamW, ref.make_adamw, dict(lr=0.05)),
    (optim.AdamW, ref.make_adamw, dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
]


def _ids(case):
    cls, _, kw = case
    return cls.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def reference_run(make, kw, inits, ws, ss, steps=STEPS):
    """The reference trajectory; ``maximize`` is emulated by ascending (negated gradient)."""
    ps = [x.copy() for x in inits]
    sign = -1.0 if kw.get("maximize") else 1.0
    kw = {k: v for k, v in kw.items() if k != "maximize"}
    updates = [make(**kw) for _ in ps]
    traj = []
    for _ in range(steps):
        for p, u, w, s in zip(ps, updates, ws, ss):
            u(p, sign * grad(p, w, s))
        traj.append([p.copy() for p in ps])
    return traj


def engine_run(opt, params, ws, ss, steps=STEPS):
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss(params, ws, ss).backward()
        opt.step()
        traj.append([p.numpy().copy() for p in params])
    return traj


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_trajectory_matches_reference(case):
    cls, make, kw = case
    inits, ws, ss = constants(1)
    params = make_params(inits)
    got = engine_run(cls(params, **kw), params, ws, ss)
    want = reference_run(make, kw, inits, ws, ss)
    for step, (g, w) in enumerate(zip(got, want)):
        for a, b in zip(g, w):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=f"step {step + 1}")
    # the run actually moved somewhere
    assert np.abs(got[-1][0] - inits[0]).max() > 1e-3


@pytest.mark.parametrize(
    "cls, make, kw0, kw1",
    [
        (optim.SGD, ref.make_sgd, dict(lr=0.05, momentum=0.9), dict(lr=0.2, momentum=0.5, nesterov=True)),
        (optim.Adam, ref.make_adam, dict(lr=0.01), dict(lr=0.1, weight_decay=0.1, amsgrad=True)),
        (optim.RMSprop, ref.make_rmsprop, dict(lr=0.01), dict(lr=0.003, centered=True)),
        (optim.Adagrad, ref.make_adagrad, dict(lr=0.1), dict(lr=0.3, lr_decay=0.1)),
    ],
)
def test_per_group_hyperparameters(cls, make, kw0, kw1):
    """Group 0 (the matrix) takes the optimiser's defaults, group 1 (the vector: the "bias") its own."""
    inits, ws, ss = constants(2)
    params = make_params(inits)
    opt = cls([{"params": [params[0]]}, dict(params=[params[1]], **kw1)], **kw0)
    assert opt.param_groups[1]["lr"] == kw1["lr"] and opt.param_groups[0]["lr"] == kw0["lr"]
    got = engine_run(opt, params, ws, ss)
    want0 = reference_run(make, kw0, inits[:1], ws[:1], ss[:1])
    want1 = reference_run(make, kw1, inits[1:], ws[1:], ss[1:])
    np.testing.assert_allclose(got[-1][0], want0[-1][0], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got[-1][1], want1[-1][0], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad])
def test_float32_parameters_stay_float32_and_track_float64(cls):
    """float32 parameters are updated in float32 (state too) and stay close to the float64 run."""
    inits, ws, ss = constants(3)
    p32 = [engine.tensor(x, dtype="float32", requires_grad=True) for x in inits]
    p64 = make_params(inits)
    kw = dict(lr=0.01, momentum=0.9) if cls is optim.SGD else dict(lr=0.01)
    o32, o64 = cls(p32, **kw), cls(p64, **kw)
    for _ in range(10):
        for o, ps in ((o32, p32), (o64, p64)):
            o.zero_grad()
            loss(ps, ws, ss).backward()
            o.step()
    for a, b in zip(p32, p64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
    for s in o32.state.values():
        for v in s.values():
            if hasattr(v, "dtype"):
                assert v.dtype == np.float32

