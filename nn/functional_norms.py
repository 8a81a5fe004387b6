"""torch's ``F.group_norm`` and ``F.instance_norm`` (re-exported by ``nn.functional``; ``nn.GroupNorm`` and
``nn.InstanceNorm1d/2d/3d`` are thin modules over them).

Both normalise on the fused ``F.layer_norm`` over a reshaped view ((N, groups, C / groups * positions) or
(N, C, positions)), then apply a per-channel affine (``weight``/``bias`` may each be None).
``instance_norm(use_input_stats=True)`` normalises each sample's channel with its own statistics and, when
``running_mean``/``running_var`` are given, updates them in place with ``momentum`` (the batch average of the
instance means and unbiased variances, as torch); ``use_input_stats=False`` normalises with the running ones.
"""
from __future__ import annotations

import numpy as np

from engine import Tensor, no_grad

from .functional import layer_norm  # functional.py imports this file at its end, after layer_norm

__all__ = ["group_norm", "instance_norm"]


def _per_channel(t, ndim):
    """A (C,) tensor shaped to broadcast over axis 1 of an ``ndim``-d input."""
    return t.reshape((t.shape[0],) + (1,) * (ndim - 2))


def channel_affine(y, weight, bias):
    """``y * weight + bias`` per channel (axis 1); either may be None."""
    if weight is not None:
        y = y * _per_channel(weight, y.ndim)
    if bias is not None:
        y = y + _per_channel(bias, y.ndim)
    return y


def _check_channel_params(op, x, **params):
    for name, t in params.items():
        if t is not None and tuple(t.shape) != (x.shape[1],):
            raise ValueError(f"{op}: {name} of shape {tuple(t.shape)} does not match the {x.shape[1]} channels of "
                             f"input {tuple(x.shape)}")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002  (torch's names)
    """Normalise (N, C, *) over groups of ``C // num_groups`` channels (and all positions), then a per-channel
    affine."""
    x = input
    if x.ndim < 2 or num_groups <= 0 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: expected an input (N, C, *) with C divisible by num_groups {num_groups}, "
                         f"got shape {tuple(x.shape)}")
    _check_channel_params("group_norm", x, weight=weight, bias=bias)
    per_group = int(np.prod(x.shape[1:])) // num_groups
    y = layer_norm(x.reshape(x.shape[0], num_groups, per_group), (per_group,), None, None, eps)
    return channel_affine(y.reshape(x.shape), weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each sample's channel of (N, C, *) over its positions (or with the running statistics when
    ``use_input_stats`` is False), then a per-channel affine."""
    x = input
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, *) with at least one spatial dim, got shape "
                         f"{tuple(x.shape)}")
    _check_channel_params("instance_norm", x, running_mean=running_mean, running_var=running_var, weight=weight,
                          bias=bias)
    n, c = x.shape[0], x.shape[1]
    m = int(np.prod(x.shape[2:]))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are needed when use_input_stats=False")
        y = (x - _per_channel(running_mean, x.ndim)) / (_per_channel(running_var, x.ndim) + eps).sqrt()
        return channel_affine(y, weight, bias)
    if m <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when using the input statistics, "
                         f"got input of shape {tuple(x.shape)}")
    flat = x.reshape(n, c, m)
    y = layer_norm(flat, (m,), None, None, eps).reshape(x.shape)
    if running_mean is not None and running_var is not None:
        _update_running(running_mean, running_var, flat.array, momentum)
    return channel_affine(y, weight, bias)


def _update_running(running_mean: Tensor, running_var: Tensor, arr, momentum) -> None:
    """``running = (1 - momentum) * running + momentum * batch average`` of the instance means/unbiased variances."""
    with no_grad():
        mean = arr.mean(axis=(0, 2))
        var = arr.var(axis=2, ddof=1).mean(axis=0)
        for running, stat in ((running_mean.array, mean), (running_var.array, var)):
            running *= 1 - momentum
            running += momentum * stat.astype(running.dtype, copy=False)
