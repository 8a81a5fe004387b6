"""Dropout variants, as torch's: ``Dropout1d``/``Dropout2d``/``Dropout3d`` (zero whole channels) and
``AlphaDropout`` (for SELU networks: keeps mean and variance of its input).

In training mode ``DropoutNd`` zeroes each channel of each sample with probability ``p`` and scales
the others by ``1 / (1 - p)``; inputs are (N, C, *) or unbatched (C, *) with the spatial rank of the
layer (``Dropout2d`` given a 3-d input treats it as (N, C, L), as torch does today).  ``AlphaDropout``
sets dropped elements to SELU's negative saturation ``-alpha'`` and applies the affine map that keeps
zero mean and unit variance: ``a * (x * m - alpha' * (1 - m)) + alpha' * a * p`` with
``a = ((1 - p) * (1 + p * alpha'^2)) ** -0.5``.  All are the identity in evaluation mode.  Masks come
from NumPy's (CuPy's) global generator, as ``F.dropout``'s.
"""
from __future__ import annotations

import engine
from engine import Tensor

from .module import Module

__all__ = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"]

_SELU_SATURATION = 1.7580993408473766  # scale * alpha of SELU


def _check_p(p, name):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _keep_mask(x, shape, p):
    xp = engine.get_array_module(x.array)
    return (xp.random.random_sample(shape) >= p).astype(x.dtype)


class _DropoutNd(Module):
    _spatial = 1

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = _check_p(p, type(self).__name__)
        self.inplace = inplace  # accepted for torch's signature; the result is always a new tensor

    def forward(self, x):
        s = self._spatial
        ok = (s + 1, s + 2) if s != 2 else (3, 4)
        if x.ndim not in ok:
            raise ValueError(f"{type(self).__name__}: expected a {ok[0]}-d or {ok[1]}-d input, got shape {x.shape}")
        if not self.training or self.p == 0.0:
            return x
        batch_axes = 1 if x.ndim == s + 1 and s != 2 else 2
        shape = tuple(x.shape[:batch_axes]) + (1,) * (x.ndim - batch_axes)
        if self.p == 1.0:
            return x * 0.0
        mask = _keep_mask(x, shape, self.p) * x.dtype.type(1.0 / (1.0 - self.p))
        return x * Tensor._wrap(mask)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout1d(_DropoutNd):
    """Channel dropout over (N, C, L) or (C, L)."""

    _spatial = 1


class Dropout2d(_DropoutNd):
    """Channel dropout over (N, C, H, W) (or (N, C, L), as torch)."""

    _spatial = 2


class Dropout3d(_DropoutNd):
    """Channel dropout over (N, C, D, H, W) or (C, D, H, W)."""

    _spatial = 3


class AlphaDropout(Module):
    """Dropout that keeps SELU's self-normalising statistics (see the module docstring)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = _check_p(p, "AlphaDropout")
        self.inplace = inplace

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        p, alpha = self.p, _SELU_SATURATION
        a = ((alpha * alpha * p + 1.0) * (1.0 - p)) ** -0.5
        keep = _keep_mask(x, x.shape, p)
        scale = Tensor._wrap(keep * x.dtype.type(a))
        shift = Tensor._wrap(((keep - 1.0) * (alpha * a) + alpha * a * p).astype(x.dtype))
        return x * scale + shift

    def extra_repr(self) -> str:
        return f"p={self.p}"
