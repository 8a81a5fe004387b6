"""conv2d's fused backward (``Conv2dGrad``) and the door's checks (engine/ops/conv.py, conv_params.py).

The op table (tests/engine/op_table_kernels.py) gradchecks and gradgradchecks every conv row with all inputs
requiring grad; here: the partial cases it cannot say (a first layer whose input needs no gradient, a
bias-only gradient), that a first-order backward records nothing, and the errors raised at the door.
"""
import numpy as np
import pytest

import engine
from engine.ops.conv import Conv2dGrad


def _t(a, grad=True):
    return engine.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_second_order_of_a_first_layer_whose_input_needs_no_gradient():
    rng = np.random.default_rng(0)
    x = _t(rng.standard_normal((2, 2, 5, 4)), grad=False)
    w, b = _t(rng.standard_normal((3, 2, 3, 2))), _t(rng.standard_normal(3))
    fn = lambda w, b: engine.conv2d(x, w, b, stride=(2, 1), padding=1)  # noqa: E731
    assert engine.gradcheck(fn, (w, b))
    assert engine.gradgradcheck(fn, (w, b))


def test_second_order_through_the_bias_gradient_only():
    rng = np.random.default_rng(1)
    x, w = _t(rng.standard_normal((2, 2, 4, 4)), grad=False), _t(rng.standard_normal((3, 2, 3, 3)), grad=False)
    b = _t(rng.standard_normal(3))

    def fn(b):
        y = engine.conv2d(x, w, b, padding=1)
        (gb,) = engine.grad((y * y).sum(), [b], create_graph=True)
        return gb

    assert engine.gradcheck(fn, (b,))


def test_first_order_backward_records_no_grad_node_and_create_graph_does():
    rng = np.random.default_rng(2)
    x, w = _t(rng.standard_normal((1, 2, 5, 5))), _t(rng.standard_normal((2, 2, 3, 3)))
    y = engine.conv2d(x, w)
    (gx,) = engine.grad(y.sum(), [x])
    assert gx._creator is None
    y = engine.conv2d(x, w)
    (gx,) = engine.grad(y.sum(), [x], create_graph=True)
    assert isinstance(gx._creator, Conv2dGrad)


def test_the_door_rejects_bad_arguments_before_any_kernel_runs():
    x, w = engine.zeros(1, 2, 5, 5), engine.zeros(3, 2, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: input \(1, 2, 5, 5\) is too small for kernel \(3, 3\) with "
                                         r"stride \(1, 1\), padding \(0, 0\), dilation \(3, 3\)"):
        engine.conv2d(x, w, dilation=3)
    with pytest.raises(ValueError, match=r"conv2d: stride must be an int or 2 ints, got \(1, 1, 1\)"):
        engine.conv2d(x, w, stride=(1, 1, 1))
    with pytest.raises(TypeError, match=r"conv2d: input dtype (engine\.)?float32, weight dtype (engine\.)?float32 and bias dtype (engine\.)?float64 differ"):
        engine.conv2d(x, w, engine.zeros(3, dtype="float64"))
    with pytest.raises(ValueError, match=r"conv2d: bias shape \(2,\) does not match 3 output channels"):
        engine.conv2d(x, w, engine.zeros(2))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(1, 1\) at least the stride \(1, 1\)"):
        engine.conv_transpose2d(engine.zeros(1, 3, 4, 4), engine.zeros(3, 2, 3, 3), dilation=2, output_padding=1)


def test_conv_transpose2d_output_size_and_values_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    kw = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2))
    got = engine.conv_transpose2d(_t(x), _t(w), _t(b), **kw)
    want = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
