"""Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop and Adam/AdamW's options follow torch.optim's trajectory over 30 float64
steps on the shared non-convex problem (torch as the oracle; skipped without it)."""
import numpy as np
import pytest

import optim

from .problems import constants, make_params, run_with_torch

torch = pytest.importorskip("torch")

CASES = [
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, eps=1e-6)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01, betas=(0.85, 0.99))),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05)),  # rho_t > 5 from step 6 on: both branches
    ("RAdam", dict(lr=0.05, weight_decay=0.1, betas=(0.8, 0.9))),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.05)),  # averaging starts at step 11
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),  # both clips reached
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True, foreach=True, capturable=False)),
    ("AdamW", dict(lr=0.05, amsgrad=True, maximize=True, fused=True)),
]


@pytest.fixture
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps ASGD's eta/mu and NAdam's mu_product in this dtype
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("name, kw", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_same_trajectory_as_torch_over_30_steps(name, kw, float64_default):
    tkw = {k: v for k, v in kw.items() if k not in ("foreach", "fused", "capturable")}
    params, ours, tps, theirs = run_with_torch(name, kw, 7, 30, torch_kw=tkw)
    for a, b in zip(params, tps):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-11, atol=1e-13)
    if name == "ASGD":  # the average too
        for a, b in zip(params, tps):
            np.testing.assert_allclose(ours.state[a]["ax"], theirs.state[b]["ax"].numpy(), rtol=1e-11, atol=1e-13)
    if name == "Rprop":  # the per-element step sizes too
        for a, b in zip(params, tps):
            np.testing.assert_allclose(ours.state[a]["step_size"], theirs.state[b]["step_size"].numpy(), rtol=1e-12)


def test_differentiable_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="Adam: differentiable=True is not supported"):
        optim.Adam(make_params(constants(0)[0]), differentiable=True)


@pytest.mark.parametrize("name, kw, match", [
    ("Adadelta", dict(rho=1.5), "rho"),
    ("Adamax", dict(betas=(1.0, 0.9)), "beta parameter at index 0"),
    ("NAdam", dict(momentum_decay=-1), "momentum_decay"),
    ("RAdam", dict(eps=-1), "epsilon"),
    ("ASGD", dict(weight_decay=-1), "weight_decay"),
    ("Rprop", dict(etas=(1.5, 1.2)), r"Rprop: invalid eta values: \(1.5, 1.2\)"),
    ("Rprop", dict(step_sizes=(0.5, 0.1)), r"Rprop: invalid step_sizes \(0.5, 0.1\)"),
])
def test_constructor_rules(name, kw, match):
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)(make_params(constants(0)[0]), **kw)
