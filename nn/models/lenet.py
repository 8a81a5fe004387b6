"""``LeNet5``: LeCun's LeNet-5 for 28x28 (MNIST) or 32x32 inputs, in its common modern form:

    conv 5x5 (6) -> act -> pool 2 -> conv 5x5 (16) -> act -> pool 2 -> flatten
    -> linear 400->120 -> act -> linear 120->84 -> act -> linear 84->num_classes

The first convolution pads by 2 for 28x28 inputs (``padding=None`` picks 2 for 28, 0 for 32), so
both sizes reach the 16x5x5 feature map.  ``activation`` (default ReLU; ``"tanh"`` for the original)
and ``pool`` (``"max"`` default, ``"avg"`` original) are configurable.  Keys: ``features.0.weight``
(6, in, 5, 5) ... ``classifier.4.bias``.
"""
from __future__ import annotations

from ..containers import Sequential
from ..conv import Conv2d
from ..flatten import Flatten
from ..linear import Linear
from ..module import Module
from ..pooling import AvgPool2d, MaxPool2d
from ._common import make_activation

__all__ = ["LeNet5"]


class LeNet5(Module):
    def __init__(self, num_classes: int = 10, in_channels: int = 1, activation="relu", pool: str = "max",
                 input_size: int = 28):
        super().__init__()
        if pool not in ("max", "avg"):
            raise ValueError(f"LeNet5: pool must be 'max' or 'avg', got {pool!r}")
        if input_size not in (28, 32):
            raise ValueError(f"LeNet5: input_size must be 28 or 32, got {input_size}")
        Pool = MaxPool2d if pool == "max" else AvgPool2d
        self.input_size = input_size
        self.features = Sequential(
            Conv2d(in_channels, 6, 5, padding=2 if input_size == 28 else 0),
            make_activation(activation),
            Pool(2),
            Conv2d(6, 16, 5),
            make_activation(activation),
            Pool(2),
        )
        self.flatten = Flatten()
        self.classifier = Sequential(
            Linear(16 * 5 * 5, 120),
            make_activation(activation),
            Linear(120, 84),
            make_activation(activation),
            Linear(84, num_classes),
        )

    def forward(self, x):
        if x.ndim != 4 or x.shape[2:] != (self.input_size, self.input_size):
            raise ValueError(
                f"LeNet5: expected input (N, C, {self.input_size}, {self.input_size}), got {x.shape}"
            )
        return self.classifier(self.flatten(self.features(x)))
