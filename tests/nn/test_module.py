"""Module and containers: registration order, iteration, state_dict round trips, load_state_dict
checking everything before writing, to/double/float, train/eval, freezing, zero_grad, hooks, repr."""
import numpy as np
import pytest

import engine
import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.fc2 = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(engine.ones(1))
        self.register_buffer("step", engine.zeros(()))
        self.register_buffer("scratch", engine.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).relu()) * self.scale


def test_registration_order_and_names():
    m = Net()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight"]
    assert [n for n, _ in m.named_buffers()] == [
        "step", "scratch", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert list(m.state_dict()) == [
        "scale", "step", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
        "bn.num_batches_tracked", "fc2.weight"]
    assert [n for n, _ in m.named_children()] == ["fc1", "bn", "fc2"]
    assert len(list(m.modules())) == 4
    assert m.fc1.weight.shape == (4, 3) and isinstance(m.fc1.weight, nn.Parameter)
    assert m.fc2.bias is None


def test_shared_parameter_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_assignment_rules():
    m = Net()
    with pytest.raises(TypeError, match="scale"):
        m.scale = engine.ones(1)
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    with pytest.raises(TypeError, match="buffer"):
        m.step = 3.0
    del m.fc2
    assert "fc2" not in dict(m.named_children())

    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(engine.ones(1))

    with pytest.raises(AttributeError, match="__init__"):
        Bad()


def test_state_dict_round_trip_exact(tmp_path):
    np.random.seed(0)
    a, b = Net(), Net()
    a(engine.randn(5, 3))  # moves running stats
    b.load_state_dict(a.state_dict())
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and va.dtype == vb.dtype
        np.testing.assert_array_equal(va.numpy(), vb.numpy())
    nn.save(a.state_dict(), tmp_path / "ck.npz")
    c = Net()
    c.load_state_dict(nn.load(tmp_path / "ck.npz"))
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), c.state_dict()[k].numpy())
    assert c.bn.num_batches_tracked.dtype == np.int64 and int(c.bn.num_batches_tracked.item()) == 1


def test_load_keeps_parameter_identity_and_accepts_numpy():
    m = Net()
    w = m.fc1.weight
    sd = {k: v.numpy().astype(np.float64) for k, v in Net().state_dict().items()}
    m.load_state_dict(sd)
    assert m.fc1.weight is w and w.dtype == np.float32
    np.testing.assert_array_equal(w.numpy(), sd["fc1.weight"].astype(np.float32))


def _snapshot(m):
    return {k: v.numpy().copy() for k, v in m.state_dict().items()}


@pytest.mark.parametrize("break_it, message", [
    (lambda sd: sd.pop("fc1.bias"), "Missing key"),
    (lambda sd: sd.__setitem__("extra", np.zeros(1)), "Unexpected key"),
    (lambda sd: sd.__setitem__("fc2.weight", np.zeros((3, 4))), r"size mismatch for fc2.weight.*\(3, 4\).*\(2, 4\)"),
    (lambda sd: sd.__setitem__("bn.running_var", np.array(["a", "b", "c", "d"])), "bn.running_var"),
])
def test_failed_load_changes_nothing(break_it, message):
    m = Net()
    before = _snapshot(m)
    sd = {k: v.numpy() + 1 for k, v in Net().state_dict().items()}
    break_it(sd)
    with pytest.raises(RuntimeError, match=message):
        m.load_state_dict(sd)
    after = _snapshot(m)
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])


def test_non_strict_load_reports_keys_but_still_checks_shapes():
    m = Net()
    sd = {k: v.numpy() for k, v in Net().state_dict().items()}
    sd.pop("scale")
    sd["bogus"] = np.zeros(1)
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["scale"] and res.unexpected_keys == ["bogus"]
    sd["fc1.weight"] = np.zeros((1, 1))
    with pytest.raises(RuntimeError, match="fc1.weight"):
        m.load_state_dict(sd, strict=False)


def test_to_double_float_and_integer_buffers_kept():
    m = Net().double()
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.bn.running_mean.dtype == np.float64 and m.bn.num_batches_tracked.dtype == np.int64
    w = m.fc1.weight
    m.to(dtype="float32")
    assert m.fc1.weight is w and w.dtype == np.float32
    m.to("cpu")
    assert m.fc1.weight.device == "cpu"
    with pytest.raises(TypeError, match="floating"):
        m.to(dtype=np.int32)


def test_train_eval_requires_grad_zero_grad():
    m = Net()
    assert m.training and m.bn.training
    m.eval()
    assert not m.training and not m.bn.training
    m.train()
    assert m.bn.training
    out = m(engine.randn(4, 3)).sum()
    out.backward()
    assert m.fc1.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert float(np.abs(m.fc1.weight.grad.numpy()).sum()) == 0.0
    m.zero_grad()
    assert m.fc1.weight.grad is None
    m.fc1.requires_grad_(False)
    m(engine.randn(4, 3)).sum().backward()
    assert m.fc1.weight.grad is None and m.fc2.weight.grad is not None


def test_apply_hooks_and_repr():
    m = Net()
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Linear", "Net"]
    calls = []
    h = m.fc1.register_forward_hook(lambda mod, args, out: calls.append(out.shape))
    m(engine.randn(2, 3))
    h.remove()
    m(engine.randn(2, 3))
    assert calls == [(2, 4)]
    r = repr(m)
    assert "(fc1): Linear(in_features=3, out_features=4, bias=True)" in r
    assert "(fc2): Linear(in_features=4, out_features=2, bias=False)" in r
    assert r.startswith("Net(\n") and r.endswith(")")


def test_sequential_module_list_dict():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and len(s[:2]) == 2
    assert s(engine.randn(4, 2)).shape == (4, 1)
    from collections import OrderedDict

    s2 = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.Tanh()))
    assert list(s2.state_dict()) == ["first.weight", "first.bias"]
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    del ml[0]
    ml.insert(0, nn.Linear(1, 2))
    assert [k for k in ml.state_dict()][:2] == ["0.weight", "0.bias"] and ml[0].out_features == 2
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.Linear(1, 1)
    assert list(md.keys()) == ["a", "b"] and len(list(md.parameters())) == 4
    with pytest.raises(IndexError, match="out of range"):
        s[5]


def test_parameter_construction_and_deepcopy():
    import copy

    p = nn.Parameter([1.0, 2.0])
    assert p.dtype == np.float32 and p.requires_grad and p.is_leaf
    q = nn.Parameter(np.zeros(2))  # arrays keep their dtype
    assert q.dtype == np.float64
    assert not nn.Parameter(engine.ones(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:")
    m = Net()
    m2 = copy.deepcopy(m)
    assert isinstance(m2.fc1.weight, nn.Parameter) and m2.fc1.weight is not m.fc1.weight
    np.testing.assert_array_equal(m2.fc1.weight.numpy(), m.fc1.weight.numpy())
    m2.fc1.weight.array += 1
    assert not np.array_equal(m2.fc1.weight.numpy(), m.fc1.weight.numpy())


def test_to_accepts_dtype_strings():
    m = Net().to("float64")
    assert m.fc1.weight.dtype == np.float64
    m.float()
    assert m.fc1.weight.dtype == np.float32
