"""RMSprop, as in ``torch.optim.RMSprop`` (Hinton's rule, with PyTorch's options).

With ``d = g + weight_decay * p``::

    square_avg = alpha * square_avg + (1 - alpha) * d * d
    centered:  grad_avg = alpha * grad_avg + (1 - alpha) * d;  avg = sqrt(square_avg - grad_avg**2) + eps
    else:      avg = sqrt(square_avg) + eps
    momentum > 0:  buf = momentum * buf + d / avg;  p -= lr * buf
    else:          p -= lr * d / avg

Note ``eps`` is added outside the square root (PyTorch's convention).  State: ``"step"``, ``"square_avg"``,
``"momentum_buffer"`` (momentum > 0), ``"grad_avg"`` (centered).
"""
import kernels
from kernels.optim_updates import CENTERED, MAXIMIZE, rmsprop_hparams

from ._state import HparamCache
from .fused import FusedOptimizer
from .optimizer import implementation_flags

__all__ = ["RMSprop"]


class RMSprop(FusedOptimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False, *, foreach=None, capturable=False,
    differentiable=False, fused=None)`` (see :func:`optim.optimizer.implementation_flags`)."""

    _nonnegative = ("alpha", "eps", "weight_decay", "momentum")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False, *, fused=None):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _state_spec(self, group):
        """In torch's state order (``square_avg``, ``momentum_buffer``, ``grad_avg``)."""
        return (("square_avg", 0.0), ("momentum_buffer" if group["momentum"] > 0 else None, 0.0),
                ("grad_avg" if group["centered"] else None, 0.0))

    def _run_key(self, s):
        """None: the update does not depend on the step count, so one run spans every parameter with a gradient."""
        return None

    def _rule(self, group):
        hps = HparamCache(lambda dtype, _: rmsprop_hparams(
            dtype, lr=group["lr"], alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
            momentum=group["momentum"]))
        flags = (MAXIMIZE if group["maximize"] else 0) | (CENTERED if group["centered"] else 0)

        def update(dtype, _, p, grads, square_avg, momentum_buffer, grad_avg):
            kernels.rmsprop_update(p, grads, square_avg, grad_avg, momentum_buffer, hps.get(dtype), flags)

        return update
