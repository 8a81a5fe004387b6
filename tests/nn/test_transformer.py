"""F.scaled_dot_product_attention, nn.MultiheadAttention and the Transformer family against torch:
a torch state dict loaded through NumPy arrays, the same float64 inputs, then outputs, attention
weights, input gradients and parameter gradients compared; plus masks, subclassing and errors."""
import numpy as np
import pytest

import engine
import nn
import nn.functional as F

from ._torch_parity import assert_close, assert_grads_match, backward_both, load_from_torch, pair

torch = pytest.importorskip("torch")

E, H, FF, N, S, T = 8, 2, 16, 3, 5, 4


def _rng(seed=1):
    return np.random.default_rng(seed)


# ---- scaled_dot_product_attention -----------------------------------------------------------------
@pytest.mark.parametrize("case", ["plain", "causal", "float_mask", "bool_mask", "scale", "3d_broadcast_mask"])
def test_sdpa_matches_torch(case):
    rng = _rng(0)
    shapes = [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)]
    kw = {}
    if case == "causal":
        kw["is_causal"] = True
    elif case == "float_mask":
        kw["attn_mask"] = rng.standard_normal((4, 6))
    elif case == "bool_mask":
        kw["attn_mask"] = rng.random((4, 6)) > 0.3
    elif case == "scale":
        kw["scale"] = 0.3
    elif case == "3d_broadcast_mask":
        kw["attn_mask"] = rng.random((3, 1, 6)) > 0.2
    tq, kq = pair(torch, rng.standard_normal(shapes[0]))
    tk, kk = pair(torch, rng.standard_normal(shapes[1]))
    tv, kv = pair(torch, rng.standard_normal(shapes[2]))
    tkw = {a: torch.tensor(b) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    kkw = {a: engine.tensor(b, dtype=b.dtype) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    to = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **tkw)
    ko = F.scaled_dot_product_attention(kq, kk, kv, **kkw)
    assert_close(ko, to, atol=1e-10, what="output")
    backward_both(ko, to)
    for a, b, name in ((kq, tq, "q"), (kk, tk, "k"), (kv, tv, "v")):
        assert_close(a.grad, b.grad, atol=1e-10, what=f"grad {name}")


def test_sdpa_fully_masked_row_gives_zeros_like_torch():
    rng = _rng(2)
    q = rng.standard_normal((1, 3, 4))
    mask = np.ones((3, 3), bool)
    mask[1] = False
    tq, kq = pair(torch, q)
    to = torch.nn.functional.scaled_dot_product_attention(tq, tq, tq, attn_mask=torch.tensor(mask))
    ko = F.scaled_dot_product_attention(kq, kq, kq, attn_mask=engine.tensor(mask))
    assert_close(ko, to, atol=1e-12)
    assert np.all(ko.numpy()[0, 1] == 0) and np.isfinite(ko.numpy()).all()
    backward_both(ko, to)
    assert_close(kq.grad, tq.grad, atol=1e-10)


def test_sdpa_gradcheck_and_dropout():
    rng = _rng(3)
    q, k, v = (engine.tensor(rng.standard_normal(s), dtype="float64", requires_grad=True)
               for s in [(2, 3, 4), (2, 5, 4), (2, 5, 3)])
    assert engine.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), [q, k, v])
    np.random.seed(0)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ref = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == ref.shape and not np.allclose(out.numpy(), ref.numpy())


def test_sdpa_errors():
    q = engine.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: query of shape \(2, 3, 4\) and key of shape \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, engine.zeros(2, 3, 5), engine.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=engine.zeros(3, 3), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 3\) does not broadcast to \(\.\.\., 3, 3\)"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=engine.zeros(4, 3))


# ---- MultiheadAttention ---------------------------------------------------------------------------
MHA_CASES = [
    ("plain", {}, {}),
    ("batch_first", {"batch_first": True}, {}),
    ("bias_kv_zero_attn", {"add_bias_kv": True, "add_zero_attn": True}, {"masks": True}),
    ("kdim_vdim", {"kdim": 3, "vdim": 5}, {}),
    ("masks", {}, {"masks": True}),
    ("per_head_weights", {}, {"average_attn_weights": False}),
    ("no_bias_float_mask", {"bias": False}, {"float_mask": True}),
    ("per_head_3d_mask", {}, {"mask3d": True}),
]


@pytest.mark.parametrize("name,ctor,call", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_matches_torch(name, ctor, call):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **ctor)
    km = nn.MultiheadAttention(E, H, **ctor).double()
    load_from_torch(km, tm)
    rng = _rng(1)
    bf = ctor.get("batch_first", False)

    def shape(t, d):
        return (N, t, d) if bf else (t, N, d)

    tq, kq = pair(torch, rng.standard_normal(shape(T, E)))
    tk, kk = pair(torch, rng.standard_normal(shape(S, ctor.get("kdim", E))))
    tv, kv = pair(torch, rng.standard_normal(shape(S, ctor.get("vdim", E))))
    targs, kargs = {}, {}
    if call.get("masks"):
        am = rng.random((T, S)) > 0.7
        kpm = rng.random((N, S)) > 0.7
        kpm[:, 0] = False
        targs = dict(attn_mask=torch.tensor(am), key_padding_mask=torch.tensor(kpm))
        kargs = dict(attn_mask=engine.tensor(am), key_padding_mask=engine.tensor(kpm))
    if call.get("float_mask"):
        am = rng.standard_normal((T, S))
        targs["attn_mask"], kargs["attn_mask"] = torch.tensor(am), engine.tensor(am, dtype="float64")
    if call.get("mask3d"):
        am = rng.random((N * H, T, S)) > 0.6
        am[..., 0] = False
        targs["attn_mask"], kargs["attn_mask"] = torch.tensor(am), engine.tensor(am)
    if "average_attn_weights" in call:
        targs["average_attn_weights"] = kargs["average_attn_weights"] = call["average_attn_weights"]
    to, tw = tm(tq, tk, tv, **targs)
    ko, kw = km(kq, kk, kv, **kargs)
    assert_close(ko, to, what="output")
    assert_close(kw, tw, what="attention weights")
    backward_both(ko, to)
    for a, b, what in ((kq, tq, "query"), (kk, tk, "key"), (kv, tv, "value")):
        assert_close(a.grad, b.grad, what=f"grad of {what}")
    assert_grads_match(km, tm)


def test_multihead_attention_unbatched_and_no_weights():
    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(E, H, dtype=torch.float64)
    km = load_from_torch(nn.MultiheadAttention(E, H).double(), tm)
    tx, kx = pair(torch, _rng(4).standard_normal((T, E)))
    to, _ = tm(tx, tx, tx, need_weights=False)
    ko, kw = km(kx, kx, kx, need_weights=False)
    assert kw is None
    assert_close(ko, to)
    _, tw = tm(tx, tx, tx)
    _, kw = km(kx, kx, kx)
    assert_close(kw, tw)


def test_multihead_attention_names_init_and_errors():
    m = nn.MultiheadAttention(E, H)
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert np.all(m.in_proj_bias.numpy() == 0) and np.all(m.out_proj.bias.numpy() == 0)
    bound = np.sqrt(6.0 / (E + 3 * E))
    assert np.abs(m.in_proj_weight.numpy()).max() <= bound
    with pytest.raises(ValueError, match="embed_dim 8 is not divisible by num_heads 3"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(2, 5\) is not \(3, 5\)"):
        x = engine.zeros(5, 3, E)
        m(x, x, x, key_padding_mask=engine.zeros(2, 5, dtype=bool))
    with pytest.raises(ValueError, match=r"feature sizes of query \(5, 3, 4\)"):
        x = engine.zeros(5, 3, 4)
        m(x, x, x)


# ---- encoder / decoder / Transformer --------------------------------------------------------------
LAYER_CASES = [dict(), dict(norm_first=True, activation="gelu"), dict(batch_first=True)]


def _seq(bf, t, seed):
    return _rng(seed).standard_normal((N, t, E) if bf else (t, N, E))


@pytest.mark.parametrize("kw", LAYER_CASES, ids=["post_norm_relu", "pre_norm_gelu", "batch_first"])
def test_transformer_encoder_matches_torch(kw):
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, dtype=torch.float64, **kw)
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(E, dtype=torch.float64), enable_nested_tensor=False)
    km = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, **kw), 2, norm=nn.LayerNorm(E))
    load_from_torch(km.double(), tm)
    bf = kw.get("batch_first", False)
    tx, kx = pair(torch, _seq(bf, S, 2))
    kpm = np.zeros((N, S), bool)
    kpm[0, -2:] = True
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64)
    kmask = nn.Transformer.generate_square_subsequent_mask(S, dtype="float64")
    to = tm(tx, mask=tmask, src_key_padding_mask=torch.tensor(kpm).to(torch.float64).masked_fill(torch.tensor(kpm), -np.inf))
    ko = km(kx, mask=kmask, src_key_padding_mask=engine.tensor(kpm))
    assert_close(ko, to, what="encoder output")
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, what="input grad")
    assert_grads_match(km, tm)


@pytest.mark.parametrize("kw", LAYER_CASES, ids=["post_norm_relu", "pre_norm_gelu", "batch_first"])
def test_transformer_matches_torch(kw):
    torch.manual_seed(0)
    tt = torch.nn.Transformer(E, H, 2, 2, FF, dropout=0.0, dtype=torch.float64, **kw)
    kt = nn.Transformer(E, H, 2, 2, FF, dropout=0.0, **kw).double()
    load_from_torch(kt, tt)
    assert list(kt.state_dict()) == list(tt.state_dict())
    bf = kw.get("batch_first", False)
    ts, ks = pair(torch, _seq(bf, S, 3))
    tg, kg = pair(torch, _seq(bf, T, 4))
    kpm = np.zeros((N, S), bool)
    kpm[1, -1] = True
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    kmask = nn.Transformer.generate_square_subsequent_mask(T, dtype="float64")
    to = tt(ts, tg, tgt_mask=tmask, memory_key_padding_mask=torch.tensor(kpm))
    ko = kt(ks, kg, tgt_mask=kmask, memory_key_padding_mask=engine.tensor(kpm))
    assert_close(ko, to, what="transformer output")
    backward_both(ko, to)
    assert_close(ks.grad, ts.grad, what="src grad")
    assert_close(kg.grad, tg.grad, what="tgt grad")
    assert_grads_match(kt, tt)


def test_decoder_layer_alone_and_causal_flag():
    torch.manual_seed(2)
    tl = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, dtype=torch.float64)
    kl = load_from_torch(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0).double(), tl)
    tg, kg = pair(torch, _seq(False, T, 5))
    tmem, kmem = pair(torch, _seq(False, S, 6))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    to = tl(tg, tmem, tgt_mask=tmask, tgt_is_causal=True)
    ko = kl(kg, kmem, tgt_is_causal=True)  # the flag alone builds the same causal mask
    assert_close(ko, to)
    backward_both(ko, to)
    assert_close(kmem.grad, tmem.grad)


def test_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(3)
    expected = torch.nn.Transformer.generate_square_subsequent_mask(3).numpy()
    np.testing.assert_array_equal(m.numpy(), expected)
    assert m.dtype == np.float32


def test_subclassing_like_torch_and_layers_are_copies():
    class NoFeedForward(nn.TransformerEncoderLayer):
        def _ff_block(self, x):
            return x * 0.0

    layer = NoFeedForward(E, H, FF, dropout=0.0).double()
    enc = nn.TransformerEncoder(layer, 2)
    assert enc.layers[0] is not enc.layers[1] and enc.layers[0].linear1.weight is not layer.linear1.weight
    assert isinstance(enc.layers[1], NoFeedForward)
    x = engine.tensor(_seq(False, S, 7), dtype="float64")
    out = enc(x)
    sa = layer.norm1(x + layer._sa_block(x, None, None))
    np.testing.assert_allclose(enc.layers[0](x).numpy(), layer.norm2(sa).numpy(), atol=1e-12)
    assert out.shape == x.shape


def test_transformer_errors():
    t = nn.Transformer(E, H, 1, 1, FF)
    with pytest.raises(RuntimeError, match=r"the batch number of src \(5, 3, 8\) and tgt \(4, 2, 8\) must be equal"):
        t(engine.zeros(5, 3, E), engine.zeros(4, 2, E))
    with pytest.raises(ValueError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")


def test_word_language_model_pattern_subclassing_transformer_matches_torch():
    """torch's word_language_model subclasses nn.Transformer, keeps its encoder and swaps the decoder for a
    Linear head; the same class body runs on both libraries and loads torch's state dict."""

    def build(lib):
        class TransformerModel(lib.Transformer):
            def __init__(self, ntoken, ninp, nhead, nhid, nlayers):
                super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers,
                                 dropout=0.0)
                self.model_type = "Transformer"
                self.src_mask = None
                self.input_emb = lib.Embedding(ntoken, ninp)
                self.decoder = lib.Linear(ninp, ntoken)

            def forward(self, src, mask):
                x = self.input_emb(src)
                return self.decoder(self.encoder(x, mask=mask))

        return TransformerModel(11, E, H, FF, 2)

    torch.manual_seed(3)
    tm = build(torch.nn).double()
    km = build(nn).double()
    assert list(km.state_dict()) == list(tm.state_dict())
    load_from_torch(km, tm)
    ids = _rng(8).integers(0, 11, (S, N))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64)
    to = tm(torch.tensor(ids), tmask)
    ko = km(engine.tensor(ids), nn.Transformer.generate_square_subsequent_mask(S, dtype="float64"))
    assert_close(ko, to, what="logits")
    backward_both(ko, to)
    assert_grads_match(km, tm)


def test_sdpa_grouped_query_attention_matches_torch():
    rng = _rng(9)
    tq, kq = pair(torch, rng.standard_normal((2, 4, 3, 5)))
    tk, kk = pair(torch, rng.standard_normal((2, 2, 6, 5)))
    tv, kv = pair(torch, rng.standard_normal((2, 2, 6, 5)))
    to = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True, enable_gqa=True)
    ko = F.scaled_dot_product_attention(kq, kk, kv, is_causal=True, enable_gqa=True)
    assert_close(ko, to, atol=1e-10)
    backward_both(ko, to)
    for a, b in ((kq, tq), (kk, tk), (kv, tv)):
        assert_close(a.grad, b.grad, atol=1e-10)
    with pytest.raises(ValueError, match=r"query heads \(4, shape \(2, 4, 3, 5\)\) must be a multiple"):
        F.scaled_dot_product_attention(kq, engine.zeros(2, 3, 6, 5, dtype="float64"), engine.zeros(2, 3, 6, 5, dtype="float64"),
                                       enable_gqa=True)
