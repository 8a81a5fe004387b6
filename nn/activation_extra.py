"""More of torch's activation modules over their functional forms: ``Softshrink``, ``Hardshrink``,
``Tanhshrink``, ``Threshold``, ``GLU``, ``RReLU``, ``Softmax2d`` and ``ChannelShuffle``.

Constructors are torch's (names, order, defaults).  ``inplace=True`` (Threshold, RReLU) writes the
result into the input as torch does (``nn/_inplace.py``).  ``RReLU`` draws a slope per element from
U(lower, upper) in training mode (NumPy's / CuPy's global generator) and uses ``(lower + upper) / 2``
in evaluation mode, as torch.
"""
from __future__ import annotations

from . import functional as F
from ._inplace import apply_maybe_inplace, inplace_repr
from .module import Module

__all__ = ["Softshrink", "Hardshrink", "Tanhshrink", "Threshold", "GLU", "RReLU", "Softmax2d", "ChannelShuffle"]


class Softshrink(Module):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):  # noqa: A002  (torch's name)
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``x`` where ``|x| > lambd``, else 0."""

    def forward(self, input):  # noqa: A002
        return F.hardshrink(input, self.lambd)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, input):  # noqa: A002
        return F.tanhshrink(input)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)

    def forward(self, input):  # noqa: A002
        return apply_maybe_inplace(input, self.inplace, "Threshold",
                                   lambda x: F.threshold(x, self.threshold, self.value))

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + inplace_repr(self.inplace)


class GLU(Module):
    """``a * sigmoid(b)`` where ``a, b`` are the halves of the input along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class RReLU(Module):
    """Randomised leaky ReLU (see the module docstring)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, bool(inplace)

    def forward(self, input):  # noqa: A002
        return apply_maybe_inplace(input, self.inplace, "RReLU",
                                   lambda x: F.rrelu(x, self.lower, self.upper, self.training))

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + inplace_repr(self.inplace)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of an (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):  # noqa: A002
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D (shape {tuple(input.shape)})")
        return F.softmax(input, -3)


class ChannelShuffle(Module):
    """Split the C channels (dim 1) into ``groups`` groups and interleave them (ShuffleNet)."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input):  # noqa: A002
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
