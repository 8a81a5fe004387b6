"""``Linear``: ``y = x @ W.T + b`` with PyTorch's layout (``weight`` (out, in), ``bias`` (out,)) and
PyTorch's default initialisation (``kaiming_uniform_(a=sqrt(5))`` for the weight, i.e.
U(-1/sqrt(in), 1/sqrt(in)), and the same bound for the bias).  One fused graph node per call."""
from __future__ import annotations


import engine

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["Linear"]


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
