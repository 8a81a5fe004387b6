"""Image grids for the generative examples: torchvision's ``make_grid``/``save_image`` layout, in NumPy.

``make_grid(images, nrow=8, padding=2, pad_value=0.0)`` tiles a batch (N, C, H, W) (C = 1 or 3) into one
(C, rows * (H + padding) + padding, nrow * (W + padding) + padding) array, as torchvision does;
``save_image(images, path, ...)`` writes that grid as an 8-bit PNG through Pillow, atomically (a temporary
file in the same folder, then ``os.replace``), so an interrupted run never leaves a half-written picture.
Pixel values are clipped to ``value_range`` (default (0, 1)) and scaled to 0..255; pass ``(-1, 1)`` for a
Tanh generator's output.  Tensors or NumPy arrays are accepted.
"""
from __future__ import annotations

import math
import os
import tempfile

import numpy as np


def _as_array(images) -> np.ndarray:
    arr = images.numpy() if hasattr(images, "numpy") else np.asarray(images)
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] not in (1, 3) or arr.shape[0] == 0:
        raise ValueError(f"make_grid: expected a non-empty batch (N, 1 or 3, H, W), got shape {arr.shape}")
    return arr


def make_grid(images, nrow: int = 8, padding: int = 2, pad_value: float = 0.0) -> np.ndarray:
    """A (C, H_grid, W_grid) array tiling ``images`` row by row, ``nrow`` images per row."""
    arr = _as_array(images)
    n, c, h, w = arr.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, np.float32)
    for k in range(n):
        r, q = divmod(k, cols)
        top, left = padding + r * (h + padding), padding + q * (w + padding)
        grid[:, top:top + h, left:left + w] = arr[k]
    return grid


def save_image(images, path, nrow: int = 8, padding: int = 2, value_range=(0.0, 1.0)) -> str:
    """Write ``images`` as one PNG grid at ``path`` (atomic); returns the path."""
    from PIL import Image

    lo, hi = value_range
    if not hi > lo:
        raise ValueError(f"save_image: value_range must be (low, high) with high > low, got {value_range}")
    grid = make_grid(images, nrow=nrow, padding=padding, pad_value=lo)
    pixels = np.round((np.clip(grid, lo, hi) - lo) / (hi - lo) * 255.0).astype(np.uint8)
    picture = Image.fromarray(pixels[0] if pixels.shape[0] == 1 else pixels.transpose(1, 2, 0))
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".png")
    try:
        with os.fdopen(fd, "wb") as f:
            picture.save(f, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return str(path)
