"""Adam and AdamW, as in ``torch.optim.Adam`` / ``torch.optim.AdamW``.

At step ``t`` (1-based), with ``d = g`` (AdamW) or ``d = g + weight_decay * p`` (Adam's L2 penalty)::

    p  *= 1 - lr * weight_decay        (AdamW only: decoupled weight decay, Loshchilov & Hutter)
    m   = beta1 * m + (1 - beta1) * d
    v   = beta2 * v + (1 - beta2) * d * d
    vmax = max(vmax, v);  v = vmax      (amsgrad)
    p  -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

State: ``"step"``, ``"exp_avg"``, ``"exp_avg_sq"``, ``"max_exp_avg_sq"`` (amsgrad).  The whole rule is one
fused kernel (``kernels.adam_update``) per parameter group over its flat buffers (``optim/fused.py``), its
hyperparameters packed once per group and step count.
"""
import kernels
from kernels.optim_updates import AMSGRAD, MAXIMIZE, adam_hparams

from ._state import HparamCache, check_adam_group
from .fused import FusedOptimizer
from .optimizer import implementation_flags

__all__ = ["Adam", "AdamW"]


class Adam(FusedOptimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, foreach=None,
    maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False)`` (the
    implementation switches are described in :func:`optim.optimizer.implementation_flags`);
    ``decoupled_weight_decay=True`` is AdamW's rule, as in torch >= 2.6."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=bool(decoupled_weight_decay),
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_adam_group(type(self).__name__, group)

    def _state_spec(self, group):
        return (("exp_avg", 0.0), ("exp_avg_sq", 0.0), ("max_exp_avg_sq" if group["amsgrad"] else None, 0.0))

    def _rule(self, group):
        beta1, beta2 = group["betas"]
        hps = HparamCache(lambda dtype, step: adam_hparams(
            dtype, step=step, lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
            weight_decay=group["weight_decay"], decoupled=group.get("decoupled_weight_decay", self.defaults["decoupled_weight_decay"])))
        flags = (MAXIMIZE if group["maximize"] else 0) | (AMSGRAD if group["amsgrad"] else 0)

        def update(dtype, step, p, grads, m, v, vmax):
            kernels.adam_update(p, grads, m, v, vmax, hps.get(dtype, step + 1), flags)

        return update


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False,
    foreach=None, capturable=False, differentiable=False, fused=None)``: Adam with decoupled weight decay
    (``p *= 1 - lr * weight_decay`` before the Adam step): ``Adam(..., decoupled_weight_decay=True)``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
