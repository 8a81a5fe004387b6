"""Layers against NumPy float64 references (forward, input and parameter gradients), gradcheck on
small float64 modules, and second derivatives through the fused ops."""
import numpy as np
import pytest

import engine
import nn
import nn.functional as F

RNG = np.random.default_rng(0)


def T(a, grad=True):
    return engine.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=grad)


def run(module_or_fn, x, g):
    xt = T(x)
    out = module_or_fn(xt)
    out.backward(engine.tensor(g, dtype=np.float64))
    return out.numpy(), xt.grad.numpy()


def test_linear_matches_numpy():
    lin = nn.Linear(5, 3).double()
    W, b = lin.weight.numpy().copy(), lin.bias.numpy().copy()
    for shape in [(4, 5), (2, 4, 5)]:
        x = RNG.standard_normal(shape)
        g = RNG.standard_normal(shape[:-1] + (3,))
        lin.zero_grad()
        y, gx = run(lin, x, g)
        np.testing.assert_allclose(y, x @ W.T + b, rtol=1e-12)
        np.testing.assert_allclose(gx, g @ W, rtol=1e-12)
        g2, x2 = g.reshape(-1, 3), x.reshape(-1, 5)
        np.testing.assert_allclose(lin.weight.grad.numpy(), g2.T @ x2, rtol=1e-12)
        np.testing.assert_allclose(lin.bias.grad.numpy(), g2.sum(0), rtol=1e-12)


def test_linear_defaults_and_errors():
    lin = nn.Linear(64, 8)
    assert lin.weight.dtype == np.float32 and lin.weight.shape == (8, 64)
    assert np.abs(lin.weight.numpy()).max() <= 1 / 8 and np.abs(lin.bias.numpy()).max() <= 1 / 8
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(8, 64\)"):
        lin(engine.randn(2, 3))


def _bn_ref(x, w, b, eps, axes):
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    xhat = (x - m) / np.sqrt(v + eps)
    shape = [1] * x.ndim
    shape[1] = -1
    return xhat * w.reshape(shape) + b.reshape(shape), xhat, v


@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (6, 4)), (nn.BatchNorm1d, (5, 4, 3)),
                                        (nn.BatchNorm2d, (4, 4, 3, 2))])
def test_batchnorm_train_forward_grads_and_running_stats(cls, shape):
    bn = cls(4, momentum=0.3).double()
    bn.weight.array[...] = RNG.random(4) + 0.5
    bn.bias.array[...] = RNG.standard_normal(4)
    w, b = bn.weight.numpy().copy(), bn.bias.numpy().copy()
    x = RNG.standard_normal(shape) * 3 + 2
    g = RNG.standard_normal(shape)
    axes = tuple(i for i in range(len(shape)) if i != 1)
    y, gx = run(bn, x, g)
    ref, xhat, v = _bn_ref(x, w, b, 1e-5, axes)
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)
    # reference gradient by the textbook formula
    n = x.size // 4
    sh = [1] * x.ndim
    sh[1] = -1
    gxhat = g * w.reshape(sh)
    gx_ref = (gxhat - gxhat.mean(axis=axes, keepdims=True)
              - xhat * (gxhat * xhat).mean(axis=axes, keepdims=True)) / np.sqrt(v + 1e-5)
    np.testing.assert_allclose(gx, gx_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn.weight.grad.numpy(), (g * xhat).sum(axis=axes), rtol=1e-10)
    np.testing.assert_allclose(bn.bias.grad.numpy(), g.sum(axis=axes), rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.3 * x.mean(axis=axes), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.7 + 0.3 * x.var(axis=axes, ddof=1), rtol=1e-10)
    assert int(bn.num_batches_tracked.item()) == 1


def test_batchnorm_eval_uses_running_stats_and_cumulative_momentum():
    bn = nn.BatchNorm2d(3, momentum=None).double()
    xs = [RNG.standard_normal((4, 3, 2, 2)) + i for i in range(3)]
    for x in xs:
        bn(T(x, False))
    means = np.mean([x.mean(axis=(0, 2, 3)) for x in xs], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), means, rtol=1e-10)
    bn.eval()
    x = RNG.standard_normal((2, 3, 2, 2))
    g = RNG.standard_normal(x.shape)
    y, gx = run(bn, x, g)
    rm, rv = bn.running_mean.numpy().reshape(1, 3, 1, 1), bn.running_var.numpy().reshape(1, 3, 1, 1)
    np.testing.assert_allclose(y, (x - rm) / np.sqrt(rv + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(gx, g / np.sqrt(rv + 1e-5), rtol=1e-10)
    with pytest.raises(ValueError, match="channels"):
        bn(engine.randn(2, 4, 2, 2, dtype="float64"))


def test_layernorm_matches_numpy():
    ln = nn.LayerNorm((3, 4)).double()
    ln.weight.array[...] = RNG.random((3, 4)) + 0.5
    ln.bias.array[...] = RNG.standard_normal((3, 4))
    w, b = ln.weight.numpy().copy(), ln.bias.numpy().copy()
    x = RNG.standard_normal((2, 5, 3, 4))
    g = RNG.standard_normal(x.shape)
    y, gx = run(ln, x, g)
    ax = (2, 3)
    m, v = x.mean(axis=ax, keepdims=True), x.var(axis=ax, keepdims=True)
    xhat = (x - m) / np.sqrt(v + 1e-5)
    np.testing.assert_allclose(y, xhat * w + b, rtol=1e-10, atol=1e-12)
    gh = g * w
    gx_ref = (gh - gh.mean(axis=ax, keepdims=True) - xhat * (gh * xhat).mean(axis=ax, keepdims=True)) / np.sqrt(v + 1e-5)
    np.testing.assert_allclose(gx, gx_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ln.weight.grad.numpy(), (g * xhat).sum(axis=(0, 1)), rtol=1e-10)


def test_embedding_forward_and_accumulating_grad():
    emb = nn.Embedding(6, 3, padding_idx=2).double()
    assert np.all(emb.weight.numpy()[2] == 0)
    W = emb.weight.numpy().copy()
    idx = np.array([[0, 2, 5], [5, 5, 1]])
    out = emb(engine.tensor(idx))
    np.testing.assert_array_equal(out.numpy(), W[idx])
    g = RNG.standard_normal((2, 3, 3))
    out.backward(engine.tensor(g, dtype=np.float64))
    ref = np.zeros_like(W)
    np.add.at(ref, idx, g)
    ref[2] = 0
    np.testing.assert_allclose(emb.weight.grad.numpy(), ref, rtol=1e-12)
    with pytest.raises(IndexError, match="out of range"):
        emb(engine.tensor([6]))


def test_dropout_train_eval_and_scaling():
    x = engine.ones(200, 50)
    d = nn.Dropout(0.25, generator=np.random.default_rng(1))
    y = d(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    xt = engine.ones(4, 5, requires_grad=True)
    out = d(xt)
    out.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), out.numpy())  # gradient is the mask
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_flatten_unflatten_identity():
    x = engine.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Identity(7, foo=1)(x) is x


@pytest.mark.parametrize("make, shape", [
    (lambda: nn.Linear(3, 2), (4, 3)),
    (lambda: nn.BatchNorm1d(3), (5, 3)),
    (lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    (lambda: nn.LayerNorm(4), (3, 4)),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.LayerNorm(4), nn.Linear(4, 2)), (3, 3)),
])
def test_gradcheck_small_modules(make, shape):
    np.random.seed(3)
    m = make().double()
    slots = [(mod, name) for mod in m.modules() for name, p in mod._parameters.items() if p is not None]
    x = T(RNG.standard_normal(shape))

    def f(x, *ps):  # call the module with the given tensors in place of its parameters
        for (mod, name), v in zip(slots, ps):
            mod._parameters[name] = v
        return m(x)

    assert engine.gradcheck(f, [x] + [T(mod._parameters[name].numpy()) for mod, name in slots])


@pytest.mark.parametrize("fn, shapes", [
    (lambda x, w, b: F.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3), (3,), (3,)]),
    (lambda x, w, b: F.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)]),
])
def test_second_derivatives_of_fused_ops(fn, shapes):
    inputs = [T(RNG.standard_normal(s) + (1.0 if len(s) == 1 else 0.0)) for s in shapes]
    assert engine.gradgradcheck(fn, inputs, atol=1e-4)
