"""``Dropout(p=0.5, inplace=False, *, generator=None)``: in training mode zero each element with
probability ``p`` and scale the rest by ``1/(1-p)``; in evaluation mode the identity.

torch's positional order (``nn.Dropout(0.5, True)`` is in-place dropout); ``inplace=True`` writes the
result into the input as torch does (see ``nn/_inplace.py``).  Kiln's extra ``generator`` (an
``engine.Generator`` or a ``numpy.random.Generator``) is keyword-only and makes the masks
reproducible; by default NumPy's (CuPy's) global generator draws them."""
from __future__ import annotations

from . import functional as F
from ._inplace import apply_maybe_inplace
from .module import Module

__all__ = ["Dropout"]


def _check_p(p, name):
    """``p`` as a float, or ValueError (before any state is set) naming the layer ``name``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


class _DropoutBase(Module):
    """torch's ``_DropoutNd``: ``p``, ``inplace``, and Kiln's keyword-only ``generator``.  A subclass whose
    torch twin ignores ``inplace`` (the alpha dropouts) sets ``_honours_inplace = False``."""

    _honours_inplace = True

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator=None):
        super().__init__()
        self.p = _check_p(p, type(self).__name__)
        if not isinstance(inplace, (bool, int)):  # Kiln used to take ``generator`` second: say so, not drop in place
            raise TypeError(f"{type(self).__name__}: inplace must be a bool, got {type(inplace).__name__}; "
                            "pass a generator by keyword (generator=...)")
        self.inplace = bool(inplace)
        self.generator = generator

    def _drop(self, x):
        raise NotImplementedError

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        return apply_maybe_inplace(x, self.inplace and self._honours_inplace, type(self).__name__, self._drop)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutBase):
    def _drop(self, x):
        return F.dropout(x, self.p, True, generator=self.generator)
