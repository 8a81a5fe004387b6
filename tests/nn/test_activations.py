"""Activation Modules and ``F`` functions as generated from the spec (``kernels/act_spec.py``): each Module
and function has torch's signature and computes its ``F`` form; PReLU's learnable slope; softmax axes.
Values, gradients and second derivatives of every row are in the op table (tests/engine/op_table_activations.py)."""
import inspect

import numpy as np
import pytest

import engine
import nn
import nn.functional as F
from kernels.act_spec import ACTIVATIONS
from nn.models._common import make_activation

ROWS = [r for r in ACTIVATIONS if r.module and not r.slope_weight]


def _params(sig):
    return [(p.name, p.default) for p in sig.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_module_computes_its_functional_form(row):
    x = engine.tensor(np.linspace(-3, 3, 13) + 0.1, dtype="float64")
    for params in row.examples:
        m = getattr(nn, row.module)(*params)
        np.testing.assert_array_equal(m(x).numpy(), getattr(F, row.name)(x, *params).numpy())
        assert repr(m).startswith(row.module + "(")
    assert type(make_activation(row.name)) is getattr(nn, row.module)


@pytest.mark.parametrize("row", [r for r in ACTIVATIONS if r.torch.startswith("nn.functional.")],
                         ids=lambda r: r.name)
def test_signatures_are_torchs(row):
    torch = pytest.importorskip("torch")
    tf = getattr(torch.nn.functional, row.torch.split(".")[-1])
    try:
        want = _params(inspect.signature(tf))
    except ValueError:  # a C++ builtin without a signature: its spec parameters, as the docs give them
        want = [("input", inspect.Parameter.empty)] + [("weight", inspect.Parameter.empty)] * row.slope_weight + \
               [(p.name, p.default) for p in row.params]
    assert _params(inspect.signature(getattr(F, row.name))) == want
    init = getattr(torch.nn, row.module).__init__
    want_init = [] if init is torch.nn.Module.__init__ else _params(inspect.signature(init))
    assert _params(inspect.signature(getattr(nn, row.module))) == want_init


def test_bad_parameters_fail_at_construction():
    with pytest.raises(ValueError, match="Softplus: beta must be non-zero"):
        nn.Softplus(beta=0)
    with pytest.raises(ValueError, match="softplus: beta must be non-zero"):
        F.softplus(engine.zeros(2), beta=0)


def test_prelu_per_channel_slope_gradient():
    m = nn.PReLU(3).double()
    assert m.weight.shape == (3,) and np.all(m.weight.numpy() == 0.25)
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    xt = engine.tensor(x, dtype=np.float64, requires_grad=True)
    y = m(xt)
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, 0.25 * x))
    y.sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), np.where(x > 0, 0, x).sum(axis=(0, 2)))
    with pytest.raises(ValueError, match="slopes"):
        m(engine.randn(2, 4))


def test_softmax_modules():
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    e = np.exp(x - x.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(axis=1)(engine.tensor(x, dtype=np.float64)).numpy(), sm, rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(axis=1)(engine.tensor(x, dtype=np.float64)).numpy(), np.log(sm),
                               rtol=1e-10)
