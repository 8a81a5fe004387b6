"""Activation functions of DESIGN.md in functional form (re-exported by ``nn.functional``).

Each uses the engine's fused kernel op when the engine has one (``engine.leaky_relu`` and friends:
one pass forward and backward, 5-7x faster than a composition on the CPU, but once differentiable:
a second derivative through them raises a clear error) and otherwise a short composition of engine
ops, twice differentiable and written so that no branch overflows (e.g. ``softplus`` as
``max(z, 0) + log(1 + exp(-|z|))``).  Definitions, where the literature differs:

- ``sinc(x) = sin(x) / x`` with ``sinc(0) = 1`` (the unnormalised sinc of activation-function tables;
  NumPy's ``np.sinc`` is the normalised one).
- ``hard_threshold(x, threshold=0)`` is the binary step: 1 where ``x >= threshold``, else 0; its
  gradient is zero everywhere (the graph is kept, so ``backward`` works and gives zeros).
- ``abs_rectifier(x) = |x|`` (gradient 0 at 0).
- ``softplus(x, beta=1, threshold=20)`` is ``log(1 + exp(beta x)) / beta``, linear where
  ``beta x > threshold`` (as PyTorch).
"""
from __future__ import annotations

import engine
from engine import Tensor

__all__ = [
    "identity",
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "elu",
    "silu",
    "swish",
    "mish",
    "softplus",
    "softsign",
    "sigmoid",
    "tanh",
    "log_sigmoid",
    "sinc",
    "hard_threshold",
    "step",
    "abs_rectifier",
    "hardtanh",
    "softmax",
    "log_softmax",
]


def _fused(name):
    """The engine's fused op ``name`` when the kernels work has added it, else None."""
    return getattr(engine, name, None)


def identity(x):
    return x


def relu(x):
    return engine.relu(x)


def relu6(x):
    return hardtanh(x, 0.0, 6.0)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """Clip to [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds (PyTorch)."""
    return engine.ops.elementwise.hardtanh(x, min_val, max_val)


def leaky_relu(x, negative_slope: float = 0.01):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    f = _fused("leaky_relu")
    if f is not None:
        return f(x, negative_slope)
    return engine.where(x.array > 0, x, x * negative_slope)


def prelu(x, weight):
    """Leaky ReLU with a learnable slope ``weight``: one value, or one per channel (axis 1)."""
    f = _fused("prelu")
    if f is not None:
        return f(x, weight)
    if weight.numel() != 1:
        if x.ndim < 2 or x.shape[1] != weight.numel():
            raise ValueError(f"prelu: {weight.numel()} slopes do not match the channel axis of input {x.shape}")
        weight = weight.reshape((1, weight.numel()) + (1,) * (x.ndim - 2))
    return engine.where(x.array > 0, x, x * weight)


def elu(x, alpha: float = 1.0):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    f = _fused("elu")
    if f is not None:
        return f(x, alpha)
    pos = x.array > 0
    neg = engine.where(pos, 0.0, x)  # exp never sees large positive values
    return engine.where(pos, x, (neg.exp() - 1.0) * alpha)


def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    f = _fused("silu")
    if f is not None:
        return f(x)
    return x * engine.sigmoid(x)


swish = silu


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    f = _fused("softplus")
    if f is not None:
        return f(x, beta, threshold)
    z = x * beta if beta != 1 else x
    sp = _softplus_core(z)
    if beta != 1:
        sp = sp * (1.0 / beta)
    return engine.where(z.array > threshold, x, sp)


def _softplus_core(z):
    """log(1 + exp(z)) as ``max(z, 0) + log(1 + exp(-|z|))``, with the exact gradient at 0."""
    pos = z.array > 0
    return engine.where(pos, z, 0.0) + (engine.where(pos, -z, z).exp() + 1.0).log()


def mish(x):
    """``x * tanh(softplus(x))``."""
    f = _fused("mish")
    if f is not None:
        return f(x)
    return x * engine.tanh(softplus(x))


def softsign(x):
    """``x / (1 + |x|)``."""
    f = _fused("softsign")
    if f is not None:
        return f(x)
    return x / (x.abs() + 1.0)


def sigmoid(x):
    return engine.sigmoid(x)


def tanh(x):
    return engine.tanh(x)


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``."""
    f = _fused("log_sigmoid")
    if f is not None:
        return f(x)
    return -_softplus_core(-x)


def sinc(x):
    """``sin(x) / x`` with the value 1 (and gradient 0) at 0."""
    f = _fused("sinc")
    if f is not None:
        return f(x)
    zero = x.array == 0
    safe = engine.where(zero, 1.0, x)
    return engine.where(zero, 1.0, engine.sin(safe) / safe)


def hard_threshold(x, threshold: float = 0.0):
    """Binary step: 1 where ``x >= threshold``, else 0; zero gradient."""
    f = _fused("hard_threshold")
    if f is not None:
        return f(x, threshold)
    mask = Tensor._wrap((x.array >= threshold).astype(x.dtype))
    return x * 0.0 + mask if x.requires_grad else mask


step = hard_threshold


def abs_rectifier(x):
    """``|x|``."""
    return engine.abs(x)


def softmax(x, axis: int = -1):
    return engine.softmax(x, axis)


def log_softmax(x, axis: int = -1):
    return engine.log_softmax(x, axis)
