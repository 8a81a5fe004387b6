"""Resizing and geometric transforms, torchvision's shapes: ``Resize``, ``CenterCrop``,
``RandomResizedCrop``, ``RandomAffine``.

Inputs and outputs as :mod:`nn.data.transforms._image` describes (PIL image, (C, H, W), or a batch
(N, C, H, W) with per-sample random parameters).

Resampling is separable: each axis gets a weight matrix (out x in), and the image is multiplied by
one on each side.  ``"nearest"`` takes source pixel ``floor(i * in / out)``; ``"bilinear"`` samples
at half-pixel centres, ``(i + 0.5) * in / out - 0.5`` — exactly ``F.interpolate(mode="bilinear",
align_corners=False)`` of torch; with ``antialias=True`` (torchvision's default) a shrinking axis
is filtered with a triangle as wide as the scale (PIL's and torch's ``antialias=True`` rule), so
that downscaling averages instead of skipping pixels.  PIL images go through the same code (PIL's
own fixed-point resize may differ by one grey level).

``RandomAffine(degrees, translate=None, scale=None)`` turns counter-clockwise by an angle from
``degrees``, scales by a factor from ``scale`` and shifts by whole pixels up to ``translate`` (fractions of
width and height), all about the image centre ((H-1)/2, (W-1)/2), with nearest sampling by default
(torchvision's) and ``fill`` outside the source.  The parameters of the last call are kept in
``last_params`` (N, 4): angle in degrees, tx, ty, scale.
"""
from __future__ import annotations

import math

import numpy as np

from engine.backend import get_array_module

from ._image import as_batch, floating, on_device_of
from .batch import RandomTransform, _centred_axes, _pad, _sample

__all__ = ["InterpolationMode", "Resize", "CenterCrop", "RandomResizedCrop", "RandomAffine", "resize"]


class InterpolationMode:
    """torchvision's interpolation names (plain strings are accepted everywhere too)."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"


def _mode(interpolation, name: str) -> str:
    mode = getattr(interpolation, "value", interpolation)
    mode = str(mode).lower()
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{name}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    return mode


def _size2(size, name: str) -> tuple:
    s = (size, size) if np.isscalar(size) else tuple(size)
    if len(s) == 1:
        s = (s[0], s[0])
    if len(s) != 2 or any(int(v) != v or v < 1 for v in s):
        raise ValueError(f"{name}: size must be a positive int or (h, w), got {size}")
    return int(s[0]), int(s[1])


def _weights(n_in: int, n_out: int, mode: str, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) float64 resampling matrix of one axis."""
    scale = n_in / n_out
    w = np.zeros((n_out, n_in))
    i = np.arange(n_out)
    if mode == "nearest":
        w[i, np.minimum(np.floor(i * scale).astype(np.int64), n_in - 1)] = 1.0
        return w
    if antialias and scale > 1.0:
        centre = (i + 0.5) * scale
        for o in range(n_out):
            lo = max(int(centre[o] - scale + 0.5), 0)
            hi = min(int(centre[o] + scale + 0.5), n_in)
            j = np.arange(lo, hi)
            tri = np.maximum(0.0, 1.0 - np.abs((j - centre[o] + 0.5) / scale))
            w[o, lo:hi] = tri / tri.sum()
        return w
    src = np.maximum((i + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    np.add.at(w, (i, i0), 1.0 - frac)
    np.add.at(w, (i, i1), frac)
    return w


def resize(a, size: tuple, mode: str = "bilinear", antialias: bool = True):
    """The batch ``a`` (N, C, H, W) resampled to ``size`` (h, w) (see the module docstring)."""
    (h, w), (H, W) = size, a.shape[2:]
    if (h, w) == (H, W):
        return a
    if mode == "nearest":
        rows = np.minimum(np.floor(np.arange(h) * H / h).astype(np.int64), H - 1)
        cols = np.minimum(np.floor(np.arange(w) * W / w).astype(np.int64), W - 1)
        return a[:, :, on_device_of(a, rows)][:, :, :, on_device_of(a, cols)]
    a = floating(a)
    xp = get_array_module(a)
    wy = on_device_of(a, _weights(H, h, mode, antialias).astype(a.dtype))
    wx = on_device_of(a, _weights(W, w, mode, antialias).astype(a.dtype))
    return xp.matmul(xp.matmul(wy, a), wx.T)


class Resize:
    """torchvision's ``Resize(size, interpolation="bilinear", max_size=None, antialias=True)``: an
    int ``size`` matches the shorter edge and keeps the aspect ratio (the longer edge becomes
    ``int(size * long / short)``, capped at ``max_size``); ``(h, w)`` is the exact output size."""

    def __init__(self, size, interpolation="bilinear", max_size=None, antialias: bool = True):
        if np.isscalar(size) or len(size) == 1:
            s = size if np.isscalar(size) else size[0]
            if int(s) != s or s < 1:
                raise ValueError(f"Resize: size must be a positive int or (h, w), got {size}")
            self.size = int(s)
        else:
            if max_size is not None:
                raise ValueError("Resize: max_size is only allowed when size is a single int")
            self.size = _size2(size, "Resize")
        self.interpolation = _mode(interpolation, "Resize")
        self.max_size, self.antialias = max_size, bool(antialias)

    def output_size(self, H: int, W: int) -> tuple:
        if not isinstance(self.size, int):
            return self.size
        short, long = (H, W) if H <= W else (W, H)
        new_short, new_long = self.size, int(self.size * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if H <= W else (new_long, new_short)

    def __call__(self, x):
        a, wrap = as_batch(x, "Resize")
        return wrap(resize(a, self.output_size(*a.shape[2:]), self.interpolation, self.antialias))

    def __repr__(self) -> str:
        return f"Resize(size={self.size}, interpolation={self.interpolation!r})"


class CenterCrop:
    """torchvision's ``CenterCrop(size)``: the central (h, w) window (top = round((H - h) / 2)); an
    image smaller than ``size`` is first padded with zeros, evenly on both sides."""

    def __init__(self, size):
        self.size = _size2(size, "CenterCrop")

    def __call__(self, x):
        a, wrap = as_batch(x, "CenterCrop")
        (h, w), (H, W) = self.size, a.shape[2:]
        if h > H or w > W:
            dh, dw = max(h - H, 0), max(w - W, 0)
            a = _pad(a, (dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2), 0)
            H, W = a.shape[2:]
        top, left = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
        return wrap(a[:, :, top : top + h, left : left + w])

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class RandomResizedCrop(RandomTransform):
    """torchvision's ``RandomResizedCrop(size, scale=(0.08, 1.0), ratio=(3/4, 4/3),
    interpolation="bilinear", antialias=True)``: per image, a window covering a uniform fraction
    ``scale`` of the area with a log-uniform aspect ratio in ``ratio`` (10 tries, then the central
    crop with the ratio clamped), resized to ``size``."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation="bilinear",
                 antialias: bool = True, seed=None):
        super().__init__(seed)
        self.size = _size2(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1] or scale[0] <= 0 or ratio[0] <= 0:
            raise ValueError(f"RandomResizedCrop: scale {scale} and ratio {ratio} must be positive (min, max) ranges")
        self.scale, self.ratio = (float(scale[0]), float(scale[1])), (float(ratio[0]), float(ratio[1]))
        self.interpolation, self.antialias = _mode(interpolation, "RandomResizedCrop"), bool(antialias)

    def get_params(self, H: int, W: int, rng) -> tuple:
        """(top, left, h, w) of one random window of an H x W image."""
        area = H * W
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            w = int(round(math.sqrt(target * aspect)))
            h = int(round(math.sqrt(target / aspect)))
            if 0 < w <= W and 0 < h <= H:
                return int(rng.integers(0, H - h + 1)), int(rng.integers(0, W - w + 1)), h, w
        in_ratio = W / H
        if in_ratio < self.ratio[0]:
            w, h = W, int(round(W / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            h, w = H, int(round(H * self.ratio[1]))
        else:
            w, h = W, H
        return (H - h) // 2, (W - w) // 2, h, w

    def __call__(self, x):
        a, wrap = as_batch(x, "RandomResizedCrop")
        rng = self.rng
        H, W = a.shape[2:]
        xp = get_array_module(a)
        outs = []
        for n in range(a.shape[0]):
            top, left, h, w = self.get_params(H, W, rng)
            outs.append(resize(a[n : n + 1, :, top : top + h, left : left + w], self.size, self.interpolation,
                               self.antialias))
        dtype = np.result_type(*[o.dtype for o in outs])
        return wrap(xp.concatenate([o.astype(dtype, copy=False) for o in outs]))

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


def _range(value, name: str, what: str, centre: float = 0.0) -> tuple:
    if np.isscalar(value):
        if value < 0:
            raise ValueError(f"{name}: {what} must be >= 0 when a single number, got {value}")
        return (centre - float(value), centre + float(value))
    lo, hi = (float(v) for v in value)
    if lo > hi:
        raise ValueError(f"{name}: {what} range ({lo}, {hi}) is empty")
    return lo, hi


class RandomAffine(RandomTransform):
    """torchvision's ``RandomAffine(degrees, translate=None, scale=None, shear=None,
    interpolation="nearest", fill=0)`` (see the module docstring); ``shear`` is not supported."""

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation="nearest", fill=0,
                 seed=None):
        super().__init__(seed)
        if shear is not None:
            raise ValueError("RandomAffine: shear is not supported; use degrees, translate and scale")
        self.degrees = _range(degrees, "RandomAffine", "degrees")
        if translate is not None and (len(translate) != 2 or not all(0 <= t <= 1 for t in translate)):
            raise ValueError(f"RandomAffine: translate must be two fractions in [0, 1], got {translate}")
        if scale is not None and (len(scale) != 2 or not 0 < scale[0] <= scale[1]):
            raise ValueError(f"RandomAffine: scale must be a positive (min, max) range, got {scale}")
        self.translate = None if translate is None else (float(translate[0]), float(translate[1]))
        self.scale = None if scale is None else (float(scale[0]), float(scale[1]))
        self.interpolation, self.fill = _mode(interpolation, "RandomAffine"), fill
        self.last_params = None

    def __call__(self, x):
        a, wrap = as_batch(x, "RandomAffine")
        n, _, H, W = a.shape
        rng = self.rng
        params = np.zeros((n, 4))
        for k in range(n):
            angle = rng.uniform(*self.degrees)
            tx = ty = 0
            if self.translate is not None:
                mx, my = self.translate[0] * W, self.translate[1] * H
                tx, ty = int(round(rng.uniform(-mx, mx))), int(round(rng.uniform(-my, my)))
            s = rng.uniform(*self.scale) if self.scale is not None else 1.0
            params[k] = angle, tx, ty, s
        self.last_params = params
        theta = np.deg2rad(params[:, 0])
        # the per-sample parameters go to the batch's device in one copy; the sampling grid is built there
        p = on_device_of(a, np.stack([np.cos(theta), np.sin(theta), params[:, 1], params[:, 2], params[:, 3]]))
        cos, sin, tx, ty, s = (p[k][:, None, None] for k in range(5))
        dy, dx, cy, cx = _centred_axes(a)
        dy, dx = dy - ty, dx - tx
        # inverse map: undo the shift, then the rotation (counter-clockwise, y pointing down) and the scale
        sx = cx + (dx * cos - dy * sin) / s
        sy = cy + (dx * sin + dy * cos) / s
        return wrap(_sample(a, sy, sx, self.interpolation, self.fill))

    def __repr__(self) -> str:
        return f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale})"
