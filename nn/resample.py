"""Resampling layers, as torch's: ``Upsample`` (and ``UpsamplingNearest2d``), ``PixelShuffle`` and
``PixelUnshuffle``.

``Upsample(size=None, scale_factor=None, mode="nearest", align_corners=None)`` calls
``F.interpolate`` when the functional namespace has it; without it, ``mode="nearest"`` runs here by
gathering, with torch's source index ``floor(dst * in / out)`` (``floor(dst / scale_factor)`` when a
scale factor is given) on every spatial axis, and other modes raise NotImplementedError.
``UpsamplingBilinear2d(size=None, scale_factor=None)`` is ``Upsample(..., mode="bilinear",
align_corners=True)``, as torch's (which keeps it for backward compatibility).
``PixelShuffle(r)`` rearranges (N, C*r*r, H, W) into (N, C, H*r, W*r) and ``PixelUnshuffle(r)``
undoes it (a reshape and a permutation, so gradients are exact).
"""
from __future__ import annotations

import math

import numpy as np

from . import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle"]


def _nearest(x, size, scale_factor):
    spatial = x.ndim - 2
    if spatial < 1:
        raise ValueError(f"Upsample: expected an input of 3 or more dimensions (N, C, *), got shape {x.shape}")
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(int(s) for s in size)
        scales = [None] * spatial
    else:
        scales = [float(scale_factor)] * spatial if not isinstance(scale_factor, (tuple, list)) \
            else [float(s) for s in scale_factor]
        sizes = tuple(int(math.floor(n * s)) for n, s in zip(x.shape[2:], scales))
    if len(sizes) != spatial or len(scales) != spatial:
        raise ValueError(f"Upsample: size/scale_factor must have {spatial} entries for input of shape {x.shape}")
    out = x
    for axis, (n_in, n_out, s) in enumerate(zip(x.shape[2:], sizes, scales), start=2):
        if n_out <= 0:
            raise ValueError(f"Upsample: output size {sizes} must be positive (input {x.shape})")
        ratio = 1.0 / s if s is not None else n_in / n_out
        src = np.arange(n_out).astype(np.float32) * np.float32(ratio)  # float32 arithmetic, as torch
        idx = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        out = out[(slice(None),) * axis + (idx,)]
    return out


class Upsample(Module):
    """Resize (N, C, *) inputs to ``size`` or by ``scale_factor`` (see the module docstring)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: exactly one of size and scale_factor must be given")
        if scale_factor is not None:  # stored as floats, as torch's
            scale_factor = tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list)) \
                else float(scale_factor)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        interpolate = getattr(F, "interpolate", None)
        if interpolate is not None:
            extra = {k: v for k, v in (("align_corners", self.align_corners),
                                       ("recompute_scale_factor", self.recompute_scale_factor)) if v is not None}
            return interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode, **extra)
        if self.mode != "nearest":
            raise NotImplementedError(f"Upsample: mode {self.mode!r} needs F.interpolate, which this build lacks; "
                                      "mode='nearest' works")
        return _nearest(x, self.size, self.scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = int(upscale_factor)

    def forward(self, x):
        return F.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of PixelShuffle."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = int(downscale_factor)

    def forward(self, x):
        return F.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
