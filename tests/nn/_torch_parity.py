"""Shared helpers of the torch-parity layer tests: copy a torch layer's state dict into a Kiln layer
(through NumPy arrays, as a user would), build matching float64 inputs, and compare outputs and
input/parameter gradients."""
import numpy as np

import engine


def load_from_torch(kiln_layer, torch_layer):
    """Load ``torch_layer``'s state dict into ``kiln_layer`` (strict: names and shapes must match)."""
    kiln_layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    return kiln_layer


def pair(torch, array, requires_grad=True):
    """The same float64 data as a torch tensor and as a Kiln tensor, both leaves."""
    t = torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)
    k = engine.tensor(array, dtype="float64", requires_grad=requires_grad)
    return t, k


def weighted_sum(out, weights):
    """A scalar loss touching every output element with a different weight."""
    return (out * weights).sum()


def assert_close(kiln, torch_value, atol=1e-5, rtol=1e-5, what=""):
    k = kiln.numpy() if hasattr(kiln, "numpy") else np.asarray(kiln)
    t = torch_value.detach().numpy()
    assert k.shape == t.shape, f"{what}: shape {k.shape} != torch {t.shape}"
    np.testing.assert_allclose(k, t, atol=atol, rtol=rtol, err_msg=what)


def backward_both(k_out, t_out, seed=0):
    """Backpropagate the same weighted sum through both outputs."""
    w = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
    weighted_sum(t_out, __import__("torch").tensor(w)).backward()
    weighted_sum(k_out, engine.tensor(w, dtype="float64")).backward()


def assert_grads_match(kiln_layer, torch_layer, atol=1e-5):
    tp = dict(torch_layer.named_parameters())
    kp = dict(kiln_layer.named_parameters())
    assert set(tp) == set(kp), f"parameter names differ: {sorted(set(tp) ^ set(kp))}"
    for name, p in tp.items():
        if p.grad is None:
            assert kp[name].grad is None or np.allclose(kp[name].grad.numpy(), 0), name
            continue
        assert kp[name].grad is not None, f"{name}: no gradient in Kiln"
        assert_close(kp[name].grad, p.grad, atol=atol, what=f"grad of {name}")


def check_layer(kiln_layer, torch_layer, shape, seed=0, atol=1e-10, call=None):
    """Load torch's state, run both on the same input, compare output and every gradient."""
    torch_layer = torch_layer.double()
    load_from_torch(kiln_layer.double(), torch_layer)
    import torch

    tx, kx = pair(torch, np.random.default_rng(seed).standard_normal(shape))
    to = torch_layer(tx) if call is None else call(torch_layer, tx)
    ko = kiln_layer(kx) if call is None else call(kiln_layer, kx)
    assert_close(ko, to, atol=atol, what="output")
    backward_both(ko, to)
    assert_close(kx.grad, tx.grad, atol=atol, what="input grad")
    assert_grads_match(kiln_layer, torch_layer, atol=atol)
    return kiln_layer, torch_layer
