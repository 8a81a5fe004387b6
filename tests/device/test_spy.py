"""On "cuda" nothing computes on the host behind the user's back: a spy counts, during LeNet5 training steps,
the kernel twin calls that reached ``kernels.cuda`` versus ``kernels.cpu``, and (simulated device only) the
host <-> device transfers the stand-in counts.
"""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import engine
import kernels.cpu
import nn.functional as F
import optim
from nn import models

FAMILIES = ("conv", "pool", "activation", "softmax", "batchnorm", "optim_updates")


def _spy_module(monkeypatch, module, calls, side):
    for name, fn in vars(module).items():
        own = getattr(fn, "__module__", None) == module.__name__
        # plain Python entry points only: a jitted helper or intrinsic (e.g. kernels.cpu._simd.vfma) replaced by a
        # Python wrapper would break the compilation of every kernel that calls it
        if name.startswith("_") or not inspect.isfunction(fn) or not own:
            continue

        def counted(*args, __fn=fn, __name=f"{module.__name__}.{name}", **kwargs):
            calls[side].append(__name)
            return __fn(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)


@pytest.fixture
def twin_calls(monkeypatch):
    """``{"cpu": [...], "cuda": [...]}``: every call into a public function of a kernel twin module."""
    calls = {"cpu": [], "cuda": []}
    cpu_modules = [importlib.import_module(f"kernels.cpu.{m.name}") for m in pkgutil.iter_modules(kernels.cpu.__path__)]
    for module in cpu_modules:
        _spy_module(monkeypatch, module, calls, "cpu")
    for family in FAMILIES:
        _spy_module(monkeypatch, importlib.import_module(f"kernels.cuda.{family}"), calls, "cuda")
    return calls


def _lenet_batch(device):
    rng = np.random.default_rng(1)
    model = models.LeNet5().double().to(device)
    x = engine.tensor(rng.standard_normal((2, 1, 28, 28)), dtype="float64").to(device)
    y = engine.tensor(rng.integers(0, 10, 2)).to(device)
    return model, x, y


def _step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def test_every_kernel_call_on_cuda_reaches_a_cuda_twin(cuda_device, twin_calls):
    model, x, y = _lenet_batch(cuda_device)
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    twin_calls["cpu"].clear()
    twin_calls["cuda"].clear()
    _step(model, opt, x, y)
    assert twin_calls["cpu"] == []
    called = {name.rsplit(".", 1)[1] for name in twin_calls["cuda"]}
    # forward and backward of conv, max pooling, the fused softmax cross-entropy and SGD's fused update (LeNet5's
    # ReLU runs as device array operations, not a twin)
    assert {"max_pool2d_fwd", "max_pool2d_bwd", "xent_fwd", "xent_bwd", "sgd_update"} <= called
    assert {"kernels.cuda.conv.forward", "kernels.cuda.conv.backward"} <= set(twin_calls["cuda"])
    assert twin_calls["cuda"].count("kernels.cuda.optim_updates.sgd_update") == 1  # one group: one flat update


def test_the_same_step_on_cpu_calls_cpu_twins_only(twin_calls):
    model, x, y = _lenet_batch("cpu")
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    _step(model, opt, x, y)
    assert twin_calls["cuda"] == [] and len(twin_calls["cpu"]) > 0


def test_a_training_step_sends_nothing_to_the_device(sim):
    model, x, y = _lenet_batch("cuda")
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sim.reset_transfer_counts()
    _step(model, opt, x, y)
    _step(model, opt, x, y)
    assert sim.transfer_counts()["h2d"] == 0


def test_a_training_step_reads_the_device_only_where_the_user_asks(sim):
    model, x, y = _lenet_batch("cuda")
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sim.reset_transfer_counts()
    loss = _step(model, opt, x, y)
    assert sim.transfer_counts()["d2h"] == 0
    loss.item()
    assert sim.transfer_counts() == {"h2d": 0, "d2h": 1}


def test_transfers_the_user_asks_for_are_counted(sim):
    sim.reset_transfer_counts()
    t = engine.tensor(np.arange(6.0)).to("cuda")
    assert sim.transfer_counts() == {"h2d": 1, "d2h": 0}
    s = (t * 2).sum()
    assert sim.transfer_counts() == {"h2d": 1, "d2h": 0}, "arithmetic on the device moved data"
    assert s.item() == 30.0
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0))
    assert sim.transfer_counts() == {"h2d": 1, "d2h": 2}
