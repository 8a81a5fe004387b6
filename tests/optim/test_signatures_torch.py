"""Every optimiser's constructor has torch's parameters in torch's order, so a torch program's positional
arguments mean the same here (``RMSprop(p, lr, alpha, eps, wd, momentum, centered, capturable)`` is not read as
``maximize``); Kiln may add keyword-only extras after torch's.  And ``Adam(decoupled_weight_decay=True)`` is
AdamW, trajectory for trajectory."""
import inspect

import numpy as np
import pytest

import nn
import optim

from .problems import run_with_torch

torch = pytest.importorskip("torch")


def _params(cls):
    return [(p.name, p.kind == p.KEYWORD_ONLY, p.default) for p in list(inspect.signature(cls.__init__).parameters.values())[1:]]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam",
                                  "RAdam", "ASGD", "LBFGS", "Rprop"])
def test_constructor_matches_torch(name):
    theirs, ours = _params(getattr(torch.optim, name)), _params(getattr(optim, name))
    positional = [(n, d) for n, kw, d in theirs if not kw]
    assert [(n, d) for n, kw, d in ours if not kw] == positional
    ours_by_name = {n: (kw, d) for n, kw, d in ours}
    for n, kw, d in theirs:  # every keyword of torch's, keyword-only where torch's is
        assert n in ours_by_name, f"{name}: no {n}"
        assert ours_by_name[n] == (kw, d), f"{name}.{n}: kiln {ours_by_name[n]}, torch {(kw, d)}"


def test_positional_capturable_of_rmsprop_is_not_maximize():
    p = optim.RMSprop([nn.Parameter(np.ones(3))], 0.1, 0.9, 1e-8, 0.0, 0.0, False, True)
    assert p.param_groups[0]["capturable"] is True and p.param_groups[0]["maximize"] is False


def test_adam_with_decoupled_weight_decay_is_adamw():
    kw = dict(lr=0.05, weight_decay=0.1)
    params, ours, tps, theirs = run_with_torch("Adam", dict(kw, decoupled_weight_decay=True), 3, 6)
    assert ours.param_groups[0]["decoupled_weight_decay"] is True
    for p, t in zip(params, tps):
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
    adamw, _, _, _ = run_with_torch("AdamW", kw, 3, 6)
    for p, q in zip(params, adamw):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
