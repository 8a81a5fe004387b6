"""SGD with optional heavy-ball momentum, dampening, Nesterov momentum and weight decay (L2), as in
``torch.optim.SGD``.

With ``d = g + weight_decay * p``::

    buf = d                                   (first step)
    buf = momentum * buf + (1 - dampening) * d (later steps)
    d   = d + momentum * buf   if nesterov else buf
    p  -= lr * d

This is the heavy-ball update of the course notes with the velocity scaled by ``1/lr`` (PyTorch's
convention, so changing lr mid-run does not rescale the accumulated velocity).  State: ``"momentum_buffer"``
(only when momentum != 0).
"""
import kernels
from kernels.optim_updates import FIRST, MAXIMIZE, NESTEROV, sgd_hparams

from ._state import HparamCache
from .fused import FusedOptimizer
from .optimizer import check_hyper, implementation_flags

__all__ = ["SGD"]


class SGD(FusedOptimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False, *,
    foreach=None, capturable=False, differentiable=False, fused=None)`` (see
    :func:`optim.optimizer.implementation_flags`)."""

    _counts_steps = False
    _nonnegative = ("momentum", "weight_decay")

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None, capturable=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hyper("dampening", group["dampening"], low=float("-inf"), owner="SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov momentum requires momentum > 0 and zero dampening, got momentum="
                f"{group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _state_spec(self, group):
        return (("momentum_buffer" if group["momentum"] != 0 else None, 0.0),)

    def _run_key(self, s):
        """Whether the run's momentum buffers start this step (torch's ``buf = d`` on the first step)."""
        return s is None or "momentum_buffer" not in s

    def _rule(self, group):
        hps = HparamCache(lambda dtype, _: sgd_hparams(dtype, lr=group["lr"], weight_decay=group["weight_decay"],
                                                       momentum=group["momentum"], dampening=group["dampening"]))
        flags = (MAXIMIZE if group["maximize"] else 0) | (NESTEROV if group["nesterov"] else 0)

        def update(dtype, first, p, grads, buf):
            kernels.sgd_update(p, grads, buf, hps.get(dtype), flags | (FIRST if first else 0))

        return update
