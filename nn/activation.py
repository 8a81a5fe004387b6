"""Activation layers: every activation of DESIGN.md as a Module (the functional forms live in
``nn.functional``).  ``PReLU`` is the only one with a parameter: ``weight`` of shape
(num_parameters,), initialised to 0.25 as PyTorch; with more than one parameter it applies per
channel (axis 1).  ``Softmax``/``LogSoftmax`` take NumPy's ``axis`` (default -1)."""
from __future__ import annotations

import engine

from . import functional as F
from .module import Module, Parameter

__all__ = [
    "Identity", "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SiLU", "Swish", "Mish", "Softplus", "Softsign",
    "Sigmoid", "Tanh", "LogSigmoid", "Sinc", "HardThreshold", "Step", "AbsRectifier", "Hardtanh", "Softmax",
    "LogSoftmax",
]


class Identity(Module):
    """Returns its input (accepts and ignores any constructor arguments, as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


def _simple(name, fn, doc):
    cls = type(name, (Module,), {"forward": lambda self, x: fn(x), "__doc__": doc, "__module__": __name__})
    return cls


ReLU = _simple("ReLU", F.relu, "max(x, 0)")
ReLU6 = _simple("ReLU6", F.relu6, "min(max(x, 0), 6)")
SiLU = _simple("SiLU", F.silu, "x * sigmoid(x)")
Swish = SiLU
Mish = _simple("Mish", F.mish, "x * tanh(softplus(x))")
Softsign = _simple("Softsign", F.softsign, "x / (1 + |x|)")
Sigmoid = _simple("Sigmoid", F.sigmoid, "1 / (1 + exp(-x))")
Tanh = _simple("Tanh", F.tanh, "tanh(x)")
LogSigmoid = _simple("LogSigmoid", F.log_sigmoid, "log(sigmoid(x)), stable")
Sinc = _simple("Sinc", F.sinc, "sin(x) / x, 1 at 0")
AbsRectifier = _simple("AbsRectifier", F.abs_rectifier, "|x|")


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = int(num_parameters)
        self.weight = Parameter(engine.full((self.num_parameters,), init, dtype=dtype, device=device))

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class HardThreshold(Module):
    """Binary step: 1 where x >= threshold, else 0 (zero gradient)."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def forward(self, x):
        return F.hard_threshold(x, self.threshold)

    def extra_repr(self):
        return f"threshold={self.threshold}"


Step = HardThreshold


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        super().__init__()
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softmax(Module):
    """torch's ``nn.Softmax(dim=None)``: without ``dim``, torch's legacy implicit dim (with its warning);
    NumPy's ``axis=`` is accepted as an alias."""

    def __init__(self, dim=None, *, axis=None):
        super().__init__()
        self.dim = dim if axis is None else axis

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)
