"""Conversions and pixel-value transforms, torchvision's shapes: ``ToTensor``, ``PILToTensor``,
``Lambda``, ``ColorJitter``, ``GaussianBlur``.

``ToTensor()`` turns a PIL image or a NumPy array laid out H x W (x C) — torchvision's rule for
arrays here — into a (C, H, W) Tensor; uint8 data is scaled to float32 in [0, 1], any other dtype
is kept as it is.  ``ColorJitter`` and ``GaussianBlur`` take what :mod:`nn.data.transforms._image`
describes (PIL image, (C, H, W), or a batch with per-sample random parameters).

``ColorJitter(brightness, contrast, saturation)`` draws a factor for each from [max(0, 1 - v), 1 + v]
(or the (min, max) given) and applies them in a random order, as torchvision: brightness multiplies,
contrast blends with the mean grey level of the image (grey = 0.2989 R + 0.587 G + 0.114 B; a
one-channel image is its own grey), saturation blends with the grey image; results are clipped to
[0, 1] for float images (0..255 for uint8).  ``hue`` is not supported.

``GaussianBlur(kernel_size, sigma=(0.1, 2.0))`` draws sigma uniformly from the range (a number gives
a fixed sigma) and convolves with the normalised Gaussian ``exp(-x^2 / (2 sigma^2))`` sampled at
the integer offsets of a ``kernel_size`` window ((kx, ky), odd), separably, with reflected borders.
"""
from __future__ import annotations

import numpy as np

from engine import Tensor
from engine.backend import get_array_module

from ._image import as_batch, floating, is_pil, max_value, on_device_of
from .batch import RandomTransform

__all__ = ["ToTensor", "PILToTensor", "Lambda", "ColorJitter", "GaussianBlur"]


def _hwc_array(pic, name: str) -> np.ndarray:
    if is_pil(pic):
        arr = np.asarray(pic)
        return arr.astype(np.uint8) * np.uint8(255) if arr.dtype == bool else arr
    if isinstance(pic, Tensor):
        raise TypeError(f"{name}: expected a PIL image or a NumPy array (H, W[, C]), got a Tensor (already converted?)")
    if not hasattr(pic, "ndim"):
        raise TypeError(f"{name}: expected a PIL image or a NumPy array (H, W[, C]), got {type(pic).__name__}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"{name}: expected an image (H, W) or (H, W, C), got shape {tuple(pic.shape)}")
    return pic


class ToTensor:
    """PIL image or array (H, W[, C]) -> Tensor (C, H, W); uint8 scaled to float32 in [0, 1]."""

    def __call__(self, pic):
        arr = _hwc_array(pic, "ToTensor")
        chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        if chw.dtype == np.uint8:
            return Tensor._wrap(chw.astype(np.float32) / np.float32(255.0))
        xp = get_array_module(chw)
        return Tensor._wrap(xp.ascontiguousarray(chw))

    def __repr__(self) -> str:
        return "ToTensor()"


class PILToTensor:
    """PIL image or array (H, W[, C]) -> Tensor (C, H, W) of the same dtype, unscaled."""

    def __call__(self, pic):
        arr = _hwc_array(pic, "PILToTensor")
        return Tensor._wrap(np.ascontiguousarray(arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)))

    def __repr__(self) -> str:
        return "PILToTensor()"


class Lambda:
    """Apply a user function: ``Lambda(lambda x: x.repeat(3, 1, 1))``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.lambd, '__name__', repr(self.lambd))})"


def _factor_range(value, name: str, what: str):
    if value is None:
        return None
    if np.isscalar(value):
        if value < 0:
            raise ValueError(f"{name}: {what} must be >= 0, got {value}")
        lo, hi = max(0.0, 1.0 - float(value)), 1.0 + float(value)
    else:
        lo, hi = (float(v) for v in value)
        if not 0 <= lo <= hi:
            raise ValueError(f"{name}: {what} range ({lo}, {hi}) must satisfy 0 <= min <= max")
    return None if (lo, hi) == (1.0, 1.0) else (lo, hi)


def _grey(a):
    """Grey levels (N, 1, H, W) of a float batch with 1 or 3 channels."""
    if a.shape[1] == 1:
        return a
    r, g, b = a[:, 0:1], a[:, 1:2], a[:, 2:3]
    return 0.2989 * r + 0.587 * g + 0.114 * b


class ColorJitter(RandomTransform):
    """torchvision's ``ColorJitter(brightness=0, contrast=0, saturation=0, hue=0)`` without hue
    (see the module docstring)."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, seed=None):
        super().__init__(seed)
        if hue not in (0, None, (0, 0)):
            raise ValueError("ColorJitter: hue is not supported; use brightness, contrast and saturation")
        self.brightness = _factor_range(brightness, "ColorJitter", "brightness")
        self.contrast = _factor_range(contrast, "ColorJitter", "contrast")
        self.saturation = _factor_range(saturation, "ColorJitter", "saturation")

    def __call__(self, x):
        a, wrap = as_batch(x, "ColorJitter")
        c = a.shape[1]
        if c not in (1, 3):
            raise ValueError(f"ColorJitter: expected 1 or 3 channels, got shape {tuple(a.shape)}")
        top = max_value(a.dtype)
        xp = get_array_module(a)
        out = floating(a)
        rng = self.rng
        n = a.shape[0]
        ops = [(k, r) for k, r in enumerate((self.brightness, self.contrast, self.saturation)) if r is not None]
        order = np.stack([rng.permutation(3) for _ in range(n)]) if ops else np.zeros((n, 0), dtype=np.int64)
        factors = {k: rng.uniform(r[0], r[1], n) for k, r in ops}
        samples = []
        for i in range(n):
            img = out[i : i + 1]
            for k in order[i]:
                if k not in factors:
                    continue
                f = img.dtype.type(factors[k][i])
                if k == 0:
                    img = f * img
                elif k == 1:
                    img = f * img + (1 - f) * _grey(img).mean(axis=(1, 2, 3), keepdims=True)
                elif c == 3:
                    img = f * img + (1 - f) * _grey(img)
                img = xp.clip(img, 0, top)
            samples.append(img)
        return wrap(xp.concatenate(samples) if samples else out)

    def __repr__(self) -> str:
        return f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, saturation={self.saturation})"


def gaussian_kernel1d(size: int, sigma: float) -> np.ndarray:
    """The normalised Gaussian ``exp(-x^2 / (2 sigma^2))`` at offsets -(size-1)/2 .. (size-1)/2."""
    x = np.linspace(-(size - 1) / 2.0, (size - 1) / 2.0, size)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    return pdf / pdf.sum()


class GaussianBlur(RandomTransform):
    """torchvision's ``GaussianBlur(kernel_size, sigma=(0.1, 2.0))`` (see the module docstring)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0), seed=None):
        super().__init__(seed)
        k = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
        if len(k) != 2 or any(int(v) != v or v < 1 or v % 2 == 0 for v in k):
            raise ValueError(f"GaussianBlur: kernel_size must be odd positive ints (kx, ky), got {kernel_size}")
        self.kernel_size = (int(k[0]), int(k[1]))
        lo, hi = (sigma, sigma) if np.isscalar(sigma) else (float(sigma[0]), float(sigma[1]))
        if not 0 < lo <= hi:
            raise ValueError(f"GaussianBlur: sigma must be positive, and min <= max, got {sigma}")
        self.sigma = (float(lo), float(hi))

    def __call__(self, x):
        a, wrap = as_batch(x, "GaussianBlur")
        kx, ky = self.kernel_size
        H, W = a.shape[2:]
        if ky // 2 >= H or kx // 2 >= W:
            raise ValueError(f"GaussianBlur: kernel_size {self.kernel_size} needs an image larger than "
                             f"{(ky // 2, kx // 2)} for reflected borders, got shape {tuple(a.shape)}")
        rng = self.rng
        xp = get_array_module(a)
        out = floating(a)
        samples = []
        for i in range(a.shape[0]):
            s = rng.uniform(*self.sigma)
            img = xp.pad(out[i : i + 1], ((0, 0), (0, 0), (ky // 2, ky // 2), (kx // 2, kx // 2)), mode="reflect")
            wy = on_device_of(a, gaussian_kernel1d(ky, s).astype(out.dtype))
            wx = on_device_of(a, gaussian_kernel1d(kx, s).astype(out.dtype))
            rows = sum(wy[t] * img[:, :, t : t + H] for t in range(ky))
            samples.append(sum(wx[t] * rows[:, :, :, t : t + W] for t in range(kx)))
        return wrap(xp.concatenate(samples))

    def __repr__(self) -> str:
        return f"GaussianBlur(kernel_size={self.kernel_size}, sigma={self.sigma})"
