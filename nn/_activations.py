"""The activations in functional form (re-exported by ``nn.functional``): one function per row of the
activation spec (``kernels/act_spec.py``), generated in ``engine/ops/activation.py`` with torch's
signatures, plus ``relu6`` and ``hardtanh`` (clipping ops of the engine, not kernel rows).

Definitions, where the literature differs (see the spec rows): ``sinc(x) = sin(x) / x`` with ``sinc(0) = 1``
(the unnormalised sinc of activation-function tables); ``hard_threshold`` (``step``) is the binary step with a
zero gradient; ``abs_rectifier(x) = |x|``; ``softplus(x, beta=1, threshold=20)`` is linear where
``beta x > threshold`` (as PyTorch).
"""
from __future__ import annotations

from engine.ops import elementwise as _elementwise
from engine.ops.activation import FUNCTIONS as _FUNCTIONS

globals().update(_FUNCTIONS)

__all__ = sorted(_FUNCTIONS) + ["relu6", "hardtanh"]


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002  (torch's names)
    """Clip to [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds (PyTorch);
    ``inplace`` is accepted for torch's signature and ignored (a new tensor is returned)."""
    return _elementwise.hardtanh(input, min_val, max_val)


def relu6(input, inplace=False):  # noqa: A002
    """``min(max(x, 0), 6)``; ``inplace`` is accepted and ignored."""
    return hardtanh(input, 0.0, 6.0)
