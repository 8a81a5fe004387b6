"""``Tensor.data`` is torch's (a detached Tensor sharing storage, writes through it untracked by the
version counter); the raw numpy/cupy array is ``Tensor.array``; ``engine.autograd`` names torch's
``torch.autograd.Function`` and ``torch.autograd.grad``.  PyTorch is the oracle."""
import inspect

import numpy as np
import pytest

import engine
import nn

torch = pytest.importorskip("torch")

VALUES = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)


def _pair():
    return nn.Parameter(engine.tensor(VALUES.copy())), torch.nn.Parameter(torch.tensor(VALUES.copy()))


def test_data_is_a_detached_plain_tensor_sharing_storage():
    k, t = _pair()
    kd, td = k.data, t.data
    assert type(kd) is engine.Tensor and type(td) is torch.Tensor  # not a Parameter, in both
    assert kd.requires_grad is td.requires_grad is False
    assert kd.grad_fn is None and td.grad_fn is None
    assert kd.array is k.array  # the same storage, no copy
    assert np.shares_memory(kd.numpy(), k.numpy())


@pytest.mark.parametrize("write", [
    lambda d, g: d.add_(g, alpha=-0.1),
    lambda d, g: d.copy_(g),
    lambda d, g: d.zero_(),
    lambda d, g: d.mul_(g),
])
def test_writes_through_data_change_the_parameter_as_torch(write):
    k, t = _pair()
    g = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    write(k.data, engine.tensor(g))
    write(t.data, torch.tensor(g))
    np.testing.assert_array_equal(k.numpy(), t.detach().numpy())
    assert k.requires_grad and k.is_leaf


def test_manual_sgd_through_data_matches_torch():
    k, t = _pair()
    for _ in range(3):
        for p in (k, t):
            loss = (p * p * p).sum()
            loss.backward()
            p.data.add_(p.grad, alpha=-0.05)
            p.grad = None
    np.testing.assert_allclose(k.numpy(), t.detach().numpy(), rtol=1e-6)


def test_write_through_data_is_untracked_so_backward_uses_the_new_values_as_torch():
    k, t = _pair()
    ky, ty = (k * k).sum(), (t * t).sum()
    k.data.add_(engine.tensor(1.0))
    t.data.add_(torch.tensor(1.0))
    assert k._version == t._version == 0  # torch: .data has a version counter of its own
    ky.backward()
    ty.backward()
    np.testing.assert_allclose(k.grad.numpy(), t.grad.numpy())
    np.testing.assert_allclose(k.grad.numpy(), 2 * (VALUES + 1))  # the new values, not the saved ones


def test_write_through_detach_is_tracked_and_raises_at_backward_as_torch():
    k, t = _pair()
    ky, ty = (k * k).sum(), (t * t).sum()
    k.detach().add_(engine.tensor(1.0))
    t.detach().add_(torch.tensor(1.0))
    assert k._version == t._version == 1
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation"):
        ty.backward()
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation"):
        ky.backward()


def test_assigning_data_replaces_the_storage_as_torch():
    k, t = _pair()
    new = np.arange(5, dtype=np.float64)
    k.data = engine.tensor(new)
    t.data = torch.tensor(new)
    assert k.shape == tuple(t.shape) == (5,)
    assert k.dtype == engine.float64 and t.dtype == torch.float64
    assert k.requires_grad and t.requires_grad and k.is_leaf
    np.testing.assert_array_equal(k.numpy(), t.detach().numpy())
    (k * k).sum().backward()
    np.testing.assert_array_equal(k.grad.numpy(), 2 * new)


def test_assigned_data_shares_the_source_storage():
    src = engine.zeros(3)
    x = engine.ones(2)
    x.data = src
    src.add_(engine.tensor(2.0))
    np.testing.assert_array_equal(x.numpy(), [2.0, 2.0, 2.0])


def test_assigning_data_rejects_bad_values_before_any_change():
    k, t = _pair()
    with pytest.raises(TypeError):
        t.data = [1.0]
    with pytest.raises(TypeError, match="Tensor.data: can only be set to a Tensor, got list"):
        k.data = [1.0]
    with pytest.raises(TypeError, match="got ndarray"):
        k.data = np.zeros(3, np.float32)
    with pytest.raises(RuntimeError, match="floating point"):
        t.data = torch.zeros(3, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="Tensor.data: a tensor that requires grad can only be set to floating"):
        k.data = engine.zeros(3, dtype=engine.int64)
    np.testing.assert_array_equal(k.numpy(), VALUES)
    plain = engine.ones(2)
    plain.data = engine.zeros(3, dtype=engine.int64)  # no grad required: any dtype, as torch
    assert plain.dtype == engine.int64 and plain.shape == (3,)


def test_array_is_the_documented_raw_array():
    x = engine.tensor(VALUES)
    assert isinstance(x.array, np.ndarray)
    np.testing.assert_array_equal(x.array, VALUES)
    doc = inspect.getdoc(engine.Tensor.array)
    assert "raw ``numpy.ndarray``" in doc and "``cupy.ndarray``" in doc
    assert "sharing this tensor's storage" in inspect.getdoc(engine.Tensor.data)


def test_engine_autograd_names_torch_autograd():
    assert engine.autograd.Function is engine.Function
    assert engine.autograd.grad is engine.grad
    from engine.autograd import Function, grad  # noqa: F401  (the spelling torch programs use)
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = engine.autograd.grad((x ** 3).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [3.0, 12.0])
    with pytest.raises(AttributeError, match="module 'engine.autograd' has no attribute 'nope'"):
        engine.autograd.nope  # noqa: B018


def test_common_torch_idioms_through_data():
    k, t = _pair()
    for p in (k, t):
        (p * p).sum().backward()
        p.data -= 0.1 * p.grad.data  # __isub__ on the temporary, then the setter: the same storage
        p.data[0, 0] = 9.0  # item assignment through .data
    np.testing.assert_allclose(k.numpy(), t.detach().numpy(), rtol=1e-6)
    assert k.data.numpy()[0, 0] == 9.0 and k.data.sum().item() == pytest.approx(t.data.sum().item())
    assert k._version == t._version == 0
