"""Clear errors instead of silent acceptance (issue 18 item 9): non-numeric tensor data, implicit
backward of a complex output, "cpu:0", and hooks that change a gradient's shape."""
import numpy as np
import pytest

import engine
from engine import tensor


@pytest.mark.parametrize("data,dtype", [("abc", "<U3"), (["a", "b"], "<U1"), ([object()], "object"), (b"xy", "|S2"),
                                        (np.array(["x"]), "<U1")])
def test_tensor_refuses_non_numeric_data_naming_the_dtype(data, dtype):
    with pytest.raises(TypeError, match=f"tensor: cannot make a tensor from .* data of dtype {dtype}"):
        tensor(data)


def test_implicit_backward_of_a_complex_scalar_raises_as_torch():
    z = tensor(1 + 2j, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for real scalar outputs, got (engine\\.)?complex"):
        (z * 2).backward()
    assert z.grad is None


def test_cpu_0_is_the_cpu_device():
    assert engine.Device("cpu:0") == engine.Device("cpu") == "cpu:0"
    t = engine.zeros(2, device="cpu:0")
    assert t.device == "cpu" and t.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="unknown device 'cpu:1'"):
        engine.Device("cpu:1")


def test_leaf_hook_returning_another_shape_raises_naming_both_shapes():
    x = tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: engine.zeros(5, 5))
    with pytest.raises(RuntimeError, match=r"hook '.*<lambda>' has changed the size of value: .*shape \(5, 5\) for a tensor of shape \(2,\)"):
        (x * 2).sum().backward()
    assert x.grad is None


def test_non_leaf_hook_returning_another_shape_or_a_non_tensor_raises():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    h = y.register_hook(lambda g: g[:1])
    with pytest.raises(RuntimeError, match=r"shape \(1,\) for a tensor of shape \(2,\)"):
        y.sum().backward(retain_graph=True)
    h.remove()
    y.register_hook(lambda g: g.numpy())
    with pytest.raises(TypeError, match="returned ndarray; a hook must return None or a Tensor"):
        y.sum().backward(retain_graph=True)


def test_hook_returning_same_shape_still_replaces_the_gradient():
    x = tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 3)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
