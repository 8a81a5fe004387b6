"""More normalisation layers, as torch's: ``GroupNorm``, ``InstanceNorm1d``/``2d``/``3d`` and
``LocalResponseNorm``.

``GroupNorm(num_groups, num_channels)`` normalises each sample over each group of channels (and all
positions) and ``InstanceNorm`` each sample's channel over its positions; both are thin modules over
``F.group_norm`` / ``F.instance_norm`` (nn/functional_norms.py), with a per-channel affine (``weight`` ones, ``bias``
zeros; InstanceNorm's ``affine=False`` by default, as torch; torch 2's keyword-only ``bias=False`` keeps the
weight and drops the bias).  With ``track_running_stats=True``,
InstanceNorm keeps ``running_mean``/``running_var`` (the batch average of the instance statistics,
unbiased variance, updated with ``momentum``; ``momentum=None`` freezes them and
``num_batches_tracked`` stays 0) and normalises with them in evaluation, exactly as torch does.
``LocalResponseNorm`` divides each channel by ``(k + alpha / size * sum of squares over size
neighbouring channels) ** beta``, the window zero-padded as torch's.
"""
from __future__ import annotations

from . import functional as F
from ._nd import nd_classes
from .module import Module
from .parameter import optional_parameters
from .normalization import norm_repr, register_norm_state

__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm"]


class GroupNorm(Module):
    """Normalise (N, C, *) over groups of ``C // num_groups`` channels, then a per-channel affine."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} must be divisible by num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = int(num_groups), int(num_channels), float(eps), affine
        optional_parameters(self, affine, (num_channels,), device, dtype, weight=1.0)
        optional_parameters(self, affine and bias, (num_channels,), device, dtype, bias=0.0)

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected input of shape (N, {self.num_channels}, *), got {x.shape}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class _InstanceNorm(Module):
    """Instance norm over {shape} or unbatched (C, ...): each sample's channels normalised on their own."""

    nd = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        register_norm_state(self, num_features, affine, track_running_stats, device, dtype, bias)

    def forward(self, x):
        name, s = type(self).__name__, self.nd
        if x.ndim not in (s + 1, s + 2):
            raise ValueError(f"{name}: expected a {s + 1}-d (unbatched) or {s + 2}-d input, got shape {x.shape}")
        unbatched = x.ndim == s + 1
        if unbatched:
            x = x.reshape((1,) + tuple(x.shape))
        if x.shape[1] != self.num_features:
            raise ValueError(f"{name}: input of shape {x.shape} has {x.shape[1]} channels, expected {self.num_features}")
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum  # torch: no cumulative mode, no batch count
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            momentum, self.eps)
        return y.reshape(tuple(y.shape)[1:]) if unbatched else y

    def extra_repr(self) -> str:
        return norm_repr(self)


InstanceNorm1d, InstanceNorm2d, InstanceNorm3d = nd_classes(_InstanceNorm, "InstanceNorm{}d", __name__)


class LocalResponseNorm(Module):
    """``b_c = a_c / (k + alpha / size * sum_{c' near c} a_{c'}^2) ** beta`` over (N, C, *) inputs."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        if int(size) <= 0:
            raise ValueError(f"LocalResponseNorm: size must be positive, got {size}")
        self.size, self.alpha, self.beta, self.k = int(size), float(alpha), float(beta), float(k)

    def forward(self, x):
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
