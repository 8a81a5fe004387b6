"""Dropout variants, as torch's: ``Dropout1d``/``Dropout2d``/``Dropout3d`` (zero whole channels),
``AlphaDropout`` and ``FeatureAlphaDropout`` (for SELU networks: keep mean and variance of their input).

Constructors are torch's ``(p=0.5, inplace=False)`` plus Kiln's keyword-only ``generator``;
``inplace=True`` writes into the input as torch does (``nn/_inplace.py``) for ``DropoutNd``; torch's
``AlphaDropout``/``FeatureAlphaDropout`` return a new tensor whatever ``inplace`` says (torch 2.x,
checked by the tests), and so do Kiln's.  In training mode
``DropoutNd`` zeroes each channel of each sample with probability ``p`` and scales the others by
``1 / (1 - p)``; inputs are (N, C, *) or unbatched (C, *) with the spatial rank of the layer
(``Dropout2d`` given a 3-d input treats it as (N, C, L), as torch does today, warning included).
``AlphaDropout`` sets dropped elements to SELU's negative saturation and applies the affine map that
keeps zero mean and unit variance; ``FeatureAlphaDropout`` does it to whole channels.  All are the
identity in evaluation mode.  The masks are drawn by ``nn.functional``'s dropout forms.
"""
from __future__ import annotations

import warnings

from . import functional as F
from ._nd import nd_classes
from .dropout import _DropoutBase

__all__ = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(_DropoutBase):
    """Channel dropout over {shape} or unbatched (C, ...): whole channels zeroed (Dropout2d reads a 3-d input
    as (N, C, L), as torch, with its warning)."""

    nd = 1

    def forward(self, x):
        ok = (self.nd + 1, self.nd + 2)
        if x.ndim not in ok:
            raise ValueError(f"{type(self).__name__}: expected a {ok[0]}-d or {ok[1]}-d input, got shape "
                             f"{tuple(x.shape)}")
        return super().forward(x)

    def _drop(self, x):
        batched_ndim = self.nd + 2
        if self.nd == 2 and x.ndim == 3:
            warnings.warn("Dropout2d: received a 3-d input; as torch, it is read as (N, C, L) and whole channels "
                          "of it are dropped (use Dropout1d for that)", UserWarning, stacklevel=4)
            batched_ndim = 3
        drop = {3: F.dropout1d, 4: F.dropout2d, 5: F.dropout3d}[batched_ndim]
        return drop(x, self.p, True, generator=self.generator)


Dropout1d, Dropout2d, Dropout3d = nd_classes(_DropoutNd, "Dropout{}d", __name__)


class AlphaDropout(_DropoutBase):
    """Dropout that keeps SELU's self-normalising statistics (see the module docstring)."""

    _honours_inplace = False

    def _drop(self, x):
        return F.alpha_dropout(x, self.p, True, generator=self.generator)


class FeatureAlphaDropout(_DropoutBase):
    """``AlphaDropout`` of whole channels: the mask has shape (N, C, 1, ...) for an (N, C, *) input."""

    _honours_inplace = False

    def _drop(self, x):
        return F.feature_alpha_dropout(x, self.p, True, generator=self.generator)
