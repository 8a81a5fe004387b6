"""Activation and similarity modules over the functional forms that torch names (``CELU``, ``SELU``,
``Hardswish``, ``Hardsigmoid``, ``Softmin``, ``CosineSimilarity``, ``PairwiseDistance``).

Each is a thin Module with torch's constructor that calls ``nn.functional.<name>`` at forward time,
with torch's keyword names, so it follows whatever the functional namespace provides; where that
function is missing, forward raises NotImplementedError naming it.  The activations of the activation
spec (``GELU`` among them) live in ``nn/activation.py``.
"""
from __future__ import annotations

from . import functional as F
from .module import Module

__all__ = ["CELU", "SELU", "Hardswish", "Hardsigmoid", "Softmin", "CosineSimilarity", "PairwiseDistance",
           "functional_op"]


def functional_op(name, owner):
    """``nn.functional.<name>``, or NotImplementedError naming it and the module ``owner`` that needs it."""
    fn = getattr(F, name, None)
    if fn is None:
        raise NotImplementedError(f"{owner}: nn.functional.{name} is not available in this build")
    return fn


class CELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return functional_op("celu", "CELU")(x, alpha=self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class _OverFunctional(Module):
    """torch's ``Module(inplace=False)`` over ``nn.functional.<_fname>`` (``inplace`` is accepted and ignored:
    a new tensor is returned)."""

    _fname = ""

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return functional_op(self._fname, type(self).__name__)(x)


class SELU(_OverFunctional):
    _fname = "selu"


class Hardswish(_OverFunctional):
    _fname = "hardswish"


class Hardsigmoid(_OverFunctional):
    _fname = "hardsigmoid"


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
