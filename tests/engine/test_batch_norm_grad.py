"""Batch norm's backward idiom (engine/ops/norm.py): the first derivative is one BatchNormGrad node (the fused
kernel), the second is exact (the op table's gradgradcheck rows say so too), and a third raises, naming the op."""
import numpy as np
import pytest

import engine
import nn.functional as F


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = engine.tensor(rng.standard_normal((4, 3, 5)), requires_grad=True)
    w = engine.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    b = engine.tensor(rng.standard_normal(3), requires_grad=True)
    return x, w, b


def test_create_graph_backward_records_one_batch_norm_grad_node():
    x, w, b = _inputs()
    y = F.batch_norm(x, None, None, w, b, training=True)
    gx, gw, gb = engine.grad((y * y).sum(), (x, w, b), create_graph=True)
    assert {t._creator.name() for t in (gx, gw, gb)} == {"BatchNormGrad"}


def test_second_derivative_matches_torch():
    torch = pytest.importorskip("torch")
    x, w, b = _inputs(1)
    y = F.batch_norm(x, None, None, w, b, training=True)
    gx, gw = engine.grad((y.sin()).sum(), (x, w), create_graph=True)
    hx, hw = engine.grad((gx * gx).sum() + gw.sum(), (x, w))
    tx, tw, tb = (torch.tensor(t.numpy(), requires_grad=True) for t in (x, w, b))
    ty = torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True)
    tgx, tgw = torch.autograd.grad(ty.sin().sum(), (tx, tw), create_graph=True)
    thx, thw = torch.autograd.grad((tgx * tgx).sum() + tgw.sum(), (tx, tw))
    np.testing.assert_allclose(hx.numpy(), thx.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(hw.numpy(), thw.numpy(), rtol=1e-9, atol=1e-11)


def test_third_derivative_raises_naming_the_op():
    x, w, b = _inputs(2)
    y = F.batch_norm(x, None, None, w, b, training=True)
    (gx,) = engine.grad((y.sin()).sum(), (x,), create_graph=True)
    (hx,) = engine.grad((gx * gx).sum(), (x,), create_graph=True)
    with pytest.raises(RuntimeError, match="batch_norm double backward: its backward is not twice differentiable"):
        engine.grad(hx.sum(), (x,))
