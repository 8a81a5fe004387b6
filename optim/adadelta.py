"""Adadelta (Zeiler 2012), as in ``torch.optim.Adadelta``: step sizes from the ratio of two running RMS
averages, so that the update has the units of the parameter.

With ``d = g + weight_decay * p`` (``-g`` when maximizing)::

    square_avg = rho * square_avg + (1 - rho) * d * d
    delta      = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * d
    acc_delta  = rho * acc_delta + (1 - rho) * delta * delta
    p         -= lr * delta

State: ``"step"``, ``"square_avg"``, ``"acc_delta"``.  NumPy/CuPy array operations on ``p.array`` (no fused
kernel for this family); every floating parameter dtype is accepted.
"""
from ._state import effective_grad, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
    maximize=False, differentiable=False)`` (see :func:`optim.optimizer.implementation_flags`)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        **implementation_flags("Adadelta", foreach, None, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hyper("rho value", group["rho"], high=1.0, high_inclusive=True, owner="Adadelta")
        check_hyper("epsilon value", group["eps"], owner="Adadelta")
        check_hyper("weight_decay value", group["weight_decay"], owner="Adadelta")

    def _update_group(self, group):
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": zeros_like(p), "acc_delta": zeros_like(p)}
            d = effective_grad(p, g, group["maximize"], group["weight_decay"])
            sq, acc = state["square_avg"], state["acc_delta"]
            sq *= rho
            sq += (1 - rho) * d * d
            delta = ((acc + eps) ** 0.5) / ((sq + eps) ** 0.5) * d
            acc *= rho
            acc += (1 - rho) * delta * delta
            p.array -= lr * delta
            state["step"] += 1
            p._bump_version()
