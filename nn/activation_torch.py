"""Activation and similarity modules over the functional forms that torch names (``GELU``, ``CELU``,
``SELU``, ``Hardswish``, ``Hardsigmoid``, ``Softmin``, ``CosineSimilarity``, ``PairwiseDistance``).

Each is a thin Module with torch's constructor that calls ``nn.functional.<name>`` at forward time,
with torch's keyword names, so it follows whatever the functional namespace provides; where that
function is missing, forward raises NotImplementedError naming it (GELU alone has a stand-in, see
``gelu``: the Transformer layers need it).  The activations of DESIGN.md's own list live in
``nn/activation.py``.
"""
from __future__ import annotations

import numpy as np

import engine

from . import functional as F
from .module import Module

__all__ = ["GELU", "CELU", "SELU", "Hardswish", "Hardsigmoid", "Softmin", "CosineSimilarity", "PairwiseDistance",
           "functional_op", "gelu"]


def functional_op(name, owner):
    """``nn.functional.<name>``, or NotImplementedError naming it and the module ``owner`` that needs it."""
    fn = getattr(F, name, None)
    if fn is None:
        raise NotImplementedError(f"{owner}: nn.functional.{name} is not available in this build")
    return fn


def gelu(x, approximate="none"):
    """GELU: ``F.gelu`` when the functional namespace has it; otherwise composed here from engine ops.

    The stand-in (for builds without ``F.gelu``): ``approximate="tanh"`` is torch's tanh formula
    exactly; the exact form takes erf from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), a smooth
    composition, so gradients of every order exist and agree with torch's to about 1e-6.
    """
    fn = getattr(F, "gelu", None)
    if fn is not None:
        return fn(x, approximate=approximate)
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * float(np.sqrt(2.0 / np.pi))
        return 0.5 * x * (1.0 + inner.tanh())
    z = x * float(1.0 / np.sqrt(2.0))
    a = z.abs()
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf_abs = 1.0 - poly * (-(a * a)).exp()
    sign = engine.Tensor._wrap(engine.get_array_module(x.array).sign(x.array).astype(x.dtype))
    return 0.5 * x * (1.0 + sign * erf_abs)


class GELU(Module):
    """``x * Phi(x)``; ``approximate="tanh"`` for the tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class CELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return functional_op("celu", "CELU")(x, alpha=self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class SELU(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return functional_op("selu", "SELU")(x)


class Hardswish(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return functional_op("hardswish", "Hardswish")(x)


class Hardsigmoid(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return functional_op("hardsigmoid", "Hardsigmoid")(x)


class Softmin(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return functional_op("softmin", "Softmin")(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class CosineSimilarity(Module):
    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return functional_op("cosine_similarity", "CosineSimilarity")(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return functional_op("pairwise_distance", "PairwiseDistance")(x1, x2, self.norm, self.eps, self.keepdim)
