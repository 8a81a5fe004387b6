"""The Module API torch programs use: apply, named_modules, forward/backward hooks, requires_grad_,
state_dict(prefix, keep_vars), non-persistent buffers, zero_grad, ModuleDict, ParameterList/Dict and
nn.utils (clipping, parameters_to_vector) — checked against torch where torch gives numbers."""
from collections import OrderedDict

import numpy as np
import pytest

import engine
import nn
import optim

from ._torch_parity import assert_close, load_from_torch, pair

torch = pytest.importorskip("torch")


def _net(lib):
    return lib.Sequential(OrderedDict(fc=lib.Linear(3, 4), act=lib.Tanh(), out=lib.Linear(4, 2)))


def test_apply_and_named_modules_match_torch():
    k, t = _net(nn), _net(torch.nn)
    assert [n for n, _ in k.named_modules()] == [n for n, _ in t.named_modules()] == ["", "fc", "act", "out"]
    assert [n for n, _ in k.named_modules(prefix="net")] == [n for n, _ in t.named_modules(prefix="net")]
    seen_k, seen_t = [], []
    k.apply(lambda m: seen_k.append(type(m).__name__))
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_k == seen_t == ["Linear", "Tanh", "Linear", "Sequential"]
    k.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert all(np.all(m.weight.numpy() == 0) for m in k.modules() if isinstance(m, nn.Linear))


def test_forward_hooks_prepend_and_kwargs():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_hook(lambda mod, args, out: calls.append("a"))
    m.register_forward_hook(lambda mod, args, out: calls.append("b"), prepend=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: out * 2.0, with_kwargs=True)
    x = engine.ones(1, 2)
    y = m(x)
    assert calls == ["b", "a"]
    np.testing.assert_allclose(y.numpy(), 2 * m.forward(x).numpy(), rtol=1e-6)
    h1.remove()
    calls.clear()
    m(x)
    assert calls == ["b"]

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    s = Scale()
    s.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    s.register_forward_pre_hook(lambda mod, args: (args[0] + 1.0,))
    np.testing.assert_allclose(s(engine.ones(2)).numpy(), [6.0, 6.0])


def test_full_backward_hook_matches_torch():
    rng = np.random.default_rng(0)
    tm, km = torch.nn.Linear(3, 2).double(), nn.Linear(3, 2).double()
    load_from_torch(km, tm)
    got = {}

    def hook_for(tag):
        def hook(module, grad_input, grad_output):
            got[tag] = ([None if g is None else g.detach().numpy().copy() if hasattr(g, "detach") else g.numpy()
                         for g in grad_input], [g.detach().numpy().copy() if hasattr(g, "detach") else g.numpy()
                                                for g in grad_output])
            return tuple(g * 2 for g in grad_input)  # doubles the gradient flowing into the input
        return hook

    tm.register_full_backward_hook(hook_for("torch"))
    km.register_full_backward_hook(hook_for("kiln"))
    tx, kx = pair(torch, rng.standard_normal((4, 3)))
    w = rng.standard_normal((4, 2))
    (tm(tx) * torch.tensor(w)).sum().backward()
    (km(kx) * engine.tensor(w, dtype="float64")).sum().backward()
    for a, b in zip(got["kiln"][0] + got["kiln"][1], got["torch"][0] + got["torch"][1]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    assert_close(kx.grad, tx.grad, atol=1e-12, what="input grad doubled by the hook")
    assert_close(km.weight.grad, tm.weight.grad, atol=1e-12)


def test_backward_pre_hook_and_hooks_without_input_grad():
    m = nn.Linear(2, 1).double()
    seen = []
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0.0,))
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = engine.ones(3, 2, dtype="float64")  # needs no grad: grad_input is all None
    m(x).sum().backward()
    assert len(seen) == 1 and seen[0][0] == (None,)
    np.testing.assert_array_equal(seen[0][1][0].numpy(), np.zeros((3, 1)))
    np.testing.assert_array_equal(m.weight.grad.numpy(), np.zeros((1, 2)))  # the pre-hook zeroed grad_output


def test_requires_grad_state_dict_buffers_and_zero_grad():
    m = _net(nn)
    m.fc.requires_grad_(False)
    assert [p.requires_grad for p in m.parameters()] == [False, False, True, True]
    sd = m.state_dict(prefix="model.")
    assert list(sd) == ["model.fc.weight", "model.fc.bias", "model.out.weight", "model.out.bias"]
    assert list(sd) == list(_net(torch.nn).state_dict(prefix="model."))
    assert sd["model.fc.weight"] is not m.fc.weight and not sd["model.fc.weight"].requires_grad
    assert m.state_dict(keep_vars=True)["fc.weight"] is m.fc.weight
    m.register_buffer("step", engine.zeros(1))
    m.register_buffer("cache", engine.zeros(2), persistent=False)
    assert "step" in m.state_dict() and "cache" not in m.state_dict()
    assert [n for n, _ in m.named_buffers()] == ["step", "cache"]
    m(engine.ones(1, 3)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert np.all(m.out.weight.grad.numpy() == 0)
    m.zero_grad()
    assert m.out.weight.grad is None


def test_module_and_parameter_containers_match_torch_names():
    def build(lib, t):
        class Net(lib.Module):
            def __init__(self):
                super().__init__()
                self.heads = lib.ModuleDict({"a": lib.Linear(2, 2), "b": lib.Linear(2, 1)})
                self.scales = lib.ParameterList([lib.Parameter(t(np.ones(2))), lib.Parameter(t(np.zeros(3)))])
                self.named = lib.ParameterDict({"alpha": lib.Parameter(t(np.ones(1)))})
        return Net()

    k = build(nn, lambda a: engine.tensor(a, dtype="float32"))
    tn = build(torch.nn, lambda a: torch.tensor(a, dtype=torch.float32))
    assert list(k.state_dict()) == list(tn.state_dict())
    load_from_torch(k, tn)
    k.scales.append(engine.zeros(4))
    assert isinstance(k.scales[2], nn.Parameter) and len(k.scales) == 3
    k.named["beta"] = engine.ones(2)
    assert list(k.named.keys()) == ["alpha", "beta"] and isinstance(k.named["beta"], nn.Parameter)
    assert "heads.b.weight" in dict(k.named_parameters()) and len(list(k.parameters())) == 9
    with pytest.raises(TypeError, match="ParameterList: expected an nn.Parameter, a Tensor or an array, got str"):
        k.scales.append("x")


def test_nn_utils_clip_and_vectors_match_torch():
    rng = np.random.default_rng(1)
    tm, km = torch.nn.Linear(3, 2).double(), nn.Linear(3, 2).double()
    load_from_torch(km, tm)
    tx, kx = pair(torch, rng.standard_normal((5, 3)), requires_grad=False)
    (tm(tx) ** 2).sum().backward()
    (km(kx) ** 2).sum().backward()
    tn = torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.5)
    kn = nn.utils.clip_grad_norm_(km.parameters(), 0.5)
    assert float(kn) == pytest.approx(float(tn), rel=1e-12)
    assert_close(km.weight.grad, tm.weight.grad, atol=1e-12)
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.1)
    nn.utils.clip_grad_value_(km.parameters(), 0.1)
    assert_close(km.bias.grad, tm.bias.grad, atol=1e-12)
    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_ and nn.utils.clip_grad_value_ is optim.clip_grad_value_

    vec_t = torch.nn.utils.parameters_to_vector(tm.parameters())
    vec_k = nn.utils.parameters_to_vector(km.parameters())
    assert_close(vec_k, vec_t, atol=0)
    new = rng.standard_normal(vec_k.shape[0])
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tm.parameters())
    weight = km.weight
    nn.utils.vector_to_parameters(engine.tensor(new, dtype="float64"), km.parameters())
    assert km.weight is weight
    assert_close(km.weight, tm.weight, atol=0)
    assert_close(km.bias, tm.bias, atol=0)
    (nn.utils.parameters_to_vector(km.parameters()) * 3.0).sum().backward()  # differentiable
    with pytest.raises(ValueError, match=r"vector_to_parameters: vec of shape \(3,\) does not hold the 8 elements"):
        nn.utils.vector_to_parameters(engine.zeros(3), km.parameters())


def test_torch_namespace_aliases_are_the_same_modules():
    """engine.nn / engine.optim / engine.utils.data (and their submodules) are nn / optim / nn.data
    themselves, whichever is imported first (checked in a fresh interpreter)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import engine.utils.data as d\n"  # the aliased name first, before nn was ever imported
        "from engine.utils.data import DataLoader\n"
        "import engine.nn.functional as F\n"
        "import engine.nn.utils.rnn as R\n"
        "import engine, nn, optim, nn.data, nn.functional, nn.utils.rnn, nn.data.dataset\n"
        "import engine.utils.data.dataset as ds\n"
        "from engine import nn as n2, optim as o2\n"
        "assert d is nn.data and DataLoader is nn.data.DataLoader and ds is nn.data.dataset\n"
        "assert F is nn.functional and R is nn.utils.rnn and engine.nn is nn and n2 is nn\n"
        "assert engine.optim is optim and o2 is optim and engine.nn.Module is nn.Module\n"
        "print('aliases ok')\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "aliases ok"
    with pytest.raises(AttributeError, match="module 'engine' has no attribute 'nonexistent'"):
        engine.nonexistent  # noqa: B018


def test_reassigning_a_registered_name_keeps_its_place_like_torch():
    k, t = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)]), torch.nn.ModuleList([torch.nn.Linear(1, 1) for _ in range(3)])
    new_k, new_t = nn.Tanh(), torch.nn.Tanh()
    k[0], t[0] = new_k, new_t
    assert k[0] is new_k and [type(m).__name__ for m in k] == [type(m).__name__ for m in t] == ["Tanh", "Linear", "Linear"]
    p = nn.ParameterList([engine.zeros(1), engine.zeros(2)])
    p[0] = engine.ones(3)
    assert [tuple(q.shape) for q in p] == [(3,), (2,)]
    net = _net(nn)
    net.fc = nn.Linear(3, 4)
    assert [n for n, _ in net.named_children()] == ["fc", "act", "out"]


def test_backward_hooks_with_several_inputs_and_outputs_match_torch():
    def build(lib):
        class Pair(lib.Module):
            def forward(self, a, b, scale):
                return a * b * scale, a + b

        return Pair()

    rng = np.random.default_rng(3)
    logs = {}

    def hooks(tag, m):
        def full(module, grad_input, grad_output):
            logs[tag] = [None if g is None else np.array(g.detach().numpy() if hasattr(g, "detach") else g.numpy())
                         for g in tuple(grad_input) + tuple(grad_output)]
            return (grad_input[0] * 3.0, grad_input[1], None)

        def pre(module, grad_output):
            return (grad_output[0] * -1.0, grad_output[1])

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(full)
        return m

    tm, km = hooks("torch", build(torch.nn)), hooks("kiln", build(nn))
    (ta, ka), (tb, kb) = pair(torch, rng.standard_normal((2, 3))), pair(torch, rng.standard_normal((2, 3)))
    w1, w2 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    t1, t2 = tm(ta, tb, 2.0)
    k1, k2 = km(ka, kb, 2.0)
    ((t1 * torch.tensor(w1)).sum() + (t2 * torch.tensor(w2)).sum()).backward()
    ((k1 * engine.tensor(w1, dtype="float64")).sum() + (k2 * engine.tensor(w2, dtype="float64")).sum()).backward()
    assert len(logs["kiln"]) == len(logs["torch"]) == 5
    for a, b in zip(logs["kiln"], logs["torch"]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, atol=1e-12)
    assert_close(ka.grad, ta.grad, atol=1e-12)
    assert_close(kb.grad, tb.grad, atol=1e-12)
