"""Normalisation layers: ``BatchNorm1d`` ((N, C) or (N, C, L)), ``BatchNorm2d`` ((N, C, H, W)),
``BatchNorm3d`` ((N, C, D, H, W)), ``LayerNorm`` and ``RMSNorm`` (over the trailing ``normalized_shape`` axes).

BatchNorm follows PyTorch exactly: parameters ``weight`` (ones) and ``bias`` (zeros) when
``affine`` (torch 2's keyword-only ``bias=False``: a weight and no bias); buffers ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked``
(int64 0-d) when ``track_running_stats``.  Training normalises with the batch statistics and updates
``running = (1 - momentum) * running + momentum * batch`` (unbiased batch variance);
``momentum=None`` gives the cumulative average ``1 / num_batches_tracked``.  Evaluation normalises
with the running statistics (or the batch's when they are not tracked).
"""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "RMSNorm"]


def register_norm_state(module, num_features, affine, track_running_stats, device=None, dtype=None, bias=True) -> None:
    """torch's per-channel state of a batch/instance norm: ``weight``/``bias`` (ones/zeros, or None without
    ``affine``; no bias with ``bias=False``) and the ``running_mean``/``running_var``/``num_batches_tracked``
    buffers (or None)."""
    optional_parameters(module, affine, (num_features,), device, dtype, weight=1.0)
    optional_parameters(module, affine and bias, (num_features,), device, dtype, bias=0.0)
    if track_running_stats:
        module.register_buffer("running_mean", engine.zeros(num_features, dtype=dtype, device=device))
        module.register_buffer("running_var", engine.ones(num_features, dtype=dtype, device=device))
        module.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, dtype=np.int64)))
    else:
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            module.register_buffer(name, None)


class _BatchNorm(Module):
    _ndims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        register_norm_state(self, num_features, affine, track_running_stats, device, dtype, bias)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x):
        if x.ndim not in self._ndims:
            raise ValueError(
                f"{type(self).__name__}: expected a {' or '.join(f'{d}-d' for d in self._ndims)} input, "
                f"got shape {x.shape}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: input of shape {x.shape} has {x.shape[1]} channels, "
                f"expected {self.num_features}"
            )
        use_batch = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked.array)
        update = self.training and self.track_running_stats
        return F.batch_norm(
            x,
            self.running_mean if (update or not use_batch) else None,
            self.running_var if (update or not use_batch) else None,
            self.weight,
            self.bias,
            use_batch,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return norm_repr(self)


def norm_repr(module) -> str:
    """torch's extra_repr of a batch/instance norm (torch 2's ``bias=`` says whether there is a bias)."""
    return (f"{module.num_features}, eps={module.eps}, momentum={module.momentum}, affine={module.affine}, "
            f"bias={module.bias is not None}, track_running_stats={module.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel."""

    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) inputs, per channel."""

    _ndims = (5,)


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` axes; ``weight`` ones, ``bias``
    zeros (``elementwise_affine``)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = tuple(int(s) for s in ns), float(eps), elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(engine.ones(self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(engine.zeros(self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` axes, as torch's RMSNorm;
    ``weight`` ones (``elementwise_affine``); ``eps=None`` is the machine epsilon of the input's computation
    type, as torch (see ``F.rms_norm``)."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine: bool = True, device=None, dtype=None):
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape, self.eps = tuple(int(s) for s in ns), None if eps is None else float(eps)
        self.elementwise_affine = elementwise_affine
        optional_parameters(self, elementwise_affine, self.normalized_shape, device, dtype, weight=1.0)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
