"""RNN, LSTM and GRU against a plain NumPy float64 implementation of their equations: forward values,
gradients of the inputs, initial states and every parameter (numerical differences of the NumPy
reference), multi-layer, bidirectional, batch_first, unbatched input, PyTorch names and shapes.
The layers default to batch_first=False as torch; the batch-first cases here ask for it."""
import numpy as np
import pytest

import engine
import nn
from engine import Tensor


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def ref_cell(mode, p, sfx, x, h, c):
    """One step of the equations on float64 NumPy arrays; x (N, I), h/c (N, H)."""
    gi = x @ p["weight_ih" + sfx].T + p.get("bias_ih" + sfx, 0.0)
    gh = h @ p["weight_hh" + sfx].T + p.get("bias_hh" + sfx, 0.0)
    if mode == "RNN_TANH":
        return np.tanh(gi + gh), None
    if mode == "RNN_RELU":
        return np.maximum(gi + gh, 0.0), None
    H = h.shape[1]
    if mode == "LSTM":
        g = gi + gh
        i, f, gg, o = sigmoid(g[:, :H]), sigmoid(g[:, H:2 * H]), np.tanh(g[:, 2 * H:3 * H]), sigmoid(g[:, 3 * H:])
        c = f * c + i * gg
        return o * np.tanh(c), c
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h, None


def ref_forward(mode, p, x, h0, c0, layers, dirs):
    """x (N, T, I) batch first; h0/c0 (L*D, N, H). Returns output (N, T, D*H), h_n, c_n."""
    N, T, _ = x.shape
    inp = x
    hn, cn = [], []
    for layer in range(layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            k = layer * dirs + d
            h, c = h0[k], (c0[k] if c0 is not None else None)
            out = np.zeros((N, T, h.shape[1]))
            for t in (range(T - 1, -1, -1) if d else range(T)):
                h, c = ref_cell(mode, p, sfx, inp[:, t], h, c)
                out[:, t] = h
            outs.append(out)
            hn.append(h)
            cn.append(c)
        inp = np.concatenate(outs, axis=2)
    return inp, np.stack(hn), (np.stack(cn) if c0 is not None else None)


def make(kind, I, H, layers, dirs, bias=True, nonlinearity="tanh"):
    np.random.seed(0)
    kw = dict(num_layers=layers, bidirectional=dirs == 2, bias=bias, batch_first=True)
    if kind == "RNN":
        m = nn.RNN(I, H, nonlinearity=nonlinearity, **kw)
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
    else:
        m = getattr(nn, kind)(I, H, **kw)
        mode = kind
    return m, mode


def loss_weights(shapes, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


CASES = [
    ("RNN", "tanh", 1, 1, True),
    ("RNN", "relu", 2, 1, True),
    ("LSTM", "tanh", 1, 1, True),
    ("LSTM", "tanh", 2, 2, True),
    ("GRU", "tanh", 1, 1, True),
    ("GRU", "tanh", 2, 1, False),
    ("GRU", "tanh", 1, 2, True),
]


@pytest.mark.parametrize("kind,nonlin,layers,dirs,bias", CASES)
def test_forward_and_gradients_match_numpy_reference(kind, nonlin, layers, dirs, bias):
    N, T, I, H = 2, 3, 3, 2
    m, mode = make(kind, I, H, layers, dirs, bias, nonlin)
    m.double()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, T, I))
    h0 = rng.standard_normal((layers * dirs, N, H)) * 0.5
    c0 = rng.standard_normal((layers * dirs, N, H)) * 0.5 if kind == "LSTM" else None
    params = {k: v.numpy().copy() for k, v in m.named_parameters()}

    xt, ht = Tensor(x, dtype="float64", requires_grad=True), Tensor(h0, dtype="float64", requires_grad=True)
    ct = Tensor(c0, dtype="float64", requires_grad=True) if c0 is not None else None
    out, state = m(xt, (ht, ct) if ct is not None else ht)
    hn, cn = state if ct is not None else (state, None)
    r_out, r_hn, r_cn = ref_forward(mode, params, x, h0, c0, layers, dirs)
    assert out.shape == (N, T, dirs * H) and hn.shape == (layers * dirs, N, H)
    np.testing.assert_allclose(out.numpy(), r_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn.numpy(), r_hn, rtol=1e-12, atol=1e-12)
    if cn is not None:
        np.testing.assert_allclose(cn.numpy(), r_cn, rtol=1e-12, atol=1e-12)

    # a scalar loss touching every output, then backprop through time
    shapes = [r_out.shape, r_hn.shape] + ([r_cn.shape] if cn is not None else [])
    ws = loss_weights(shapes)
    loss = (out * ws[0]).sum() + (hn * ws[1]).sum() + ((cn * ws[2]).sum() if cn is not None else 0.0)
    loss.backward()

    def ref_loss(px, ph, pc, pp):
        o, a, b = ref_forward(mode, pp, px, ph, pc, layers, dirs)
        return (o * ws[0]).sum() + (a * ws[1]).sum() + ((b * ws[2]).sum() if b is not None else 0.0)

    def numeric(arr, f, eps=1e-6):
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = f()
            arr[idx] = old - eps
            down = f()
            arr[idx] = old
            g[idx] = (up - down) / (2 * eps)
        return g

    f = lambda: ref_loss(x, h0, c0, params)  # noqa: E731  (closes over the arrays being perturbed)
    np.testing.assert_allclose(xt.grad.numpy(), numeric(x, f), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ht.grad.numpy(), numeric(h0, f), rtol=1e-6, atol=1e-8)
    if ct is not None:
        np.testing.assert_allclose(ct.grad.numpy(), numeric(c0, f), rtol=1e-6, atol=1e-8)
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), numeric(params[name], f), rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_pytorch_names_shapes_and_init(kind):
    G = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    m = getattr(nn, kind)(5, 7, num_layers=2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    expected = []
    for layer, in_size in ((0, 5), (1, 14)):
        for sfx in (f"_l{layer}", f"_l{layer}_reverse"):
            expected += [("weight_ih" + sfx, (G * 7, in_size)), ("weight_hh" + sfx, (G * 7, 7)),
                         ("bias_ih" + sfx, (G * 7,)), ("bias_hh" + sfx, (G * 7,))]
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == expected
    assert names == list(m.state_dict())
    k = 1 / np.sqrt(7)
    for p in m.parameters():
        assert p.dtype == np.float32 and p.numpy().min() >= -k and p.numpy().max() <= k
    w = m.weight_ih_l0.numpy()
    assert w.std() == pytest.approx(k / np.sqrt(3), rel=0.25)


def test_batch_first_false_unbatched_and_default_state():
    np.random.seed(1)
    m = nn.GRU(3, 4, num_layers=2, batch_first=True)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    out, h = m(engine.tensor(x))
    # zero initial state is the default
    out0, h0 = m(engine.tensor(x), engine.zeros(2, 2, 4))
    np.testing.assert_array_equal(out.numpy(), out0.numpy())
    # time-major layout gives the same numbers
    tm = nn.GRU(3, 4, num_layers=2, batch_first=False)
    tm.load_state_dict(m.state_dict())
    out_t, h_t = tm(engine.tensor(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(out_t.numpy().transpose(1, 0, 2), out.numpy(), rtol=1e-6)
    np.testing.assert_allclose(h_t.numpy(), h.numpy(), rtol=1e-6)
    # an unbatched sequence (T, I) with state (L, H)
    out_u, h_u = m(engine.tensor(x[1]), engine.tensor(h.numpy()[:, 1]))
    out_b, h_b = m(engine.tensor(x[1:2]), engine.tensor(h.numpy()[:, 1:2]))
    assert out_u.shape == (5, 4) and h_u.shape == (2, 4)
    np.testing.assert_allclose(out_u.numpy(), out_b.numpy()[0], rtol=1e-6)
    # the final output step of the last layer is h_n[-1]
    np.testing.assert_allclose(out.numpy()[:, -1], h.numpy()[-1], rtol=1e-6)


def test_gradcheck_lstm_through_engine():
    np.random.seed(3)
    m = nn.LSTM(2, 3).double()
    x = engine.randn(4, 2, 2, dtype="float64", requires_grad=True)  # (T, N, I): torch's default layout
    h0 = engine.randn(1, 2, 3, dtype="float64", requires_grad=True)
    c0 = engine.randn(1, 2, 3, dtype="float64", requires_grad=True)
    assert engine.gradcheck(lambda a, b, c: m(a, (b, c))[0], [x, h0, c0])


def test_dropout_between_layers_only_in_training():
    np.random.seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = engine.randn(2, 6, 3)
    m.eval()
    a, _ = m(x)
    b, _ = m(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    m.train()
    c, _ = m(x)
    assert not np.allclose(a.numpy(), c.numpy())


def test_errors_name_the_layer_and_shapes():
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(ValueError, match=r"LSTM: input has 5 features \(shape \(2, 6, 5\)\), expected input_size=3"):
        m(engine.zeros(2, 6, 5))
    with pytest.raises(ValueError, match=r"LSTM: initial state has shape \(1, 2, 4\), expected \(2, 2, 4\)"):
        m(engine.zeros(2, 6, 3), (engine.zeros(1, 2, 4), engine.zeros(2, 2, 4)))
    with pytest.raises(TypeError, match=r"LSTM: the initial state must be a pair \(h0, c0\)"):
        m(engine.zeros(2, 6, 3), engine.zeros(2, 2, 4))
    with pytest.raises(ValueError, match=r"RNN: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"GRU: expected input of 3 dimensions"):
        nn.GRU(3, 4)(engine.zeros(1, 2, 3, 3))
