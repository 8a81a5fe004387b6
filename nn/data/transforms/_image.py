"""What every image transform accepts, and how it hands its result back (shared helpers).

Accepted inputs, torchvision's conventions:

* a ``PIL.Image`` — one image, H x W (x C); the result is a PIL image again (datasets hand these to
  their ``transform``, so ``RandomCrop(32, padding=4)`` may come before ``ToTensor()`` as usual);
* a Tensor or a NumPy/CuPy array of shape (C, H, W) — one image; the result has the same kind;
* a Tensor or array of shape (N, C, H, W) — a batch (Kiln's extension for ``DataLoader(transform=)``):
  random transforms draw their parameters once per sample.

Inside, every transform works on an (N, C, H, W) array on the input's device.  Results keep the
input's dtype: integer images (uint8 PIL images, uint8 arrays) computed in floating point are
rounded and clipped back to the integer range, as torchvision does for uint8 tensors.  Any other
shape raises ``ValueError`` naming the transform and the shape.
"""
from __future__ import annotations

import numpy as np

from engine import Tensor
from engine.backend import device_of, get_array_module, to_device

__all__ = ["as_batch", "is_pil", "on_device_of", "floating", "max_value"]


def is_pil(x) -> bool:
    """True for a ``PIL.Image.Image`` (False when Pillow is not installed)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return False
    return isinstance(x, Image.Image)


def _restore(out, dtype):
    """``out`` in ``dtype``: floats rounded and clipped when ``dtype`` is an integer type."""
    if out.dtype == dtype:
        return out
    if np.dtype(dtype).kind in "ui":
        info = np.iinfo(dtype)
        xp = get_array_module(out)
        return xp.clip(xp.rint(out), info.min, info.max).astype(dtype)
    return out.astype(dtype)


def as_batch(x, name: str):
    """``(array (N, C, H, W), wrap)``: the input as a batch, and the function that turns a result
    (N, C, H', W') back into the caller's kind, shape convention and dtype."""
    if is_pil(x):
        from PIL import Image

        arr = np.asarray(x)
        if arr.dtype == bool:
            arr = arr.astype(np.uint8) * np.uint8(255)
        grey = arr.ndim == 2
        a = arr[None, None] if grey else arr.transpose(2, 0, 1)[None]

        def wrap_pil(out):
            out = np.asarray(_restore(out, arr.dtype))[0]
            return Image.fromarray(np.ascontiguousarray(out[0] if grey else out.transpose(1, 2, 0)))

        return a, wrap_pil
    is_tensor = isinstance(x, Tensor)
    a = x.array if is_tensor else x
    if not hasattr(a, "ndim") or not hasattr(a, "dtype"):
        raise TypeError(f"{name}: expected a PIL image, a Tensor or an array, got {type(x).__name__}")
    if a.ndim not in (3, 4):
        raise ValueError(f"{name}: expected an image (C, H, W), a batch (N, C, H, W) or a PIL image, "
                         f"got shape {tuple(a.shape)}")
    single, dtype = a.ndim == 3, a.dtype
    if single:
        a = a[None]

    def wrap(out):
        out = _restore(out, dtype)
        if single:
            out = out[0]
        return Tensor._wrap(out) if is_tensor else out

    return a, wrap


def on_device_of(a, arr):
    """A CPU array moved to the device of ``a``."""
    return to_device(arr, device_of(a))


def floating(a):
    """``a`` as floating point (float32 unless it already is floating)."""
    return a if a.dtype.kind == "f" else a.astype(np.float32)


def max_value(dtype) -> float:
    """The brightest value of an image of ``dtype``: 1.0 for floats (images in [0, 1]), else the
    integer type's maximum (255 for uint8), as torchvision."""
    return 1.0 if np.dtype(dtype).kind == "f" else float(np.iinfo(dtype).max)
