"""engine.autocast: the dtype of each op class against torch.autocast on the CPU, values against a
rounded float64 reference, gradients reaching float32 parameters, the region's rules (nesting,
decorator, threads, cache, float64) and bad arguments."""
import threading
import warnings

import ml_dtypes
import numpy as np
import pytest

import engine
import nn
import nn.functional as F
import optim
from engine import function as function_module
from engine.amp.policy import POLICY

torch = pytest.importorskip("torch")
TF = torch.nn.functional

BF16 = np.dtype(ml_dtypes.bfloat16)
LOW = {"bfloat16": (BF16, torch.bfloat16), "float16": (np.dtype(np.float16), torch.float16)}
rng = np.random.default_rng(0)
X = rng.standard_normal((4, 8)).astype(np.float32)
W = rng.standard_normal((3, 8)).astype(np.float32)
B = rng.standard_normal(3).astype(np.float32)
IMG = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
K = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
LABELS = np.array([0, 1, 2, 0])


def _k(a):
    return engine.tensor(a)


def _t(a):
    return torch.tensor(a)


# name -> (kiln op on float32 inputs, torch op on the same inputs); each covers one op class
CASES = {
    "matmul": (lambda: _k(X) @ _k(W).T, lambda: _t(X) @ _t(W).T),
    "linear": (lambda: F.linear(_k(X), _k(W), _k(B)), lambda: TF.linear(_t(X), _t(W), _t(B))),
    "conv2d": (lambda: F.conv2d(_k(IMG), _k(K), _k(B[:1].repeat(4))),
               lambda: TF.conv2d(_t(IMG), _t(K), _t(B[:1].repeat(4)))),
    "conv_transpose2d": (lambda: F.conv_transpose2d(_k(IMG), _k(K.transpose(1, 0, 2, 3).copy())),
                         lambda: TF.conv_transpose2d(_t(IMG), _t(K.transpose(1, 0, 2, 3).copy()))),
    "cross_entropy(linear)": (lambda: F.cross_entropy(F.linear(_k(X), _k(W)), LABELS),
                              lambda: TF.cross_entropy(TF.linear(_t(X), _t(W)), _t(LABELS))),
    "nll_loss(linear)": (lambda: F.nll_loss(F.linear(_k(X), _k(W)), LABELS),
                         lambda: TF.nll_loss(TF.linear(_t(X), _t(W)), _t(LABELS))),
    "bce_with_logits(linear)": (
        lambda: F.binary_cross_entropy_with_logits(F.linear(_k(X), _k(W)), _k(np.zeros((4, 3), np.float32))),
        lambda: TF.binary_cross_entropy_with_logits(TF.linear(_t(X), _t(W)), torch.zeros(4, 3))),
    "mse_loss(linear, linear)": (lambda: F.mse_loss(F.linear(_k(X), _k(W)), F.linear(_k(X), _k(W) * 2)),
                                 lambda: TF.mse_loss(TF.linear(_t(X), _t(W)), TF.linear(_t(X), _t(W) * 2))),
    "l1_loss(linear, linear)": (lambda: F.l1_loss(F.linear(_k(X), _k(W)), F.linear(_k(X), _k(W) * 2)),
                                lambda: TF.l1_loss(TF.linear(_t(X), _t(W)), TF.linear(_t(X), _t(W) * 2))),
    "smooth_l1_loss(linear, linear)": (
        lambda: F.smooth_l1_loss(F.linear(_k(X), _k(W)), F.linear(_k(X), _k(W) * 2)),
        lambda: TF.smooth_l1_loss(TF.linear(_t(X), _t(W)), TF.linear(_t(X), _t(W) * 2))),
    "relu(linear)": (lambda: F.relu(F.linear(_k(X), _k(W))), lambda: TF.relu(TF.linear(_t(X), _t(W)))),
    "softmax(linear)": (lambda: F.softmax(F.linear(_k(X), _k(W)), 1), lambda: TF.softmax(TF.linear(_t(X), _t(W)), 1)),
    "log_softmax(linear)": (lambda: F.log_softmax(F.linear(_k(X), _k(W)), 1),
                            lambda: TF.log_softmax(TF.linear(_t(X), _t(W)), 1)),
    "exp(linear)": (lambda: F.linear(_k(X), _k(W)).exp(), lambda: TF.linear(_t(X), _t(W)).exp()),
    "sum(linear)": (lambda: F.linear(_k(X), _k(W)).sum(), lambda: TF.linear(_t(X), _t(W)).sum()),
    "linear + float32 bias": (lambda: F.linear(_k(X), _k(W)) + _k(B), lambda: TF.linear(_t(X), _t(W)) + _t(B)),
    "max_pool2d(conv2d)": (lambda: F.max_pool2d(F.conv2d(_k(IMG), _k(K)), 2),
                           lambda: TF.max_pool2d(TF.conv2d(_t(IMG), _t(K)), 2)),
    "batch_norm(conv2d) train": (
        lambda: F.batch_norm(F.conv2d(_k(IMG), _k(K)), _k(np.zeros(4, np.float32)), _k(np.ones(4, np.float32)),
                             _k(np.ones(4, np.float32)), _k(np.zeros(4, np.float32)), training=True),
        lambda: TF.batch_norm(TF.conv2d(_t(IMG), _t(K)), torch.zeros(4), torch.ones(4), torch.ones(4),
                              torch.zeros(4), training=True)),
    "layer_norm(linear)": (lambda: F.layer_norm(F.linear(_k(X), _k(W)), (3,), _k(B), _k(B)),
                           lambda: TF.layer_norm(TF.linear(_t(X), _t(W)), (3,), _t(B), _t(B))),
    "float64 matmul": (lambda: _k(X).double() @ _k(W.T.copy()).double(),
                       lambda: _t(X.astype(np.float64)) @ _t(W.T.astype(np.float64))),
    "plain float32 add": (lambda: _k(X) + _k(X), lambda: _t(X) + _t(X)),
}

TORCH_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.bfloat16: "bfloat16",
               torch.float16: "float16"}


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("case", list(CASES))
def test_op_dtype_matches_torch_cpu_autocast(case, low):
    kiln_op, torch_op = CASES[case]
    np_low, torch_low = LOW[low]
    with torch.autocast("cpu", dtype=torch_low):
        expected = TORCH_NAMES[torch_op().dtype]
    with engine.autocast("cpu", dtype=low):
        got = kiln_op()
    assert got.dtype.name == expected, f"{case} under {low}: {got.dtype} != torch's {expected}"


def test_lowered_values_are_the_rounded_float32_product():
    """linear under bfloat16: inputs rounded to bfloat16, exact accumulation, result rounded; torch agrees."""
    with engine.autocast("cpu"):
        y = F.linear(_k(X), _k(W), _k(B))
    r = lambda a: a.astype(BF16).astype(np.float64)  # noqa: E731
    ref = (r(X) @ r(W).T + r(B)).astype(BF16)
    got = y.numpy()
    assert got.dtype == BF16
    np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=2**-7)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ty = TF.linear(_t(X), _t(W), _t(B))
    np.testing.assert_allclose(got.astype(np.float64), ty.float().numpy(), rtol=2**-7, atol=1e-6)


def test_gradients_reach_float32_parameters_like_torch():
    lin = nn.Linear(8, 3)
    tl = torch.nn.Linear(8, 3)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.numpy()))
        tl.bias.copy_(torch.tensor(lin.bias.numpy()))
    w_before = lin.weight.numpy().copy()
    with engine.autocast("cpu", dtype="bfloat16"):
        loss = F.cross_entropy(lin(_k(X)), LABELS)
    loss.backward()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        tloss = TF.cross_entropy(tl(_t(X)), _t(LABELS))
    tloss.backward()
    assert loss.dtype == np.float32 and lin.weight.dtype == np.float32
    assert lin.weight.grad.dtype == np.float32 and lin.bias.grad.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.numpy(), w_before)  # the leaf itself is never changed
    assert abs(loss.item() - tloss.item()) < 2e-2
    np.testing.assert_allclose(lin.weight.grad.numpy(), tl.weight.grad.numpy(), atol=1e-2)
    np.testing.assert_allclose(lin.bias.grad.numpy(), tl.bias.grad.numpy(), atol=1e-2)


def test_gradcheck_through_the_casts_in_float64_is_untouched():
    """float64 is not eligible: an autocast region leaves a float64 computation exact."""
    a = engine.tensor(X, dtype="float64", requires_grad=True)
    w = engine.tensor(W, dtype="float64", requires_grad=True)
    assert a.dtype == np.float64
    with engine.autocast("cpu"):
        assert engine.gradcheck(lambda a, w: F.linear(a, w).tanh(), (a, w))


def test_nesting_decorator_and_hook_removal():
    assert function_module._autocast_hook is None  # zero cost outside any region

    @engine.autocast("cpu", dtype="bfloat16")
    def forward():
        return _k(X) @ _k(W).T

    assert forward().dtype == BF16
    with engine.autocast("cpu"):
        with engine.autocast("cpu", enabled=False):
            assert (_k(X) @ _k(W).T).dtype == np.float32
            assert not engine.is_autocast_enabled("cpu")
        assert (_k(X) @ _k(W).T).dtype == BF16
        with engine.autocast("cpu", dtype="float16"):
            assert (_k(X) @ _k(W).T).dtype == np.float16
            assert engine.get_autocast_dtype("cpu") == np.float16
        assert engine.is_autocast_enabled("cpu")
    assert not engine.is_autocast_enabled("cpu")
    assert function_module._autocast_hook is None
    assert engine.amp.autocast is engine.autocast


def test_state_is_per_thread():
    seen = {}

    def other():
        seen["dtype"] = (_k(X) @ _k(W).T).dtype

    with engine.autocast("cpu"):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert (_k(X) @ _k(W).T).dtype == BF16
    assert seen["dtype"] == np.float32


def test_parameter_casts_are_cached_within_a_region():
    lin = nn.Linear(8, 3)
    with engine.autocast("cpu"):
        y1, y2 = lin(_k(X)), lin(_k(X))
    def weight_cast(y):  # y = astype(LinearFn(x, cast(W), cast(b)), bfloat16)
        linear_node = y._creator.next_edges[0][0]
        assert linear_node.name() == "LinearFn"
        return linear_node.next_edges[1][0]

    assert weight_cast(y1) is weight_cast(y2)  # both uses read one cast of the weight
    with engine.autocast("cpu", cache_enabled=False):
        y3, y4 = lin(_k(X)), lin(_k(X))
    assert weight_cast(y3) is not weight_cast(y4)
    (y1.sum() + y2.sum()).backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), 2 * np.ones((3, 4)) @ X.astype(BF16).astype(np.float32),
                               rtol=1e-2)


def test_cuda_region_leaves_cpu_tensors_alone_and_warns_without_a_gpu():
    if engine.cuda_available():
        pytest.skip("a GPU answers here")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        region = engine.autocast("cuda")
    with region:
        assert (_k(X) @ _k(W).T).dtype == np.float32


def test_bad_arguments():
    with pytest.raises(ValueError, match="autocast: dtype must be float16 or bfloat16 on 'cpu', got 'float32'"):
        engine.autocast("cpu", dtype="float32")
    with pytest.raises(ValueError, match="autocast: device_type must be 'cpu' or 'cuda', got 'tpu'"):
        engine.autocast("tpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine.autocast("cpu", dtype=ml_dtypes.bfloat16)  # dtype objects are accepted too
        engine.autocast("cpu", dtype=np.float16)


def _function_classes():
    out, todo = {}, [engine.Function]
    while todo:
        c = todo.pop()
        for s in c.__subclasses__():
            out.setdefault(s.__name__, s)
            todo.append(s)
    return out


def test_every_policy_row_names_an_existing_op():
    import engine.ops.layers, engine.ops.loss, nn._losses_functional  # noqa: F401,E401  (where some ops live)

    known = _function_classes()
    for device_type, table in POLICY.items():
        missing = sorted(n for n in table if n not in known)
        assert not missing, f"{device_type} autocast policy names ops that do not exist: {missing}"


def _train_mlp_on_mnist(low, scaler=None):
    """2000 training images, 2 epochs of Adam, batch 100; accuracy (%) on 2000 test images."""
    from nn.data.mnist import load_mnist

    xi, yi = load_mnist(train=True)
    xt, yt = load_mnist(train=False)
    x_train, y_train = (xi[:2000].reshape(2000, -1) / 255.0).astype(np.float32), yi[:2000].astype(np.int64)
    x_test, y_test = (xt[:2000].reshape(2000, -1) / 255.0).astype(np.float32), yt[:2000].astype(np.int64)
    np.random.seed(0)  # nn.init draws from NumPy's global generator
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = optim.Adam(model.parameters(), lr=2e-3)
    order = np.random.default_rng(0)
    region = lambda: engine.autocast("cpu", dtype=low or "bfloat16", enabled=low is not None)  # noqa: E731
    for _ in range(2):
        perm = order.permutation(2000)
        for i in range(0, 2000, 100):
            idx = perm[i:i + 100]
            opt.zero_grad()
            with region():
                loss = F.cross_entropy(model(engine.tensor(x_train[idx])), y_train[idx])
            assert loss.dtype == np.float32
            if scaler is None:
                loss.backward()
                opt.step()
            else:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
    assert all(p.dtype == np.float32 for p in model.parameters())
    with engine.no_grad(), region():
        logits = model(engine.tensor(x_test))
    assert logits.dtype == (np.float32 if low is None else LOW[low][0])
    return float((logits.numpy().astype(np.float32).argmax(1) == y_test).mean() * 100)


def test_mnist_mlp_under_low_precision_matches_float32_accuracy():
    """bfloat16 autocast, and float16 autocast with a GradScaler, within 0.5 points of float32."""
    full = _train_mlp_on_mnist(None)
    bf16 = _train_mlp_on_mnist("bfloat16")
    fp16 = _train_mlp_on_mnist("float16", engine.amp.GradScaler("cpu"))
    assert full > 70, full  # it learned (chance is 10)
    assert abs(bf16 - full) <= 0.5, (full, bf16)
    assert abs(fp16 - full) <= 0.5, (full, fp16)


def test_explicit_casts_win_and_layout_ops_stay_in_the_low_dtype():
    with engine.autocast("cpu"):
        h = F.linear(_k(X), engine.tensor(W, requires_grad=True))
        assert h.float().dtype == np.float32          # an explicit dtype wins, as in torch
        r = h.reshape(-1)
        assert r.dtype == BF16 and r._creator.name() == "Reshape"  # no float32 round trip
        assert h[1:].dtype == BF16 and h.T.dtype == BF16
    np.testing.assert_array_equal(r.numpy(), h.numpy().reshape(-1))


@pytest.mark.parametrize("name", ["LeNet5", "resnet8", "ConvAutoencoder"])
def test_model_zoo_steps_under_bfloat16_follow_float32(name):
    """Conv, pooling, batch norm and fused activations all run on bfloat16 activations; the loss and
    the float32 gradients stay close to a float32 step."""
    from nn import models

    np.random.seed(0)
    model = getattr(models, name)()
    x = engine.tensor(np.random.rand(2, *((3, 16, 16) if name == "resnet8" else (1, 28, 28))).astype(np.float32))
    labels = np.array([1, 7])

    def step(low):
        model.zero_grad()
        with engine.autocast("cpu", enabled=low):
            out = model(x)
            loss = F.cross_entropy(out, labels) if out.ndim == 2 else F.mse_loss(out, x)
        loss.backward()
        return out, loss, np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])

    out32, loss32, g32 = step(False)
    out16, loss16, g16 = step(True)
    assert out16.dtype == BF16 and out32.dtype == np.float32 and loss16.dtype == np.float32
    assert g16.dtype == np.float32 and all(p.dtype == np.float32 for p in model.parameters())
    assert abs(loss16.item() - loss32.item()) <= 3e-2 * abs(loss32.item())
    assert np.dot(g16, g32) / (np.linalg.norm(g16) * np.linalg.norm(g32)) > 0.99


def test_cuda_policy_follows_torchs_cuda_lists(monkeypatch):
    """The "cuda" table, routed by pretending NumPy arrays live on a GPU (no GPU needed): torch's CUDA
    lists lower matmul/linear/conv and keep softmax, log_softmax, exp, log, sum and the losses in float32."""
    from engine import backend
    from engine.amp import autocast_mode

    monkeypatch.setattr(backend, "cuda_available", lambda: True)
    fake_gpu = type("FakeCudaDevice", (), {"type": "cuda"})()
    monkeypatch.setattr(autocast_mode.backend, "device_of", lambda data: fake_gpu)
    with engine.autocast("cuda"):  # torch's CUDA default dtype: float16
        h = F.linear(_k(X), _k(W))
        got = {
            "linear": h.dtype, "matmul": (_k(X) @ _k(W).T).dtype, "conv2d": F.conv2d(_k(IMG), _k(K)).dtype,
            "relu": F.relu(h).dtype, "softmax": F.softmax(h, 1).dtype, "log_softmax": F.log_softmax(h, 1).dtype,
            "exp": h.exp().dtype, "sum": h.sum().dtype, "cross_entropy": F.cross_entropy(h, LABELS).dtype,
        }
    f16, f32 = np.dtype(np.float16), np.dtype(np.float32)
    assert got == {"linear": f16, "matmul": f16, "conv2d": f16, "relu": f16, "softmax": f32, "log_softmax": f32,
                   "exp": f32, "sum": f32, "cross_entropy": f32}
    with engine.autocast("cpu"):  # the CPU region does not cover "cuda" tensors
        assert (_k(X) @ _k(W).T).dtype == f32


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
def test_conv_values_under_autocast_match_torch(low):
    """Emulated low precision: the same rounding points as torch's CPU kernels, so values agree to
    about one unit in the last place of the low dtype."""
    np_low, torch_low = LOW[low]
    bias = B[:1].repeat(4)
    with engine.autocast("cpu", dtype=low):
        y = F.conv2d(_k(IMG), _k(K), _k(bias), padding=1)
        yt = F.conv_transpose2d(_k(IMG), _k(K.transpose(1, 0, 2, 3).copy()), stride=2)
    with torch.autocast("cpu", dtype=torch_low):
        ty = TF.conv2d(_t(IMG), _t(K), _t(bias), padding=1)
        tyt = TF.conv_transpose2d(_t(IMG), _t(K.transpose(1, 0, 2, 3).copy()), stride=2)
    ulp = 2.0 ** (-7 if low == "bfloat16" else -10)
    for got, ref in ((y, ty), (yt, tyt)):
        assert got.dtype == np_low and ref.dtype == torch_low
        g, r = got.numpy().astype(np.float64), ref.float().numpy().astype(np.float64)
        np.testing.assert_allclose(g, r, rtol=2 * ulp, atol=2 * ulp * np.abs(r).max())


def test_a_parameter_updated_inside_the_region_is_cast_again():
    lin = nn.Linear(8, 3)
    opt = optim.SGD(lin.parameters(), lr=0.5)
    with engine.autocast("cpu"):
        lin(_k(X)).float().sum().backward()
        opt.step()  # in place: the weight's version moves
        y = lin(_k(X))
    ref = (X.astype(BF16).astype(np.float64) @ lin.weight.numpy().astype(BF16).astype(np.float64).T
           + lin.bias.numpy().astype(BF16).astype(np.float64))
    np.testing.assert_allclose(y.numpy().astype(np.float64), ref, rtol=2**-7, atol=1e-6)
