"""The two-layer ReLU network of PyTorch's "Learning PyTorch with Examples" tutorial (tensors and
autograd), with its imports renamed: ``y = relu(x w1) w2`` fitted to random targets by hand-written
gradient descent: the forward pass with ``mm``/``clamp``, ``loss.backward()``, then the update in place
under ``no_grad`` (``w1 -= learning_rate * w1.grad``) and ``w1.grad.zero_()``.  Changes to the
tutorial: the random data and weights come from a seeded NumPy generator (so that Kiln and PyTorch see
the same numbers) and ``main`` returns the loss of each step."""
import numpy as np

import engine


def main(steps=30, seed=0):
    dtype = engine.float
    device = engine.device("cpu")
    N, D_in, H, D_out = 64, 1000, 100, 10
    rng = np.random.default_rng(seed)

    x = engine.tensor(rng.standard_normal((N, D_in)), device=device, dtype=dtype)
    y = engine.tensor(rng.standard_normal((N, D_out)), device=device, dtype=dtype)
    w1 = engine.tensor(rng.standard_normal((D_in, H)), device=device, dtype=dtype, requires_grad=True)
    w2 = engine.tensor(rng.standard_normal((H, D_out)), device=device, dtype=dtype, requires_grad=True)

    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with engine.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses
