"""Engine ops on the custom kernels: fused activations (gradient routing, errors, third order) and softmax
cross-entropy (values); convolution/pooling output sizes as PyTorch computes them."""
import numpy as np
import pytest

import engine


def _t(a, grad=True):
    return engine.tensor(np.asarray(a, np.float64), dtype="float64", requires_grad=grad)


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


@pytest.mark.parametrize("name", ["mish", "sinc", "softplus", "elu"])
def test_fused_activations_differentiate_to_third_order(name):
    """ActivationGrad's backward is built from differentiable ops (ActivationGrad again and the spec row's
    second derivative), so the third derivative is right too."""
    fn = getattr(engine, name)
    x = _t([0.3, -1.2, 2.0, 0.05])

    def first(t):
        return engine.grad(fn(t).sum(), [t], create_graph=True)[0]

    assert engine.gradgradcheck(first, [x])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_values(reduction):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5)) * 10
    lab = np.array([0, 4, -100, 2, 2, 1])
    t = _t(x)
    loss = engine.softmax_cross_entropy(t, lab, reduction=reduction)
    m = x.max(1, keepdims=True)
    ls = x - m - np.log(np.exp(x - m).sum(1, keepdims=True))
    per = np.where(lab == -100, 0, -ls[np.arange(6), np.where(lab < 0, 0, lab)])
    ref = {"none": per, "sum": per.sum(), "mean": per.sum() / 5}[reduction]
    np.testing.assert_allclose(loss.numpy(), ref, rtol=1e-9, atol=1e-12)
    loss.sum().backward()
    assert np.all(t.grad.numpy()[2] == 0)


def test_softmax_cross_entropy_all_ignored_is_nan_and_bad_labels_raise():
    t = _t(np.zeros((2, 3)))
    assert np.isnan(engine.softmax_cross_entropy(t, np.array([-100, -100])).item())
    with pytest.raises(ValueError, match="labels must lie"):
        engine.softmax_cross_entropy(t, np.array([0, 3]))
    with pytest.raises(ValueError, match="reduction"):
        engine.softmax_cross_entropy(t, np.array([0, 1]), reduction="avg")


@pytest.mark.parametrize("h,k,s,p,d", [(28, 5, 1, 2, 1), (7, 3, 2, 1, 1), (10, 3, 3, 0, 2), (5, 5, 1, 0, 1)])
def test_conv_output_size_as_pytorch(h, k, s, p, d):
    x = engine.randn(1, 2, h, h + 1)
    w = engine.randn(3, 2, k, k)
    y = engine.conv2d(x, w, stride=s, padding=p, dilation=d)
    expect = lambda n: (n + 2 * p - d * (k - 1) - 1) // s + 1  # noqa: E731  (torch.nn.Conv2d docs)
    assert y.shape == (1, 3, expect(h), expect(h + 1))


@pytest.mark.parametrize("h,k,s,p,ceil,out", [(7, 2, 2, 0, False, 3), (7, 2, 2, 0, True, 4), (5, 3, 2, 1, True, 3),
                                              (6, 3, 3, 1, True, 3)])
def test_pool_output_size_as_pytorch(h, k, s, p, ceil, out):
    # expected values from torch.nn.functional.max_pool2d / avg_pool2d on these sizes
    x = engine.randn(1, 1, h, h)
    assert engine.max_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil).shape == (1, 1, out, out)
    assert engine.avg_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil).shape == (1, 1, out, out)
