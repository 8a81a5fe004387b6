"""Gradient clipping in place: ``clip_grad_norm_`` (rescale all gradients together so their joint norm is at
most ``max_norm``) and ``clip_grad_value_`` (clamp each element), as in ``torch.nn.utils``.

``clip_grad_norm_`` returns the total norm measured *before* clipping as a 0-d Tensor on the gradients'
device (no host synchronisation unless ``error_if_nonfinite``); ``float(result)`` gives the number.
Like PyTorch it multiplies by ``min(1, max_norm / (total + 1e-6))``, so gradients already inside the
ball are left as they are.  Each write bumps the gradient tensor's version counter (in-place write).
"""
from __future__ import annotations

import math

from engine.backend import get_array_module
from engine.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grad_tensors(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; return the joint norm before clipping (``norm_type`` may be ``inf``)."""
    max_norm, norm_type = float(max_norm), float(norm_type)
    if math.isnan(max_norm) or max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be non-negative, got {max_norm!r}")
    if not (norm_type > 0 or math.isinf(norm_type)):
        raise ValueError(f"clip_grad_norm_: norm_type must be positive or inf, got {norm_type!r}")
    grad_tensors = _grad_tensors(parameters)
    grads = [t.array for t in grad_tensors]
    if not grads:
        return Tensor._wrap(get_array_module(None).zeros((), dtype="float32"))
    xp = get_array_module(grads[0])
    if math.isinf(norm_type):
        norms = xp.stack([xp.max(xp.abs(g)) if g.size else xp.zeros((), g.dtype) for g in grads])
        total = xp.max(norms)
    else:
        norms = xp.stack([xp.linalg.norm(g.reshape(-1), ord=norm_type) for g in grads])
        total = xp.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({float(total)}), "
            "so they cannot be clipped; pass error_if_nonfinite=False to clip anyway"
        )
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for t, g in zip(grad_tensors, grads):
        g *= coef.astype(g.dtype)
        t._bump_version()
    return Tensor._wrap(xp.asarray(total))


def clip_grad_value_(parameters, clip_value) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    if math.isnan(clip_value) or clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value!r}")
    for t in _grad_tensors(parameters):
        get_array_module(t.array).clip(t.array, -clip_value, clip_value, out=t.array)
        t._bump_version()
