"""engine.onnx.export on the model zoo: the file runs in onnxruntime and matches Kiln's forward to 1e-4
in float32 at two batch sizes (a dynamic batch axis); parameters are named initializers; the model is
left as it was."""
import io

import numpy as np
import pytest

import engine
import nn
from nn.models import (MLP, Autoencoder, ConvAutoencoder, DenoisingAutoencoder, LeNet5, LSTMClassifier, ResNet,
                       resnet8, resnet20)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in _flat(o)]
    return [out.numpy()]


def export_and_compare(model, shapes, path, batches=(2, 5), ints=None, dynamic=True, atol=1e-4, seed=0, **kw):
    """Export ``model`` for inputs of ``shapes`` (batch first), then run the file in onnxruntime at each
    batch size and compare every output with Kiln's forward.  ``ints``: draw integer inputs below it."""
    rng = np.random.default_rng(seed)

    def draw(n):
        return [rng.integers(0, ints, (n,) + tuple(s[1:])) if ints else rng.standard_normal((n,) + tuple(s[1:]))
                .astype(np.float32) for s in shapes]

    if hasattr(model, "eval"):
        model.eval()
    names = [f"x{i}" for i in range(len(shapes))]
    dyn = {n: {0: "batch"} for n in names} if dynamic else None
    proto = engine.onnx.export(model, tuple(engine.tensor(a) for a in draw(batches[0])), path, input_names=names,
                               dynamic_axes=dyn, **kw)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in batches if dynamic else batches[:1]:
        xs = draw(n)
        want = _flat(model(*[engine.tensor(a) for a in xs]))
        got = session.run(None, dict(zip(names, xs)))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=0, atol=atol)
    return proto


def test_mlp(tmp_path):
    proto = export_and_compare(MLP([12, 16, 8, 4]), [(3, 12)], tmp_path / "mlp.onnx")
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 12


def test_mlp_with_batch_norm_and_dropout_in_eval(tmp_path):
    model = MLP([12, 16, 8, 4], batch_norm=True, dropout=0.5)
    model.train()
    x = engine.randn(16, 12)
    for _ in range(3):
        model(x)  # non-trivial running statistics
    proto = export_and_compare(model, [(3, 12)], tmp_path / "m.onnx")
    ops = {n.op_type for n in proto.graph.node}
    assert "BatchNormalization" in ops and "Dropout" not in ops


def test_lenet5_initializers_carry_state_dict_names(tmp_path):
    model = LeNet5()
    proto = export_and_compare(model, [(2, 1, 28, 28)], tmp_path / "lenet.onnx")
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    for name, p in model.state_dict().items():
        np.testing.assert_array_equal(inits[name], p.numpy())
    assert [n.op_type for n in proto.graph.node].count("Conv") == 2


def test_lenet5_tanh_avg_pool_32(tmp_path):
    export_and_compare(LeNet5(activation="tanh", pool="avg", input_size=32), [(2, 1, 32, 32)], tmp_path / "m.onnx")


def test_resnet8(tmp_path):
    export_and_compare(resnet8(), [(2, 3, 16, 16)], tmp_path / "r8.onnx", batches=(2, 3))


def test_resnet20(tmp_path):
    export_and_compare(resnet20(), [(2, 3, 16, 16)], tmp_path / "r20.onnx", batches=(2, 3))


def test_resnet_option_a_shortcut(tmp_path):
    export_and_compare(ResNet((1, 1), widths=(4, 8), shortcut="A"), [(2, 3, 8, 8)], tmp_path / "ra.onnx")


def test_autoencoders(tmp_path):
    export_and_compare(Autoencoder((30, 12, 4)), [(3, 30)], tmp_path / "ae.onnx")
    export_and_compare(ConvAutoencoder(1, (4, 8)), [(2, 1, 8, 8)], tmp_path / "cae.onnx")
    export_and_compare(DenoisingAutoencoder(Autoencoder((20, 6)), noise_std=0.5), [(3, 20)], tmp_path / "dae.onnx")


@pytest.mark.parametrize("kw", [{}, {"pooling": "mean"}, {"pooling": "max", "bidirectional": True},
                                {"num_layers": 2, "bidirectional": True}])
def test_lstm_classifier(tmp_path, kw):
    export_and_compare(LSTMClassifier(5, 6, 3, **kw), [(2, 4, 5)], tmp_path / "lstm.onnx")


@pytest.mark.parametrize("make", [lambda: nn.GRU(5, 7, batch_first=True),
                                  lambda: nn.RNN(5, 7, num_layers=2, nonlinearity="relu", batch_first=True),
                                  lambda: nn.LSTM(5, 7, bidirectional=True, batch_first=True)])
def test_recurrent_layers_with_all_their_outputs(tmp_path, make):
    export_and_compare(make(), [(2, 4, 5)], tmp_path / "rnn.onnx")


class _TextModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 6, padding_idx=0)
        self.norm = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 3)

    def forward(self, idx):
        return self.fc(self.norm(self.emb(idx)).mean(axis=1)).log_softmax(axis=-1)


def test_embedding_layer_norm_log_softmax(tmp_path):
    export_and_compare(_TextModel(), [(3, 7)], tmp_path / "text.onnx", ints=11)


def test_export_leaves_the_model_as_it_was(tmp_path):
    model = MLP([6, 5, 2], batch_norm=True)
    model.train()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    engine.onnx.export(model, engine.randn(4, 6), tmp_path / "m.onnx")
    assert model.training and all(m.training for m in model.modules())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    assert all(p.grad is None for p in model.parameters())


def test_file_object_names_and_opsets(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Softmax())
    buf = io.BytesIO()
    proto = engine.onnx.export(model, engine.randn(2, 4), buf, input_names=["features"], output_names=["probs"],
                               dynamic_axes={"features": {0: "n"}, "probs": [0]})
    loaded = onnx.load_from_string(buf.getvalue())
    assert loaded == proto
    assert [i.name for i in loaded.graph.input] == ["features"] and [o.name for o in loaded.graph.output] == ["probs"]
    assert loaded.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "probs_dynamic_axes_1"
    assert loaded.opset_import[0].version == engine.onnx.DEFAULT_OPSET
    lstm = LSTMClassifier(3, 4, 2, pooling="max")
    for opset in (13, 18):
        proto = export_and_compare(lstm, [(2, 3, 3)], tmp_path / f"o{opset}.onnx", opset_version=opset)
        assert proto.opset_import[0].version == opset


def test_static_shapes_without_dynamic_axes(tmp_path):
    proto = export_and_compare(LeNet5(), [(3, 1, 28, 28)], tmp_path / "s.onnx", batches=(3,), dynamic=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 3


def test_frozen_parameters_and_integer_inputs_are_traced(tmp_path):
    """Ops on frozen parameters and on integer inputs (a cast of uint8 pixels, a frozen embedding) are
    recorded and exported; the frozen flags are restored."""
    model = _TextModel()
    model.requires_grad_(False)
    export_and_compare(model, [(3, 7)], tmp_path / "frozen.onnx", ints=11)
    assert not any(p.requires_grad for p in model.parameters())

    class Pixels(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x.astype("float32") / 255.0)

    export_and_compare(Pixels(), [(3, 4)], tmp_path / "pixels.onnx", ints=256)


def test_transformer_encoder_and_attention_export_with_a_dynamic_batch(tmp_path):
    """Attention exists now (a composition of matmul, softmax and where), so it exports through those ops."""
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True, norm_first=True)
    export_and_compare(nn.TransformerEncoder(layer, 2), [(2, 5, 16)], tmp_path / "enc.onnx", batches=(2, 4))

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(16, 4, batch_first=True)

        def forward(self, x):
            return self.attn(x, x, x, need_weights=False)[0]

    export_and_compare(SelfAttention(), [(2, 5, 16)], tmp_path / "mha.onnx", batches=(2, 3))
