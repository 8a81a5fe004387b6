"""``nn.init``: in-place initialisers for parameters, with PyTorch's names, formulas and fans.

Each function fills ``tensor.array`` in place (on its device, in its dtype), bumps the tensor's version
counter (so a backward that saved the old values raises instead of using the new ones) and returns
the tensor.  As in PyTorch, the fan-based initialisers leave a tensor with no elements (``Linear(0,
3)``) untouched, with a warning, instead of dividing by a zero fan.
Random numbers come from NumPy's global generator (``numpy.random.seed`` makes them reproducible) or
from a ``numpy.random.Generator`` passed as ``generator=``.

Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.  ``xavier_uniform_`` draws from U(-b, b) with
``b = gain * sqrt(6 / (fan_in + fan_out))``; ``kaiming_normal_`` has ``std = gain / sqrt(fan)`` with
``gain = sqrt(2)`` for ReLU (so ``std = sqrt(2 / fan_in)``); ``kaiming_uniform_`` has bound
``sqrt(3) * std``.  The default ``nonlinearity="leaky_relu"`` with ``a=sqrt(5)`` is what Linear and
Conv layers use, giving U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from engine.backend import device_of, to_device

__all__ = [
    "default_layer_init_",
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _rng(generator):
    return generator if generator is not None else np.random


def _fill(tensor, values):
    """Write ``values`` (NumPy array or scalar) into ``tensor.array`` in place; returns the tensor."""
    arr = tensor.array
    if isinstance(values, np.ndarray):
        values = to_device(values.astype(arr.dtype, copy=False), device_of(arr))
    arr[...] = values
    tensor._bump_version()
    return tensor


def _no_elements(tensor) -> bool:
    """True (with PyTorch's warning) for a tensor with no elements: there is nothing to initialise."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid", "identity")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {shape})"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def constant_(tensor, val):
    return _fill(tensor, val)


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill from U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill from N(mean, std^2)."""
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill from N(mean, std^2) restricted to [a, b] (rejection sampling)."""
    rng = _rng(generator)
    n = int(np.prod(tensor.shape))
    out = np.empty(n)
    filled = 0
    while filled < n:
        draw = rng.normal(mean, std, size=max(2 * (n - filled), 16))
        draw = draw[(draw >= a) & (draw <= b)][: n - filled]
        out[filled : filled + draw.size] = draw
        filled += draw.size
    return _fill(tensor, out.reshape(tensor.shape))


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if _no_elements(tensor):
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if _no_elements(tensor):
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """U(-b, b) with b = sqrt(3) * gain / sqrt(fan) (He et al.)."""
    if _no_elements(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan); for ReLU that is sqrt(2 / fan_in)."""
    if _no_elements(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def default_layer_init_(weight, bias=None) -> None:
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(a=sqrt(5)) for the weight and
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    """A (semi-)orthogonal matrix over the first axis versus the rest, times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = int(np.prod(tensor.shape[1:]))
    flat = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def eye_(tensor):
    """The identity matrix (2-d tensors)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-d tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor):
    """Convolution weights that keep the input channels (identity convolution)."""
    if tensor.ndim < 3:
        raise ValueError(f"dirac_: only tensors with 3 or more dimensions are supported, got shape {tensor.shape}")
    w = np.zeros(tensor.shape)
    centre = tuple(s // 2 for s in tensor.shape[2:])
    for i in range(min(tensor.shape[0], tensor.shape[1])):
        w[(i, i) + centre] = 1
    return _fill(tensor, w)
