"""engine.onnx.export op by op (every activation, indexing, shapes, reductions, convolution and pooling
settings) against Kiln's forward in onnxruntime, and the clear errors for what ONNX cannot express."""
import sys

import numpy as np
import pytest

import engine
import nn
import nn.functional as F
from engine import Function

from .test_onnx_export import export_and_compare

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


class Lambda(nn.Module):
    def __init__(self, fn, *modules):
        super().__init__()
        self.fn = fn
        for i, m in enumerate(modules):
            self.add_module(f"m{i}", m)

    def forward(self, *xs):
        return self.fn(self, *xs)


ACTIVATIONS = ["ReLU", "LeakyReLU", "PReLU", "ELU", "SiLU", "Mish", "Softplus", "Softsign", "Sigmoid", "Tanh",
               "LogSigmoid", "Sinc", "HardThreshold", "AbsRectifier", "Softmax", "LogSoftmax", "Identity", "Hardtanh",
               "ReLU6", "GELU"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_module(tmp_path, name):
    act = getattr(nn, name)()
    x = np.linspace(-25, 25, 2 * 3 * 8, dtype=np.float32).reshape(2, 3, 8)
    x[0, 0, :2] = 0.0  # sinc at 0, thresholds
    model = Lambda(lambda s, t: s.m0(t * 4.0), act)
    export_and_compare(model, [(2, 3, 8)], tmp_path / "a.onnx")
    out = model(engine.tensor(x)).numpy()
    import onnxruntime as ort

    got = ort.InferenceSession(str(tmp_path / "a.onnx"), providers=["CPUExecutionProvider"]).run(None, {"x0": x})[0]
    np.testing.assert_allclose(got, out, rtol=0, atol=1e-4)


@pytest.mark.parametrize("fn", [
    lambda s, x: F.leaky_relu(x, 0.2) + F.elu(x, 0.5) + F.hard_threshold(x, 0.3),
    lambda s, x: F.softplus(x * 10, beta=2.0, threshold=5.0),
    lambda s, x: s.m0(x),
    lambda s, x: engine.bias_act(x, engine.tensor([0.1, -0.2, 0.3]), "mish"),
    lambda s, x: engine.bias_act(x.reshape(x.shape[0], -1)[:, :3], engine.tensor([0.1, -0.2, 0.3]), "elu", axis=-1),
], ids=["parameters", "softplus_beta", "prelu_per_channel", "bias_act", "bias_act_last_axis"])
def test_activation_parameters_and_fused_bias(tmp_path, fn):
    export_and_compare(Lambda(fn, nn.PReLU(3, init=0.1)), [(2, 3, 4, 4)], tmp_path / "a.onnx")


MASK = np.array([True, False, True, True, False])
OPS = {
    "getitem_slices": lambda s, x: x[:, 1:4:2] * x[..., -1:] + x[:, None, 2].reshape(-1, 1),
    "getitem_negative": lambda s, x: x[:, ::-1] + x[:, 4:0:-2].sum(axis=1, keepdims=True) + x[-1],
    "getitem_int": lambda s, x: x[:, 0] * x[:, -1],
    "getitem_int_array": lambda s, x: x[:, np.array([4, 0, 0, -1])] + x[:, [1, 2, 3, 3]],
    "pad": lambda s, x: engine.pad(x, (2, 1), value=0.5),
    "split_concat": lambda s, x: engine.concatenate(list(reversed(x.split([2, 3], dim=1))), axis=1),
    "stack_transpose": lambda s, x: engine.stack([x, x * 2], dim=1).permute(0, 2, 1),
    "clip": lambda s, x: x.clip(-0.2, 0.7) + x.clip(max=0.5),
    "clamp_tensor_bounds": lambda s, x: x.clamp(x[:, :1] - 0.1, x.amax(dim=1, keepdim=True) * 0.5) + x.clamp(min=x[:, 2:3]),
    "where_constant_mask": lambda s, x: engine.where(MASK, x, 1.0 - x),
    "pow": lambda s, x: x ** 2 + 2.0 ** x + (x * x + 1) ** x,
    "maximum_minimum": lambda s, x: engine.maximum(x, 0.5) - engine.minimum(x, x[:, :1]),
    "reductions": lambda s, x: engine.concatenate(
        [x.amax(dim=1, keepdim=True), x.amin(dim=1, keepdim=True), x.logsumexp(axis=1, keepdims=True),
         x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True), x.sum(axis=1, keepdims=True)], axis=1),
    "squeeze_broadcast": lambda s, x: x.unsqueeze(1).unsqueeze(-1).squeeze(1).broadcast_to((x.shape[0], 5, 3)),
    "astype": lambda s, x: (x * 10).astype("float64").astype("float32"),
    "unary": lambda s, x: -(x.abs() / (x.abs() + 1)).exp().log().sqrt().sin().cos() + x.tanh() + x.sigmoid() + x.relu(),
    "softmax": lambda s, x: x.softmax(axis=0) + x.log_softmax(axis=-1),
    "batched_matmul": lambda s, x: (x.reshape(-1, 5, 1) @ x.reshape(-1, 1, 5)).sum(axis=(1, 2)),
    "two_outputs": lambda s, x: (x * 2, (x + 1.0, x.T)),
}


@pytest.mark.parametrize("name", OPS)
def test_core_ops(tmp_path, name):
    dynamic = name not in ("softmax", "two_outputs")  # softmax over the batch axis; x.T moves the batch axis
    export_and_compare(Lambda(OPS[name]), [(3, 5)], tmp_path / "o.onnx", dynamic=dynamic, batches=(3, 4))


@pytest.mark.parametrize("layer, shape", [
    (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=2), (2, 2, 9, 9)),
    (lambda: nn.Conv2d(2, 4, (3, 1), stride=(2, 1), padding=(1, 0), bias=False), (2, 2, 9, 7)),
    (lambda: nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3), (2, 3, 9, 8)),
    (lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2, bias=False), (2, 4, 5, 5)),
    (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (2, 2, 5, 5)),
    (lambda: nn.ConvTranspose2d(2, 3, 2, stride=3, dilation=2, bias=False), (2, 2, 4, 5)),
    (lambda: nn.MaxPool2d(3, 2, 1), (2, 2, 9, 9)),
    (lambda: nn.MaxPool2d(2, ceil_mode=True), (2, 2, 9, 9)),
    (lambda: nn.AvgPool2d(3, 2, 1), (2, 2, 9, 9)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 2, 4, 9)),
    (lambda: nn.AdaptiveAvgPool2d(1), (2, 2, 5, 3)),
], ids=["conv_stride_pad_dilation", "conv_rect_nobias", "conv_depthwise", "conv_groups", "conv_transpose_output_padding", "conv_transpose_dilation",
        "maxpool_pad", "maxpool_ceil", "avgpool_pad", "adaptive_2x3", "adaptive_global"])
def test_conv_and_pool_settings(tmp_path, layer, shape):
    export_and_compare(Lambda(lambda s, x: s.m0(x), layer()), [shape], tmp_path / "c.onnx")


# ---- what cannot be exported faithfully raises, naming the op -------------------------------------
class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, gy):
        return gy


def test_op_without_mapping_is_named(tmp_path):
    model = Lambda(lambda s, x: Cube.apply(s.m0(x)), nn.Linear(3, 2))
    with pytest.raises(engine.onnx.UnsupportedOperatorError, match=r"the op Cube \(node #1, Function class .*Cube\) "
                                                                     r"has no ONNX mapping"):
        engine.onnx.export(model, engine.randn(2, 3), tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_batch_statistics_have_no_onnx_form(tmp_path):
    with pytest.raises(engine.onnx.OnnxExportError, match="BatchNormFn .*batch statistics"):
        engine.onnx.export(nn.BatchNorm1d(3, track_running_stats=False), engine.randn(4, 3), tmp_path / "x.onnx")


def test_constants_read_from_the_data_are_refused(tmp_path):
    """A mask built from the input's values outside the graph would be frozen into the file: refused."""
    model = Lambda(lambda s, x: engine.where(engine.tensor(x.numpy() > 0), x, x * 0.1))
    with pytest.raises(engine.onnx.OnnxExportError, match="Where .*computed from the input's values"):
        engine.onnx.export(model, engine.randn(3, 4), tmp_path / "x.onnx")


def test_number_depending_on_the_dynamic_batch_is_refused(tmp_path):
    model = Lambda(lambda s, x: x - x.mean(axis=0))  # mean over the batch: a 1/N factor
    with pytest.raises(engine.onnx.OnnxExportError, match=r"Mul \(node #1\): argument 1 .*0.25 vs 0.2"):
        engine.onnx.export(model, engine.randn(4, 3), tmp_path / "x.onnx", dynamic_axes={"input0": [0]})
    export_and_compare(model, [(4, 3)], tmp_path / "s.onnx", batches=(4,), dynamic=False)  # fine with a fixed batch


def test_dynamic_time_axis_of_an_unrolled_lstm_is_refused(tmp_path):
    model = nn.models.LSTMClassifier(3, 4, 2)
    with pytest.raises(engine.onnx.OnnxExportError, match="different graph .*keep that axis static"):
        engine.onnx.export(model, engine.randn(2, 5, 3), tmp_path / "x.onnx", input_names=["x"],
                           dynamic_axes={"x": {0: "batch", 1: "time"}})


def test_bad_arguments(tmp_path):
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="opset_version 11 is outside the supported range 13"):
        engine.onnx.export(lin, engine.randn(2, 3), tmp_path / "x.onnx", opset_version=11)
    with pytest.raises(ValueError, match=r"dynamic_axes names \['x'\], which are neither input names \['input0'\]"):
        engine.onnx.export(lin, engine.randn(2, 3), tmp_path / "x.onnx", dynamic_axes={"x": [0]})
    with pytest.raises(ValueError, match="dynamic axis 2 of 'input0' is out of range"):
        engine.onnx.export(lin, engine.randn(2, 3), tmp_path / "x.onnx", dynamic_axes={"input0": [2]})
    with pytest.raises(ValueError, match="input_names has 2 names for 1 inputs"):
        engine.onnx.export(lin, engine.randn(2, 3), tmp_path / "x.onnx", input_names=["a", "b"])
    with pytest.raises(ValueError, match="args holds no Tensor"):
        engine.onnx.export(lin, (), tmp_path / "x.onnx")
    assert list(tmp_path.iterdir()) == []


def test_missing_onnx_package_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"needs the `onnx` package: pip install 'kiln\[onnx\]'"):
        engine.onnx.export(nn.Linear(3, 2), engine.randn(2, 3), tmp_path / "x.onnx")
