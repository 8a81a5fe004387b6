"""The backward pass: accumulation, deep graphs, freed graphs, hooks, no_grad, memory, higher order."""
import gc
import weakref

import numpy as np
import pytest

import engine
from engine import Tensor, enable_grad, no_grad, tensor


def test_course_example_matches_closed_form():
    for xv in (-1.3, -0.2, 0.0, 0.7, 1.1):
        x = tensor(xv, dtype="float64", requires_grad=True)
        a = x * x
        b = a.exp()
        c = a + b  # c is used twice below: gradients must add up
        f = c.sqrt() + c.cos()
        f.backward()
        e = np.exp(xv**2)
        expected = 2 * xv * (1 / (2 * np.sqrt(xv**2 + e)) - np.sin(xv**2 + e)) * (1 + e)
        assert x.grad.item() == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_tensor_used_twice_accumulates():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x + x * 3).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1, 2, 3]) + 3)


def test_grads_accumulate_across_backward_calls():
    x = tensor([1.0, -2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_deep_chain_100k_ops_no_recursion():
    x = tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0000001**100_000, rel=1e-9)
    del y
    gc.collect()


def test_second_backward_through_freed_graph_raises():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0]))), rtol=1e-6)


def test_non_scalar_backward_needs_gradient():
    x = tensor([[1.0, 2.0]], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*\(1, 2\)"):
        y.backward()
    y.backward(gradient=np.array([[1.0, 10.0]], dtype=np.float32))
    np.testing.assert_allclose(x.grad.numpy(), [[2.0, 20.0]])


def test_backward_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tensor([1.0]).sum().backward()


def test_no_grad_and_enable_grad():
    x = tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
        with enable_grad():
            z = x * 2
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad

    @no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad
    assert engine.is_grad_enabled()


def test_hooks_see_and_replace_gradients():
    x = tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3
    y.register_hook(lambda g: g * 10)  # replaces the gradient flowing on from y
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [30.0, 30.0])
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    h.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1


def test_retain_grad_on_intermediate():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * 3).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])


def test_memory_released_after_backward():
    x = tensor(np.ones((100, 100)), requires_grad=True)
    y = x.exp()
    z = (y * 2).sum()
    node = weakref.ref(y.creator)
    saved_arrays = [s[1] for s in y.creator._saved]
    ref = weakref.ref(saved_arrays[0])
    del saved_arrays
    del y
    z.backward()
    gc.collect()
    assert ref() is None, "saved arrays must be freed after backward"
    del z
    gc.collect()
    assert node() is None, "graph nodes must be freed once nothing refers to them"


def test_detach_and_requires_grad_():
    x = tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.creator is None
    i = tensor([1, 2])
    with pytest.raises(RuntimeError, match="floating-point"):
        i.requires_grad_()


def test_engine_grad_does_not_touch_dot_grad_and_allow_unused():
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor([3.0], requires_grad=True)
    (g,) = engine.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="input 1"):
        engine.grad((x * x).sum(), [x, w])
    gx, gw = engine.grad((x * x).sum(), [x, w], allow_unused=True)
    assert gw is None


def test_grad_of_grad_and_hvp():
    x = tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    (g,) = engine.grad((x**3).sum(), x, create_graph=True)
    (gg,) = engine.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.numpy())
    # Hessian of f = sum(x_i^2 x_j) style function against finite differences
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    At = tensor(A, dtype="float64")
    v = tensor([1.0, -2.0, 0.5], dtype="float64")
    (hv,) = engine.hvp(lambda t: (t @ At @ t) * 0.5 + (t**4).sum(), [x], [v])
    H = A + np.diag(12 * x.numpy() ** 2)
    np.testing.assert_allclose(hv.numpy(), H @ v.numpy(), rtol=1e-10)


def test_jacobian():
    x = tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    (J,) = engine.jacobian(lambda t: engine.stack([t[0] * t[1], t[0].sin()]), [x])
    np.testing.assert_allclose(J.numpy(), [[2.0, 1.0], [np.cos(1.0), 0.0]])


def test_custom_function_like_pytorch_and_higher_order():
    class Cube(engine.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * 3 * x**2

    t = tensor([2.0, -1.0], dtype="float64", requires_grad=True)
    y = Cube.apply(t)
    (g,) = engine.grad(y.sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [12.0, 3.0])
    (gg,) = engine.grad(g.sum(), t)
    np.testing.assert_allclose(gg.numpy(), [12.0, -6.0])


def test_once_differentiable_refuses_second_order():
    class Square(engine.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @engine.once_differentiable("square")
        def backward(ctx, gy):
            (x,) = ctx.saved_arrays
            return 2 * x * gy

    t = tensor([1.5], dtype="float64", requires_grad=True)
    (g,) = engine.grad(Square.apply(t).sum(), t, create_graph=True)
    assert g.item() == 3.0
    with pytest.raises(RuntimeError, match="square: its backward is not twice differentiable"):
        g.sum().backward()


def test_once_differentiable_raises_even_when_backward_saved_nothing():
    """A backward that reads only ctx attributes (a mask) and a constant incoming gradient: its gradient still
    hangs off the op's inputs, so differentiating it again raises naming the op instead of being a constant."""

    class MaskedRelu(engine.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mask = x > 0
            return x * ctx.mask

        @staticmethod
        @engine.once_differentiable("masked_relu")
        def backward(ctx, gy):
            return gy * ctx.mask

    t = tensor([1.5, -2.0], dtype="float64", requires_grad=True)
    (g,) = engine.grad(MaskedRelu.apply(t).sum(), t, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0])
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="masked_relu: its backward is not twice differentiable"):
        (g * t).sum().backward()
    (g1,) = engine.grad(MaskedRelu.apply(t).sum(), t)  # first order: a plain tensor, no node
    assert not g1.requires_grad and g1._creator is None


def test_dtype_rules():
    assert tensor(1.5).dtype == np.float32
    assert tensor([1.0, 2.0]).dtype == np.float32
    assert tensor(np.zeros(3)).dtype == np.float64  # torch: a float64 NumPy array stays float64
    assert tensor(np.zeros(3), dtype="float64").dtype == np.float64
    assert tensor([1, 2]).dtype == np.int64
    assert tensor([True]).dtype == np.bool_
    assert (tensor([1.0]) * 2.5).dtype == np.float32
    assert engine.zeros(2, 3).dtype == np.float32 and engine.zeros(2, 3).shape == (2, 3)
    assert engine.arange(5).dtype == np.int64
    assert engine.randn(4, generator=np.random.default_rng(0)).shape == (4,)


def test_clear_errors():
    a, b = engine.zeros(2, 3), engine.zeros(4, 5)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned"):
        a @ b
    with pytest.raises(ValueError, match=r"add: cannot broadcast shapes \(2, 3\) and \(4, 5\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"reshape: shape \[4\] is invalid for input of size 6"):
        a.reshape(4)
    with pytest.raises(ValueError, match="unknown device"):
        engine.Device("tpu")


@pytest.mark.skipif(engine.cuda_available(), reason="this machine has a GPU")
def test_cuda_device_without_gpu_is_a_clear_error():
    with pytest.raises(engine.CUDAUnavailableError, match="CUDA is not available"):
        engine.Device("cuda")
    with pytest.raises(engine.CUDAUnavailableError):
        tensor([1.0]).to("cuda")


def test_viz_to_dot():
    x = tensor([1.0, 2.0], requires_grad=True)
    dot = engine.viz.to_dot((x.exp() * x).sum())
    assert dot.startswith("digraph")
    for op in ("Sum", "Mul", "Exp", "leaf"):
        assert op in dot
    assert "(2,)\\nfloat32" in dot


def test_tensor_basics():
    x = tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and x.size() == (2, 2) and len(x) == 2
    assert x.device == "cpu"
    assert (x > 2).numpy().tolist() == [[False, False], [True, True]]
    assert x.sum().item() == 10.0
    assert isinstance(x.array, np.ndarray)
    assert "tensor(" in repr(x)
    assert isinstance(x.T, Tensor) and x.T.numpy()[0, 1] == 3.0


@pytest.mark.parametrize("name", ["layer_norm", "linear", "cross_entropy_smoothing", "bce_with_logits"])
def test_fused_layer_grad_functions_are_differentiable_to_third_order(name):
    """The Grad Functions' own backward is written with Tensor ops, so the second derivative is differentiable
    again: gradcheck the function x -> d/dx (d/dx f . d/dx f) against central differences."""
    import nn.functional as F

    rng = np.random.default_rng(3)
    w = tensor(rng.standard_normal((4, 4)), requires_grad=True)
    b = tensor(rng.standard_normal(4), requires_grad=True)
    bits = tensor(rng.integers(0, 2, (3, 4)).astype(np.float64))
    f = {"layer_norm": lambda x: F.layer_norm(x, (4,), b, b).pow(3).sum(),
         "linear": lambda x: F.linear(x * x, w, b).pow(3).sum(),
         "cross_entropy_smoothing": lambda x: F.cross_entropy(x * x, np.array([1, 0, 3]), label_smoothing=0.2),
         "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(x * x, bits, reduction="sum")}[name]

    def second(x):
        (g,) = engine.grad(f(x), [x], create_graph=True)
        (h,) = engine.grad((g * g).sum(), [x], create_graph=True)
        return h

    assert engine.gradcheck(second, [tensor(rng.standard_normal((3, 4)), requires_grad=True)])
