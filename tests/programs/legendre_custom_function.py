"""PyTorch's tutorial "defining new autograd functions" with its imports renamed: y = sin(x) on
[-pi, pi] fitted by a + b P3(c + d x), where P3 is the Legendre polynomial of degree 3, written as a
custom ``engine.autograd.Function`` (forward and backward by hand, ``ctx.save_for_backward``); the
coefficients are scalars made by ``engine.full((), ..., requires_grad=True)`` and updated in place under
``no_grad``, their gradients reset with ``a.grad = None``.  Change to the tutorial: ``main`` returns the
loss of each step."""
import math

import engine


class LegendrePolynomial3(engine.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def main(steps=200):
    dtype = engine.float
    device = engine.device("cpu")
    x = engine.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = engine.sin(x)

    a = engine.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = engine.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = engine.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = engine.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

    learning_rate = 5e-6
    losses = []
    for t in range(steps):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with engine.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"losses": losses, "coefficients": [a.item(), b.item(), c.item(), d.item()]}
