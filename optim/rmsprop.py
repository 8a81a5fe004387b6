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
from kernels.optim_updates import CENTERED, MAXIMIZE, SUPPORTED_DTYPES, rmsprop_hparams, rmsprop_update

from ._state import HparamCache, placeholder, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False, *, foreach=None, capturable=False,
    differentiable=False, fused=None)`` (see :func:`optim.optimizer.implementation_flags`)."""

    _dtypes = SUPPORTED_DTYPES

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 maximize=False, *, foreach=None, capturable=False, differentiable=False, fused=None):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        for k in ("alpha", "eps", "weight_decay", "momentum"):
            check_hyper(k, group[k], owner="RMSprop")

    def _update_group(self, group):
        momentum, centered = group["momentum"], group["centered"]
        hps = HparamCache(lambda dtype, _: rmsprop_hparams(
            dtype, lr=group["lr"], alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
            momentum=momentum))
        flags = (MAXIMIZE if group["maximize"] else 0) | (CENTERED if centered else 0)
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": zeros_like(p)}
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = zeros_like(p)
            if centered and "grad_avg" not in state:
                state["grad_avg"] = zeros_like(p)
            state["step"] += 1
            rmsprop_update(p.array, g, state["square_avg"], state["grad_avg"] if centered else placeholder(p),
                           state["momentum_buffer"] if momentum > 0 else placeholder(p), hps.get(p.dtype), flags)
            p._bump_version()
