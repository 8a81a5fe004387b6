"""Adagrad, as in ``torch.optim.Adagrad``: per-coordinate step sizes shrinking with the accumulated
squared gradients.

With ``d = g + weight_decay * p`` at step ``t`` (1-based)::

    clr  = lr / (1 + (t - 1) * lr_decay)
    sum += d * d                      (sum starts at initial_accumulator_value)
    p   -= clr * d / (sqrt(sum) + eps)

State: ``"step"`` (int) and ``"sum"``.
"""
import kernels
from kernels.optim_updates import MAXIMIZE, adagrad_hparams

from ._state import HparamCache
from .fused import FusedOptimizer
from .optimizer import implementation_flags

__all__ = ["Adagrad"]


class Adagrad(FusedOptimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    maximize=False, *, foreach=None, capturable=False,
    differentiable=False, fused=None)`` (see :func:`optim.optimizer.implementation_flags`)."""

    _nonnegative = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None, capturable=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _state_spec(self, group):
        return (("sum", group["initial_accumulator_value"]),)

    def _rule(self, group):
        lr, lr_decay = group["lr"], group["lr_decay"]
        hps = HparamCache(lambda dtype, step: adagrad_hparams(dtype, clr=lr / (1 + (step - 1) * lr_decay),
                                                              weight_decay=group["weight_decay"], eps=group["eps"]))
        flags = MAXIMIZE if group["maximize"] else 0

        def update(dtype, step, p, grads, state_sum):
            kernels.adagrad_update(p, grads, state_sum, hps.get(dtype, step + 1), flags)

        return update
