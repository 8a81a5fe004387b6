"""``Linear``: ``y = x @ W.T + b`` with PyTorch's layout (``weight`` (out, in), ``bias`` (out,)) and
PyTorch's default initialisation (``kaiming_uniform_(a=sqrt(5))`` for the weight, i.e.
U(-1/sqrt(in), 1/sqrt(in)), and the same bound for the bias).  One fused graph node per call.

``Bilinear``: ``y[..., o] = x1 @ W[o] @ x2 + b[o]`` (``F.bilinear``) with torch's layout (``weight``
(out, in1, in2), ``bias`` (out,)) and torch's initialisation: weight and bias from U(-1/sqrt(in1),
1/sqrt(in1)).  The two inputs must have the same leading (batch) dims; unbatched 1-d inputs work."""
from __future__ import annotations

import math

import engine

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["Linear", "Bilinear"]


class Linear(Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: feature counts must be non-negative, got ({in_features}, {out_features})")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(engine.zeros(out_features, in_features, dtype=dtype, device=device))
        optional_parameters(self, bias, (out_features,), device, dtype, bias=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        if min(in1_features, in2_features, out_features) <= 0:
            raise ValueError(f"Bilinear: feature counts must be positive, got in1_features={in1_features}, "
                             f"in2_features={in2_features}, out_features={out_features}")
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        self.weight = Parameter(engine.zeros(out_features, in1_features, in2_features, dtype=dtype, device=device))
        optional_parameters(self, bias, (out_features,), device, dtype, bias=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
            raise RuntimeError(f"Bilinear: input batch dimensions do not match: input1 {tuple(input1.shape)}, "
                               f"input2 {tuple(input2.shape)}")
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
