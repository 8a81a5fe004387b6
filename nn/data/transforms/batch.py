"""The random transforms that work per sample on batches, and ``Compose``/``Normalize``.

Every transform here takes what :mod:`nn.data.transforms._image` describes (a PIL image, one image
(C, H, W), or a batch (N, C, H, W), as a Tensor or a NumPy/CuPy array) and returns the same kind,
on the same device; they are not differentiable (they act on data, not on the graph).  Random
transforms draw one set of parameters per sample (flip or not, crop offset, shift, angle) from
their own ``numpy.random.Generator``, made from the ``seed=`` they are given (an int, a Generator,
or None for NumPy's global state).  Random numbers are always drawn on the CPU, so a seed gives the
same augmentation on CPU and GPU; each call sends only the per-sample parameters to the batch's
device, in one small copy (angles, offsets or flips: a few numbers per image), and builds the
sampling grids and index arrays there, so that a transform on a GPU batch costs one host-to-device
copy, not one per intermediate array.  ``Normalize`` keeps its per-channel constants on each device
it has seen.  ``Compose(transforms, seed=s)`` reseeds every random member from one seed
(independent streams spawned from ``numpy.random.SeedSequence(s)``).

Geometry follows torchvision: ``RandomCrop(size, padding)`` pads with ``fill`` then cuts a random
window; ``RandomTranslation(max_shift)`` shifts each image by whole pixels in [-max_shift, max_shift]
(vacated pixels get ``fill``); ``RandomRotation(degrees)`` rotates counter-clockwise by a uniform
angle in [-degrees, degrees] (or a (lo, hi) range) about the image centre ((H-1)/2, (W-1)/2), with
bilinear or nearest sampling and ``fill`` outside the source.  ``Normalize(mean, std)`` is per
channel; ``Normalize.from_data(x)`` standardises with statistics measured on data.
"""
from __future__ import annotations

import numpy as np

from engine import Tensor
from engine.backend import device_of, get_array_module, to_device

from ..dataset import as_generator
from ._image import as_batch, floating, is_pil, on_device_of

__all__ = [
    "Compose",
    "Normalize",
    "RandomHorizontalFlip",
    "RandomCrop",
    "RandomTranslation",
    "RandomRotation",
    "GaussianNoise",
    "RandomTransform",
]


_float = floating
_on = on_device_of


class Compose:
    """Apply ``transforms`` in order; ``seed`` reseeds every random member from one seed."""

    def __init__(self, transforms, seed=None):
        self.transforms = list(transforms)
        if seed is not None:
            self.seed(seed)

    def seed(self, seed) -> None:
        random = [t for t in self.transforms if isinstance(t, (RandomTransform, Compose))]
        children = np.random.SeedSequence(seed).spawn(len(random))
        for t, s in zip(random, children):
            t.seed(np.random.default_rng(s) if isinstance(t, RandomTransform) else int(s.generate_state(1)[0]))

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"


def _channel_axis(ndim: int):
    """(axis, what) of the channels/features: (d,) and (C, H, W) -> 0; (N, d) and (N, C, ...) -> 1."""
    if ndim in (1, 3):
        return 0, ("features" if ndim == 1 else "channels")
    return 1, ("features" if ndim == 2 else "channels")


class Normalize:
    """``(x - mean) / std`` per channel, torchvision's ``Normalize(mean, std, inplace=False)``.

    ``mean``/``std`` are numbers or one per channel.  The channel axis follows the input's shape:
    one image (C, H, W) -> axis 0; a batch (N, C, ...) of any rank -> axis 1; tabular data (N, d) ->
    the d features (axis 1), and one tabular row (d,) -> axis 0.  Integer input is computed in
    float32.  ``inplace=True`` writes the result into a floating-point input and returns it."""

    def __init__(self, mean, std, inplace: bool = False):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError(f"Normalize: mean and std must be numbers or 1-d sequences, got {mean} and {std}")
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be positive, got {std}")
        self.inplace = bool(inplace)
        self._constants = {}  # (device, dtype, shape, mean, std) -> (mean, 1 / std) on that device

    def _on_device(self, a, shape):
        """``(mean, 1 / std)`` shaped ``shape`` in ``a``'s dtype on ``a``'s device, copied there once (a GPU
        batch per step would otherwise pay two host-to-device copies)."""
        key = (str(device_of(a)), a.dtype.str, tuple(shape), self.mean.tobytes(), self.std.tobytes())
        found = self._constants.get(key)
        if found is None:
            found = self._constants[key] = (_on(a, self.mean.astype(a.dtype).reshape(shape)),
                                            _on(a, (1.0 / self.std).astype(a.dtype).reshape(shape)))
        return found

    @classmethod
    def from_data(cls, x, per_channel: bool = True) -> "Normalize":
        """Standardisation with the mean and std of ``x`` (a batch or a whole data set), per channel
        (over every axis but the channel axis) or over everything."""
        a = x.array if isinstance(x, Tensor) else x
        axis, _ = _channel_axis(a.ndim)
        axes = tuple(k for k in range(a.ndim) if k != axis) if per_channel else None
        xp = get_array_module(a)
        mean = xp.asarray(a, dtype=np.float64).mean(axis=axes)
        std = xp.asarray(a, dtype=np.float64).std(axis=axes)
        return cls(np.asarray(to_device(mean, "cpu")), np.maximum(np.asarray(to_device(std, "cpu")), 1e-12))

    def __call__(self, x):
        if is_pil(x):
            raise TypeError("Normalize: expected a Tensor or an array, got a PIL image; apply ToTensor() first")
        is_tensor = isinstance(x, Tensor)
        src = x.array if is_tensor else x
        if not hasattr(src, "ndim"):
            raise TypeError(f"Normalize: expected a Tensor or an array, got {type(x).__name__}")
        if src.ndim == 0:
            raise ValueError("Normalize: expected (C, H, W), (N, C, ...), (N, d) or (d,), got a 0-d input")
        axis, what = _channel_axis(src.ndim)
        c = src.shape[axis]
        if self.mean.size not in (1, c) or self.std.size not in (1, c):
            kind = {1: "a row", 2: "a table", 3: "an image"}.get(src.ndim, "a batch")
            raise ValueError(f"Normalize: {self.mean.size} means / {self.std.size} stds for {kind} with {c} "
                             f"{what}, shape {tuple(src.shape)}")
        a = _float(src)
        shape = [1] * a.ndim
        shape[axis] = -1
        mean, inv = self._on_device(a, shape)
        out = (a - mean) * inv
        if self.inplace and a is src:
            src[...] = out
            return x
        return Tensor._wrap(out) if is_tensor else out

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomTransform:
    """Base of the random transforms: holds the generator that draws per-sample parameters."""

    def __init__(self, seed=None):
        self.seed(seed)

    def seed(self, seed) -> None:
        """Restart the random stream from ``seed`` (an int, a Generator, or None for the global state)."""
        self.generator = None if seed is None else as_generator(seed)

    @property
    def rng(self):
        return self.generator if self.generator is not None else np.random.default_rng(np.random.randint(2**31 - 1))


class RandomHorizontalFlip(RandomTransform):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, seed=None):
        super().__init__(seed)
        self.p = float(p)

    def __call__(self, x):
        a, wrap = as_batch(x, type(self).__name__)
        flip = self.rng.random(a.shape[0]) < self.p
        xp = get_array_module(a)
        mask = _on(a, flip.reshape(-1, 1, 1, 1))
        return wrap(xp.where(mask, a[..., ::-1], a))

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def _crop_at(a, oy, ox, h: int, w: int):
    """Windows of size (h, w) of the batch ``a`` starting at per-sample offsets ``oy``, ``ox`` (host integer
    arrays (N,)): the offsets go to ``a``'s device in one copy, and the windows are one gather there."""
    xp = get_array_module(a)
    n, c = a.shape[:2]
    offsets = _on(a, np.stack([oy, ox]))
    rows = (offsets[0][:, None] + xp.arange(h)).reshape(n, 1, h, 1)
    cols = (offsets[1][:, None] + xp.arange(w)).reshape(n, 1, 1, w)
    return a[xp.arange(n).reshape(n, 1, 1, 1), xp.arange(c).reshape(1, c, 1, 1), rows, cols]


def _pad(a, p, fill, mode: str = "constant"):
    """Pad the last two axes by ``p`` pixels (an int for every side, or (left, top, right, bottom))."""
    left, top, right, bottom = (p, p, p, p) if np.isscalar(p) else p
    xp = get_array_module(a)
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    if mode == "constant":
        return xp.pad(a, widths, mode="constant", constant_values=fill)
    return xp.pad(a, widths, mode=mode)


_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def _padding(padding, name: str):
    """torchvision's padding argument as (left, top, right, bottom): an int, (lr, tb) or 4 values."""
    if padding is None:
        return (0, 0, 0, 0)
    p = (padding,) if np.isscalar(padding) else tuple(padding)
    if len(p) not in (1, 2, 4) or any(int(v) != v or v < 0 for v in p):
        raise ValueError(f"{name}: padding must be a non-negative int or a sequence of 2 or 4 of them, got {padding}")
    p = tuple(int(v) for v in p)
    return p * 4 if len(p) == 1 else (p * 2 if len(p) == 2 else p)


class RandomCrop(RandomTransform):
    """torchvision's ``RandomCrop(size, padding=None, pad_if_needed=False, fill=0,
    padding_mode="constant")``: pad each image by ``padding`` (an int for every side, (left/right,
    top/bottom) or (left, top, right, bottom)) with ``fill`` (or the ``padding_mode``: "edge",
    "reflect", "symmetric"), then cut a random ``size`` window (an int for square, or (h, w)) — the
    usual CIFAR/MNIST augmentation.  ``pad_if_needed`` pads an image smaller than ``size`` up to it."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant",
                 seed=None):
        super().__init__(seed)
        self.size = (int(size), int(size)) if np.isscalar(size) else tuple(int(s) for s in size)
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {_PAD_MODES}, got {padding_mode!r}")
        self.padding = _padding(padding, "RandomCrop")
        self.pad_if_needed, self.fill, self.padding_mode = bool(pad_if_needed), fill, padding_mode

    def __call__(self, x):
        a, wrap = as_batch(x, type(self).__name__)
        if any(self.padding):
            a = _pad(a, self.padding, self.fill, self.padding_mode)
        (h, w), (H, W) = self.size, a.shape[2:]
        if self.pad_if_needed and (h > H or w > W):
            dh, dw = max(h - H, 0), max(w - W, 0)
            a = _pad(a, (dw, dh, dw, dh), self.fill, self.padding_mode)
            H, W = a.shape[2:]
        if h > H or w > W:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded image {(H, W)}")
        rng = self.rng
        oy = rng.integers(0, H - h + 1, a.shape[0])
        ox = rng.integers(0, W - w + 1, a.shape[0])
        return wrap(_crop_at(a, oy, ox, h, w))

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomTranslation(RandomTransform):
    """Shift each image by whole pixels, independently in y and x, uniformly in [-max_shift, max_shift];
    vacated pixels get ``fill``.  Output (dy, dx) shift means ``out[y, x] = in[y - dy, x - dx]``."""

    def __init__(self, max_shift: int, fill=0.0, seed=None):
        super().__init__(seed)
        if max_shift < 0:
            raise ValueError(f"RandomTranslation: max_shift must be >= 0, got {max_shift}")
        self.max_shift, self.fill = int(max_shift), fill
        self.last_shifts = None  # (N, 2) of the last call, for inspection

    def __call__(self, x):
        a, wrap = as_batch(x, type(self).__name__)
        m, n = self.max_shift, a.shape[0]
        shifts = self.rng.integers(-m, m + 1, (n, 2))
        self.last_shifts = shifts
        H, W = a.shape[2:]
        padded = _pad(a, m, self.fill) if m else a
        return wrap(_crop_at(padded, m - shifts[:, 0], m - shifts[:, 1], H, W))

    def __repr__(self) -> str:
        return f"RandomTranslation(max_shift={self.max_shift})"


class RandomRotation(RandomTransform):
    """Rotate each image counter-clockwise by an angle (degrees) drawn uniformly from
    [-degrees, degrees] or from a (lo, hi) pair; ``interpolation`` "bilinear" or "nearest"."""

    def __init__(self, degrees, interpolation: str = "bilinear", fill=0.0, seed=None):
        super().__init__(seed)
        lo, hi = (-abs(degrees), abs(degrees)) if np.isscalar(degrees) else tuple(degrees)
        if lo > hi:
            raise ValueError(f"RandomRotation: degrees range ({lo}, {hi}) is empty")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"RandomRotation: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.degrees, self.interpolation, self.fill = (float(lo), float(hi)), interpolation, fill

    def __call__(self, x):
        a, wrap = as_batch(x, type(self).__name__)
        n, c, H, W = a.shape
        theta = np.deg2rad(self.rng.uniform(self.degrees[0], self.degrees[1], n))
        cos_sin = _on(a, np.stack([np.cos(theta), np.sin(theta)]))  # the one copy to the device
        cos, sin = cos_sin[0][:, None, None], cos_sin[1][:, None, None]
        dy, dx, cy, cx = _centred_axes(a)
        # inverse map: the source pixel of each output pixel (rotation by -theta, y pointing down)
        sx = cx + dx * cos - dy * sin
        sy = cy + dx * sin + dy * cos
        return wrap(_sample(a, sy, sx, self.interpolation, self.fill))

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation!r})"


def _centred_axes(a):
    """``(dy (1, H, 1), dx (1, 1, W), cy, cx)``: pixel coordinates of ``a``'s images relative to their centre
    ((H-1)/2, (W-1)/2), float64 on ``a``'s device (made there, not copied)."""
    xp = get_array_module(a)
    H, W = a.shape[2:]
    cy, cx = (H - 1) / 2.0, (W - 1) / 2.0
    return (xp.arange(H) - cy)[None, :, None], (xp.arange(W) - cx)[None, None, :], cy, cx


def _sample(a, sy, sx, interpolation: str, fill):
    """Sample ``a`` (N, C, H, W) at float source coordinates ``sy``/``sx`` ((N, H, W) arrays on ``a``'s
    device); everything is computed there (no host round trip)."""
    xp = get_array_module(a)
    n, c, H, W = a.shape
    ni = xp.arange(n).reshape(n, 1, 1, 1)
    ci = xp.arange(c).reshape(1, c, 1, 1)
    if interpolation != "nearest":
        a = _float(a)
    outside = xp.full((), fill, dtype=a.dtype)

    def gather(yi, xi):
        inside = (yi >= 0) & (yi < H) & (xi >= 0) & (xi < W)
        vals = a[ni, ci, xp.clip(yi, 0, H - 1)[:, None], xp.clip(xi, 0, W - 1)[:, None]]
        return xp.where(inside[:, None], vals, outside)

    if interpolation == "nearest":
        return gather(xp.floor(sy + 0.5).astype(xp.int64), xp.floor(sx + 0.5).astype(xp.int64))
    y0, x0 = xp.floor(sy), xp.floor(sx)
    wy, wx = (sy - y0).astype(a.dtype), (sx - x0).astype(a.dtype)
    y0, x0 = y0.astype(xp.int64), x0.astype(xp.int64)
    wy, wx = wy[:, None], wx[:, None]
    top = gather(y0, x0) * (1 - wx) + gather(y0, x0 + 1) * wx
    bottom = gather(y0 + 1, x0) * (1 - wx) + gather(y0 + 1, x0 + 1) * wx
    return top * (1 - wy) + bottom * wy


class GaussianNoise(RandomTransform):
    """Add ``N(mean, std**2)`` noise to every element (denoising autoencoders); ``clip=(lo, hi)``
    optionally clips the result, e.g. back to the [0, 1] image range."""

    def __init__(self, std: float, mean: float = 0.0, clip=None, seed=None):
        super().__init__(seed)
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std, self.mean, self.clip = float(std), float(mean), clip

    def __call__(self, x):
        is_tensor = isinstance(x, Tensor)
        a = _float(x.array if is_tensor else x)
        dt = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        noise = self.rng.standard_normal(a.shape, dtype=dt) * dt.type(self.std) + dt.type(self.mean)
        out = a + _on(a, noise.astype(a.dtype, copy=False))
        if self.clip is not None:
            out = get_array_module(out).clip(out, self.clip[0], self.clip[1])
        return Tensor._wrap(out) if is_tensor else out

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std}, mean={self.mean}, clip={self.clip})"
