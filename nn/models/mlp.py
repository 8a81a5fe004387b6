"""``MLP(widths, activation="relu")``: Linear layers of the given widths with an activation between
them (none after the last), optionally with dropout and batch norm.  ``MLP([784, 256, 128, 10])`` is
``Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))``, with the same
state-dict keys (``"0.weight"``, ``"2.weight"``, ...) as that PyTorch Sequential."""
from __future__ import annotations

from ..containers import Sequential
from ..dropout import Dropout
from ..linear import Linear
from ..normalization import BatchNorm1d
from ._common import make_activation

__all__ = ["MLP"]


class MLP(Sequential):
    def __init__(self, widths, activation="relu", dropout: float = 0.0, batch_norm: bool = False,
                 output_activation=None, bias: bool = True):
        widths = [int(w) for w in widths]
        if len(widths) < 2 or any(w <= 0 for w in widths):
            raise ValueError(f"MLP: widths needs at least two positive sizes (input, ..., output), got {widths}")
        layers = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(Linear(a, b, bias=bias))
            if i < len(widths) - 2:
                if batch_norm:
                    layers.append(BatchNorm1d(b))
                layers.append(make_activation(activation))
                if dropout:
                    layers.append(Dropout(dropout))
        if output_activation is not None:
            layers.append(make_activation(output_activation))
        super().__init__(*layers)
        self.widths = tuple(widths)
