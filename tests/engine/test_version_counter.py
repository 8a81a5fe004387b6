"""PyTorch's version counter (issue 18 item 1): in-place writes bump it, backward refuses saved values
that changed, and the in-place methods give torch's values and gradients."""
import numpy as np
import pytest

import engine
import nn
from engine import no_grad, tensor

MODIFIED = r"modified by an inplace operation: \[float32 tensor of shape \(3, 4\)\].* is at version 2; expected version 1"


def _linear_and_loss():
    np.random.seed(0)
    m = nn.Linear(4, 3)
    x = engine.randn(2, 4, requires_grad=True)
    return m, x, m(x).sum()


def test_init_zeros_between_forward_and_backward_raises():
    m, x, loss = _linear_and_loss()
    assert m.weight._version == 1  # the layer's own initialisation
    nn.init.zeros_(m.weight)
    assert m.weight._version == 2
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()
    assert x.grad is None and m.weight.grad is None


def test_load_state_dict_between_forward_and_backward_raises():
    m, x, loss = _linear_and_loss()
    m.load_state_dict({k: v.numpy() * 0 for k, v in m.state_dict().items()})
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation"):
        loss.backward()


@pytest.mark.parametrize("write", [
    lambda w: w.copy_(engine.zeros(3, 4)),
    lambda w: w.fill_(0.0),
    lambda w: w.zero_(),
    lambda w: w.add_(1.0),
    lambda w: w.mul_(2.0, ),
    lambda w: w.normal_(),
    lambda w: w.uniform_(-1, 1),
    lambda w: w.clamp_(min=0.0),
    lambda w: w.__setitem__(0, 5.0),
    lambda w: w.detach().zero_(),          # detach() shares the counter
    lambda w: w[1].fill_(3.0),             # so does a view made by basic indexing
    lambda w: w.reshape(12).zero_(),       # and by reshape
])
def test_in_place_writes_under_no_grad_are_seen_by_backward(write):
    m, x, loss = _linear_and_loss()
    with no_grad():
        write(m.weight)
    with pytest.raises(RuntimeError, match=r"LinearFn: one of the variables needed .* is at version 2; expected version 1"):
        loss.backward()


def test_version_counts_every_write_and_backward_is_fine_before_any():
    m, x, loss = _linear_and_loss()
    w0 = m.weight.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile(w0.sum(0), (2, 1)), rtol=1e-6)
    t = engine.zeros(3)
    t.add_(1).mul_(2)
    t[0] = 7
    t.fill_(1)
    assert t._version == 4
    assert t.detach()._version == 4


def test_in_place_on_a_leaf_that_requires_grad_raises_and_changes_nothing():
    w = tensor([1.0, 2.0], requires_grad=True)
    for write in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 3.0), lambda: w.copy_(w * 2)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            write()
    assert w.tolist() == [1.0, 2.0] and w._version == 0
    with no_grad():
        w.sub_(tensor([1.0, 1.0]), alpha=0.5)
    assert w.tolist() == [0.5, 1.5] and w._version == 1 and w.is_leaf and w.requires_grad


def test_op_that_saves_nothing_is_not_refused():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()  # Add saves nothing: torch accepts the write, so does Kiln
    with no_grad():
        x.mul_(10)
    y.backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_modified_saved_output_raises_naming_the_op():
    x = tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    y.add_(1)  # Exp saved its output: the gradient would use exp(x) + 1
    with pytest.raises(RuntimeError, match=r"Exp: one of the variables .*output 0 of Exp.* is at version 1; expected version 0"):
        y.sum().backward()


def test_in_place_errors_leave_the_tensor_unchanged():
    a = engine.zeros(3)
    with pytest.raises(RuntimeError, match=r"add_: output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)"):
        a.add_(engine.ones(2, 3))
    i = tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"add_: result type (engine\.)?float(32|64) can't be cast to the desired output type (engine\.)?int64"):
        i.add_(1.5)
    with pytest.raises(RuntimeError, match=r"copy_: the source of shape \(4,\) cannot be broadcast"):
        a.copy_(engine.ones(4))
    with pytest.raises(IndexError, match=r"setitem: .*shape \(3,\)"):
        a[5] = 1.0
    assert a.tolist() == [0, 0, 0] and a._version == 0 and i.tolist() == [1, 2] and i._version == 0


def test_in_place_write_to_a_view_in_a_graph_raises():
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="in-place write to a view"):
        y[0].mul_(3)


# ---- values and gradients against PyTorch ---------------------------------------------------------
torch = pytest.importorskip("torch")


def _both(fn, *arrays):
    """Run ``fn(lib, *tensors)`` with engine and torch; return (values, grads) of each."""
    out = []
    for lib, make in ((engine, lambda a: engine.tensor(a, dtype="float64", requires_grad=True)),
                      (torch, lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True))):
        ts = [make(a) for a in arrays]
        y = fn(lib, *ts)
        y.sum().backward()
        out.append((np.asarray(y.detach().numpy()), [np.asarray(t.grad.numpy()) for t in ts]))
    return out


CASES = {
    "add_alpha": lambda lib, x, v: (x * 2).add_(v, alpha=3) * x,
    "sub_mul_div": lambda lib, x, v: (x * 1).sub_(v).mul_(v).div_(v + 3) ** 2,
    "mul_keeps_old_value_for_other": lambda lib, x, v: (x * 1).mul_(v),
    "clamp_": lambda lib, x, v: (x * v).clamp_(min=-0.5, max=1.0) * 3,
    "copy_broadcast": lambda lib, x, v: (x * 1).copy_(v[0]) * x,
    "fill_tensor": lambda lib, x, v: (x * 2).fill_(v[0, 1]) * x,
    "zero_then_add": lambda lib, x, v: (x * 2).zero_().add_(v),
    "setitem_row": lambda lib, x, v: _set(x * 1, 1, v[0] * 2) * x,
    "setitem_int_array": lambda lib, x, v: _set(x * 1, lib.tensor([2, 0]), v[:2]) ** 2,
    "setitem_mask": lambda lib, x, v: _set(x * 1, x.detach() > 0, 5.0) * v,
    "setitem_into_constant": lambda lib, x, v: _set(lib.zeros(3, 4, dtype=x.dtype), (slice(None), 1), v[:, 2]) * x,
}


def _set(t, idx, value):
    t[idx] = value
    return t


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_place_values_and_gradients_match_torch(name):
    rng = np.random.default_rng(3)
    x, v = rng.normal(size=(3, 4)), rng.uniform(0.5, 1.5, size=(3, 4))
    (ev, eg), (tv, tg) = _both(CASES[name], x, v)
    np.testing.assert_allclose(ev, tv, rtol=1e-12, atol=1e-12)
    for a, b in zip(eg, tg):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_setitem_under_no_grad_writes_through_to_aliases():
    base = np.zeros(4, dtype=np.float32)
    t = engine.from_numpy(base) if hasattr(engine, "from_numpy") else engine.Tensor._wrap(base)
    t[1:3] = tensor([1.0, 2.0])
    d = t.detach()
    d[0] = 9.0
    assert base.tolist() == [9.0, 1.0, 2.0, 0.0] and t._version == 2


def test_index_arrays_kept_by_ops_are_their_own_copies():
    """Cross-entropy labels and embedding indexes written in place after forward do not change backward."""
    logits = engine.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], requires_grad=True)
    labels = tensor([1, 2])
    loss = engine.ops.softmax_ce.softmax_cross_entropy(logits, labels)
    labels[0] = 0
    loss.backward()
    p = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad.numpy(), (p - np.eye(3)[[1, 2]]) / 2, rtol=1e-5)
    emb = nn.Embedding(4, 2)
    idx = tensor([3, 3, 1])
    out = emb(idx)
    idx[0] = 0
    out.sum().backward()
    assert emb.weight.grad.numpy()[:, 0].tolist() == [0.0, 1.0, 0.0, 2.0]


def test_augmented_assignment_is_in_place_as_in_torch():
    """``p -= lr * p.grad`` under no_grad updates the parameter itself (a manual SGD step)."""
    m = nn.Linear(2, 1)
    params = list(m.parameters())
    before = [p.numpy().copy() for p in params]
    m(engine.ones(3, 2)).sum().backward()
    with no_grad():
        for p in m.parameters():
            p -= 0.5 * p.grad
    for p, b in zip(m.parameters(), before):
        np.testing.assert_allclose(p.numpy(), b - 0.5 * p.grad.numpy(), rtol=1e-6)
    assert [p is q for p, q in zip(m.parameters(), params)] == [True, True]
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    alias = y
    y += 1
    y *= 3
    y /= 2
    assert y is alias and y.tolist() == [3.0, 4.5]
    y.sum().backward()
    assert x.grad.tolist() == [1.5, 1.5]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x += 1


def test_in_place_write_to_a_read_only_array_raises_naming_the_op():
    t = engine.Tensor._wrap(np.broadcast_to(np.float32(1.0), (2, 3)))
    for write, name in ((lambda: t.add_(1), "add_"), (lambda: t.fill_(0), "fill_"),
                        (lambda: t.__setitem__(0, 2.0), "setitem")):
        with pytest.raises(RuntimeError, match=f"{name}: the tensor's array .* is read-only"):
            write()
    assert t._version == 0 and t.tolist() == [[1.0] * 3] * 2


def test_masks_and_index_tensors_written_after_forward_do_not_change_backward():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = tensor([True, False, True])
    idx = tensor([0, 0, 2])
    y = engine.ops.elementwise.where(mask, x * 2, x * 5).sum() + x[idx].sum()
    mask[1] = True
    idx[0] = 1
    y.backward()
    assert x.grad.tolist() == [4.0, 5.0, 3.0]


def test_in_place_with_a_wider_operand_keeps_each_gradient_in_its_dtype():
    w = engine.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    t = engine.zeros(2)  # float32
    t.add_(w * 3)
    assert t.dtype == np.float32 and t.requires_grad and not t.is_leaf
    (t * t).sum().backward()
    assert w.grad.dtype == np.float64
    np.testing.assert_allclose(w.grad.numpy(), 2 * 3 * w.numpy() * 3)


def test_a_view_taken_before_an_in_graph_write_to_its_base_is_refused():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 2
    early = a[:2] * 5  # used before the write: its graph is right and stays usable
    v = a[:2]
    a.mul_(3)
    assert v.tolist() == [6.0, 12.0]  # the view sees the new values, as in torch
    with pytest.raises(RuntimeError, match=r"Mul: an input \(shape \(2,\)\) is a view made by GetItem before an in-place"):
        v * 1.0
    fresh = a[:2]  # taken again after the write: fine
    (fresh.sum() + early.sum()).backward()
    assert x.grad.tolist() == [16.0, 16.0, 0.0]
    w = tensor([1.0, 2.0], requires_grad=True)
    wv = w[:1]
    with no_grad():  # writes under no_grad (optimiser steps) do not make views stale
        w.add_(1)
    (wv * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 0.0]


def test_mul_and_div_save_only_what_their_backward_reads_as_torch():
    x = tensor([1.0, 2.0], requires_grad=True)
    c = tensor([3.0, 4.0])
    y = (x * c).sum() + (x / c).sum() + (x * 2).sum()
    with no_grad():
        x.add_(10)  # x itself is not needed by any of these gradients
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 1 / 3 + 2, 4 + 1 / 4 + 2], rtol=1e-6)
    z = (c / x).sum()  # d/dx needs x: the write is refused
    with no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="Div: one of the variables needed"):
        z.backward()


def test_in_place_on_an_op_output_that_is_a_reshaped_fresh_array_is_allowed():
    class Double(engine.Function):
        @staticmethod
        def forward(ctx, a):
            return (a * 2).reshape(-1).reshape(a.shape)  # a view of a temporary, not of the input

        @staticmethod
        def backward(ctx, gy):
            return gy * 2

    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = Double.apply(x)
    assert y.array.base is not None
    y.mul_(3)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 36 * x.numpy())


def test_optimiser_step_between_forward_and_backward_raises_as_torch():
    """The issue's reproducer: an optimiser step writes the weight that LinearFn saved for backward."""
    import optim

    m = nn.Linear(3, 2)
    x = engine.randn(4, 3, requires_grad=True)
    opt = optim.SGD(m.parameters(), lr=0.1)
    m(x).sum().backward()  # gradients to step with
    loss = m(x).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
