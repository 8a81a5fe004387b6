"""RNNCell/LSTMCell/GRUCell, RNN/LSTM/GRU (torch's defaults, bidirectional, proj_size) and packed
sequences against torch: a torch state dict loaded through NumPy arrays, the same float64 inputs,
outputs and every input, state and parameter gradient compared."""
import numpy as np
import pytest

import engine
import nn
from nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence

from ._torch_parity import assert_close, assert_grads_match, backward_both, load_from_torch, pair

torch = pytest.importorskip("torch")

I, H, N, T = 3, 4, 2, 5


def _rng(seed):
    return np.random.default_rng(seed)


# ---- cells ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,kw", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
                                     ("GRUCell", {}), ("GRUCell", {"bias": False})])
def test_cells_match_torch(kind, kw):
    torch.manual_seed(0)
    tc = getattr(torch.nn, kind)(I, H, dtype=torch.float64, **kw)
    kc = load_from_torch(getattr(nn, kind)(I, H, **kw).double(), tc)
    rng = _rng(1)
    tx, kx = pair(torch, rng.standard_normal((N, I)))
    th, kh = pair(torch, rng.standard_normal((N, H)))
    if kind == "LSTMCell":
        tcs, kcs = pair(torch, rng.standard_normal((N, H)))
        (to, tco), (ko, kco) = tc(tx, (th, tcs)), kc(kx, (kh, kcs))
        assert_close(kco, tco, what="c'")
        to, ko = to * 2 + tco, ko * 2 + kco
    else:
        to, ko = tc(tx, th), kc(kx, kh)
    assert_close(ko, to, what="h'")
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, what="input grad")
    assert_close(kh.grad, th.grad, what="state grad")
    assert_grads_match(kc, tc)


def test_cells_unbatched_default_state_and_errors():
    torch.manual_seed(1)
    tc = torch.nn.LSTMCell(I, H, dtype=torch.float64)
    kc = load_from_torch(nn.LSTMCell(I, H).double(), tc)
    tx, kx = pair(torch, _rng(2).standard_normal(I))
    (th, tcs), (kh, kcs) = tc(tx), kc(kx)
    assert kh.shape == (H,) and kcs.shape == (H,)
    assert_close(kh, th)
    assert_close(kcs, tcs)
    assert list(kc.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    with pytest.raises(ValueError, match=r"LSTMCell: expected input of shape \(N, 3\) or \(3,\), got \(2, 5\)"):
        kc(engine.zeros(2, 5))
    with pytest.raises(TypeError, match=r"LSTMCell: the state must be a pair \(h, c\)"):
        kc(engine.zeros(2, 3), engine.zeros(2, 4))
    with pytest.raises(ValueError, match=r"GRUCell: state of shape \(3, 4\) does not match input \(2, 3\)"):
        nn.GRUCell(I, H)(engine.zeros(2, 3), engine.zeros(3, 4))
    k = 1 / np.sqrt(H)
    assert all(np.abs(p.numpy()).max() <= k for p in nn.GRUCell(I, H).parameters())


# ---- sequence layers ------------------------------------------------------------------------------
SEQ_CASES = [
    ("RNN", dict(num_layers=2, nonlinearity="relu")),
    ("GRU", dict(bidirectional=True)),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2)),
    ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(num_layers=2, dropout=0.5, bias=False)),  # dropout is inactive in eval mode
]


def _states(kind, kw, rng):
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    hout = kw.get("proj_size") or H
    h0 = rng.standard_normal((L * D, N, hout)) * 0.5
    c0 = rng.standard_normal((L * D, N, H)) * 0.5 if kind == "LSTM" else None
    return h0, c0


@pytest.mark.parametrize("kind,kw", SEQ_CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(SEQ_CASES)])
def test_sequence_layers_match_torch(kind, kw):
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(I, H, dtype=torch.float64, **kw).eval()
    km = load_from_torch(getattr(nn, kind)(I, H, **kw).double(), tm).eval()
    assert list(km.state_dict()) == list(tm.state_dict())
    rng = _rng(3)
    bf = kw.get("batch_first", False)
    tx, kx = pair(torch, rng.standard_normal((N, T, I) if bf else (T, N, I)))
    h0, c0 = _states(kind, kw, rng)
    th, kh = pair(torch, h0)
    if kind == "LSTM":
        tcs, kcs = pair(torch, c0)
        to, (thn, tcn) = tm(tx, (th, tcs))
        ko, (khn, kcn) = km(kx, (kh, kcs))
        assert_close(kcn, tcn, what="c_n")
    else:
        to, thn = tm(tx, th)
        ko, khn = km(kx, kh)
    assert_close(ko, to, what="output")
    assert_close(khn, thn, what="h_n")
    backward_both(ko + 0.0, to + 0.0)
    assert_close(kx.grad, tx.grad, what="input grad")
    assert_close(kh.grad, th.grad, what="h0 grad")
    if kind == "LSTM":
        assert_close(kcs.grad, tcs.grad, what="c0 grad")
    assert_grads_match(km, tm)


def test_defaults_follow_torch():
    m = nn.LSTM(I, H)
    assert m.batch_first is False and m.proj_size == 0
    out, (h, c) = m(engine.zeros(T, N, I))  # (T, N, I): time first
    assert out.shape == (T, N, H) and h.shape == (1, N, H)
    assert m.flatten_parameters() is None
    with pytest.raises(ValueError, match="proj_size 4 has to be smaller than hidden_size 4"):
        nn.LSTM(I, H, proj_size=4)


# ---- packed sequences -----------------------------------------------------------------------------
def test_pad_and_pack_helpers_match_torch():
    rng = _rng(4)
    seqs = [rng.standard_normal((n, I)) for n in (3, 5, 2)]
    tp = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=-1.0)
    kp = pad_sequence([engine.tensor(s, dtype="float64") for s in seqs], batch_first=True, padding_value=-1.0)
    assert_close(kp, tp, atol=0)
    lengths = [3, 5, 2]
    tpk = torch.nn.utils.rnn.pack_padded_sequence(tp, lengths, batch_first=True, enforce_sorted=False)
    kpk = pack_padded_sequence(kp, lengths, batch_first=True, enforce_sorted=False)
    assert_close(kpk.data, tpk.data, atol=0)
    np.testing.assert_array_equal(kpk.batch_sizes.numpy(), tpk.batch_sizes.numpy())
    np.testing.assert_array_equal(kpk.sorted_indices.numpy(), tpk.sorted_indices.numpy())
    np.testing.assert_array_equal(kpk.unsorted_indices.numpy(), tpk.unsorted_indices.numpy())
    tback, tl = torch.nn.utils.rnn.pad_packed_sequence(tpk, batch_first=True, total_length=6)
    kback, kl = pad_packed_sequence(kpk, batch_first=True, total_length=6)
    assert_close(kback, tback, atol=0)
    np.testing.assert_array_equal(kl.numpy(), tl.numpy())
    sorted_pack = pack_sequence([engine.tensor(seqs[i], dtype="float64") for i in (1, 0, 2)])
    assert sorted_pack.sorted_indices is None and sorted_pack.batch_sizes.tolist() == [3, 3, 2, 1, 1]
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        pack_padded_sequence(kp, lengths, batch_first=True)
    with pytest.raises(RuntimeError, match="length of all samples has to be greater than 0"):
        pack_padded_sequence(kp, [3, 0, 2], batch_first=True, enforce_sorted=False)


@pytest.mark.parametrize("kind,kw", [("LSTM", dict(num_layers=2, bidirectional=True)), ("GRU", {}),
                                     ("LSTM", dict(proj_size=2))])
def test_packed_input_matches_torch(kind, kw):
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(I, H, dtype=torch.float64, **kw)
    km = load_from_torch(getattr(nn, kind)(I, H, **kw).double(), tm)
    rng = _rng(5)
    lengths = [3, 5, 2]
    tx, kx = pair(torch, rng.standard_normal((5, 3, I)))
    tpk = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    kpk = pack_padded_sequence(kx, lengths, enforce_sorted=False)
    h0, c0 = _states(kind, dict(kw), rng)
    h0 = rng.standard_normal((h0.shape[0], 3, h0.shape[2]))
    th, kh = pair(torch, h0)
    if kind == "LSTM":
        tcs, kcs = pair(torch, rng.standard_normal((h0.shape[0], 3, H)))
        tout, (thn, tcn) = tm(tpk, (th, tcs))
        kout, (khn, kcn) = km(kpk, (kh, kcs))
        assert_close(kcn, tcn, what="c_n")
        khn, thn = khn + kcn[..., : khn.shape[-1]], thn + tcn[..., : thn.shape[-1]]  # c_n joins the loss
    else:
        tout, thn = tm(tpk, th)
        kout, khn = km(kpk, kh)
    assert isinstance(kout, nn.utils.rnn.PackedSequence)
    assert_close(kout.data, tout.data, what="packed output")
    assert_close(khn, thn, what="h_n")
    tpad, _ = torch.nn.utils.rnn.pad_packed_sequence(tout)
    kpad, _ = pad_packed_sequence(kout)
    assert_close(kpad, tpad, what="padded output")
    # one loss over the padded outputs and the final states, on both sides
    wo = rng.standard_normal(tuple(tpad.shape))
    wh = rng.standard_normal(tuple(thn.shape))
    ((tpad * torch.tensor(wo)).sum() + (thn * torch.tensor(wh)).sum()).backward()
    ((kpad * engine.tensor(wo, dtype="float64")).sum() + (khn * engine.tensor(wh, dtype="float64")).sum()).backward()
    assert_close(kx.grad, tx.grad, what="input grad through packing")
    assert_close(kh.grad, th.grad, what="h0 grad")
    assert_grads_match(km, tm)


def test_unpad_and_unpack_sequence_match_torch():
    rng = _rng(6)
    seqs = [rng.standard_normal((n, 2)) for n in (2, 4, 3)]
    k_seqs = [engine.tensor(s, dtype="float64", requires_grad=True) for s in seqs]
    t_seqs = [torch.tensor(s) for s in seqs]
    k_padded = pad_sequence(k_seqs)
    t_out = torch.nn.utils.rnn.unpad_sequence(torch.nn.utils.rnn.pad_sequence(t_seqs), torch.tensor([2, 4, 3]))
    k_out = nn.utils.rnn.unpad_sequence(k_padded, [2, 4, 3])
    for a, b in zip(k_out, t_out):
        assert_close(a, b, atol=0)
    k_back = nn.utils.rnn.unpack_sequence(pack_sequence(k_seqs, enforce_sorted=False))
    for a, s in zip(k_back, seqs):
        np.testing.assert_array_equal(a.numpy(), s)
    sum(((t * t).sum() for t in k_back), engine.tensor(0.0, dtype="float64")).backward()  # gradients reach the inputs
    np.testing.assert_allclose(k_seqs[1].grad.numpy(), 2 * seqs[1])
