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
from kernels.optim_updates import FIRST, MAXIMIZE, NESTEROV, SUPPORTED_DTYPES, sgd_hparams, sgd_update

from ._state import HparamCache, placeholder, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False, *,
    foreach=None, capturable=False, differentiable=False, fused=None)`` (see
    :func:`optim.optimizer.implementation_flags`)."""

    _dtypes = SUPPORTED_DTYPES

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 maximize=False, *, foreach=None, capturable=False, differentiable=False, fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        for k in ("momentum", "weight_decay"):
            check_hyper(k, group[k], owner="SGD")
        check_hyper("dampening", group["dampening"], low=float("-inf"), owner="SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov momentum requires momentum > 0 and zero dampening, got momentum="
                f"{group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update_group(self, group):
        momentum = group["momentum"]
        hps = HparamCache(lambda dtype, _: sgd_hparams(dtype, lr=group["lr"], weight_decay=group["weight_decay"],
                                                       momentum=momentum, dampening=group["dampening"]))
        flags = (MAXIMIZE if group["maximize"] else 0) | (NESTEROV if group["nesterov"] else 0)
        for p, g in self._grads(group):
            if momentum != 0:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = zeros_like(p)
                    sgd_update(p.array, g, buf, hps.get(p.dtype), flags | FIRST)
                    p._bump_version()
                    continue
            else:
                buf = placeholder(p)
            sgd_update(p.array, g, buf, hps.get(p.dtype), flags)
            p._bump_version()
