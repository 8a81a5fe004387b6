"""Engine ops on the custom kernels, what the op table (tests/engine/op_table*.py) cannot say: gradient routing
to constant inputs, argument errors, once-differentiability, the all-ignored loss and an alias.  Values,
gradients and output sizes (against NumPy formulas and PyTorch) are rows of the op table."""
import numpy as np
import pytest

import engine


def _t(a, grad=True):
    return engine.tensor(np.asarray(a, np.float64), dtype="float64", requires_grad=grad)


def test_swish_is_silu():
    assert engine.swish is engine.silu


def test_bias_act_routes_gradients_only_where_needed():
    x = _t(np.random.default_rng(0).standard_normal((2, 3, 4)))
    b_const = _t([0.1, 0.2, 0.3], grad=False)
    y = engine.bias_act(x, b_const, "silu")
    y.sum().backward()
    assert x.grad is not None and b_const.grad is None
    xl = _t(np.random.default_rng(1).standard_normal((5, 3)))
    bl = _t([0.5, -0.5, 0.0])
    engine.bias_act(xl, bl, "relu", axis=-1).sum().backward()
    np.testing.assert_allclose(bl.grad.numpy(), ((xl.numpy() + bl.numpy()) > 0).sum(axis=0))


def test_prelu_shapes_are_checked():
    with pytest.raises(ValueError, match="slopes"):
        engine.prelu(engine.randn(2, 4), engine.ones(3))
    with pytest.raises(TypeError, match="dtype"):
        engine.prelu(engine.randn(2, 3), engine.ones(3, dtype="float64"))


def test_fused_ops_are_once_differentiable_with_a_clear_error():
    x = _t([0.3, -1.2, 2.0])
    (g,) = engine.grad(engine.mish(x).sum(), [x], create_graph=True)
    with pytest.raises(RuntimeError, match="not twice differentiable"):
        g.sum().backward()


def test_softmax_cross_entropy_all_ignored_is_nan_and_bad_labels_raise():
    t = _t(np.zeros((2, 3)))
    assert np.isnan(engine.softmax_cross_entropy(t, np.array([-100, -100])).item())
    with pytest.raises(ValueError, match="labels must lie"):
        engine.softmax_cross_entropy(t, np.array([0, 3]))
    with pytest.raises(ValueError, match="reduction"):
        engine.softmax_cross_entropy(t, np.array([0, 1]), reduction="avg")
