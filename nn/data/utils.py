"""Image utilities, torchvision's ``utils``: ``make_grid`` tiles a batch of images, ``save_image``
writes one as a PNG (or any format Pillow knows) — e.g. the sample grid of a VAE or a GAN.

``make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
pad_value=0.0)`` takes a batch (B, C, H, W), one image (C, H, W) or (H, W), or a list of
same-shaped (C, H, W) images; one-channel images become three grey channels, as in torchvision.
Images are laid out ``nrow`` per row, left to right then top to bottom, with ``padding`` pixels of
``pad_value`` around and between them: the grid is (3 or C, rows * (H + padding) + padding,
min(nrow, B) * (W + padding) + padding).  ``normalize=True`` maps ``value_range`` (default: the
min and max of the whole batch, or of each image with ``scale_each``) linearly to [0, 1], clipped.
A batch of one image is returned as that image (after the channel rule), like torchvision.

``save_image(tensor, fp, format=None, **grid_kwargs)`` makes the grid, turns [0, 1] floats into
uint8 by ``floor(x * 255 + 0.5)`` clipped to 0..255, and saves it through Pillow.  A path is
written atomically (a temporary file next to it, renamed over it); a file object is written to
directly (``format`` is then needed unless Pillow can tell it from the object's name).
"""
from __future__ import annotations

import os

import numpy as np

from engine import Tensor
from engine.archive import atomic_write
from engine.backend import to_numpy

__all__ = ["make_grid", "save_image"]


def _as_array(tensor) -> np.ndarray:
    if isinstance(tensor, (list, tuple)):
        if not tensor:
            raise ValueError("make_grid: got an empty list of images")
        parts = [_as_array(t) for t in tensor]
        shapes = {p.shape for p in parts}
        if len(shapes) > 1:
            raise ValueError(f"make_grid: the images have different shapes {sorted(shapes)}")
        return np.stack(parts)
    a = tensor.array if isinstance(tensor, Tensor) else tensor
    if not hasattr(a, "ndim"):
        raise TypeError(f"make_grid: expected a Tensor, an array or a list of them, got {type(tensor).__name__}")
    return np.asarray(to_numpy(a))


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """The images of ``tensor`` tiled into one image (C, H', W') (see the module docstring)."""
    a = _as_array(tensor)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        a = (np.concatenate([a, a, a]) if a.shape[0] == 1 else a)[None]
    if a.ndim != 4:
        raise ValueError(f"make_grid: expected (B, C, H, W), (C, H, W) or (H, W), got shape {a.shape}")
    if a.shape[1] == 1:
        a = np.concatenate([a, a, a], axis=1)
    if int(nrow) < 1 or int(padding) < 0:
        raise ValueError(f"make_grid: nrow must be >= 1 and padding >= 0, got nrow={nrow}, padding={padding}")
    if a.dtype.kind != "f":
        a = a.astype(np.float32)
    if normalize:
        a = a.copy()

        def norm(x, lo, hi):
            np.clip(x, lo, hi, out=x)
            x -= lo
            x /= max(hi - lo, 1e-5)

        for x in (a if scale_each else [a]):
            lo, hi = value_range if value_range is not None else (float(x.min()), float(x.max()))
            norm(x, float(lo), float(hi))
    if a.shape[0] == 1:
        return Tensor._wrap(a[0])
    b, c, h, w = a.shape
    cols = min(int(nrow), b)
    rows = -(-b // cols)
    p = int(padding)
    grid = np.full((c, rows * (h + p) + p, cols * (w + p) + p), pad_value, dtype=a.dtype)
    for k in range(b):
        y, x = divmod(k, cols)
        top, left = y * (h + p) + p, x * (w + p) + p
        grid[:, top : top + h, left : left + w] = a[k]
    return Tensor._wrap(grid)


def save_image(tensor, fp, format: str | None = None, **grid_kwargs) -> None:
    """Save ``tensor`` (images in [0, 1]) as one image file through Pillow (see the module docstring)."""
    from PIL import Image

    grid = make_grid(tensor, **grid_kwargs).array
    pixels = np.clip(np.floor(grid * 255 + 0.5), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if isinstance(fp, (str, os.PathLike)):
        fmt = format or Image.registered_extensions().get(os.path.splitext(os.fspath(fp))[1].lower())
        if fmt is None:
            raise ValueError(f"save_image: cannot tell the image format of {os.fspath(fp)!r} from its extension; "
                             "pass format= (e.g. 'PNG')")
        atomic_write(fp, lambda f: image.save(f, format=fmt))
    else:
        image.save(fp, format=format)
