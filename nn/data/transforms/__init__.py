"""``nn.data.transforms``: image and data transforms in torchvision's shapes, plus batch augmentation.

What a transform takes: a PIL image (what the datasets hand to ``transform=``), one image (C, H, W)
or a batch (N, C, H, W) as a Tensor or NumPy/CuPy array; it returns the same kind (see
:mod:`._image`).  Random transforms take ``seed=`` and draw per sample on batches (:mod:`.batch`).

* conversions: ``ToTensor``, ``PILToTensor``, ``Lambda``, ``Compose``, ``Normalize`` (also on (N, d)
  tabular data);
* geometry (:mod:`.geometry`): ``Resize``, ``CenterCrop``, ``RandomCrop``, ``RandomResizedCrop``,
  ``RandomHorizontalFlip``, ``RandomAffine``, ``RandomRotation``, ``RandomTranslation``;
* pixel values (:mod:`.tensor`): ``ColorJitter``, ``GaussianBlur``, ``GaussianNoise``.
"""
from .batch import (
    Compose,
    GaussianNoise,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomTransform,
    RandomTranslation,
)
from .geometry import CenterCrop, InterpolationMode, RandomAffine, RandomResizedCrop, Resize
from .tensor import ColorJitter, GaussianBlur, Lambda, PILToTensor, ToTensor

__all__ = [
    "Compose", "Normalize", "ToTensor", "PILToTensor", "Lambda",
    "Resize", "CenterCrop", "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip", "RandomAffine",
    "RandomRotation", "RandomTranslation", "InterpolationMode",
    "ColorJitter", "GaussianBlur", "GaussianNoise", "RandomTransform",
]
