"""Adam and AdamW, as in ``torch.optim.Adam`` / ``torch.optim.AdamW``.

At step ``t`` (1-based), with ``d = g`` (AdamW) or ``d = g + weight_decay * p`` (Adam's L2 penalty)::

    p  *= 1 - lr * weight_decay        (AdamW only: decoupled weight decay, Loshchilov & Hutter)
    m   = beta1 * m + (1 - beta1) * d
    v   = beta2 * v + (1 - beta2) * d * d
    vmax = max(vmax, v);  v = vmax      (amsgrad)
    p  -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

State: ``"step"``, ``"exp_avg"``, ``"exp_avg_sq"``, ``"max_exp_avg_sq"`` (amsgrad).  The whole rule is one
fused kernel per parameter (``kernels.optim_updates.adam_update``), its hyperparameters packed once per group.
"""
from kernels.optim_updates import AMSGRAD, MAXIMIZE, SUPPORTED_DTYPES, adam_hparams, adam_update

from ._state import HparamCache, check_betas, placeholder, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, foreach=None,
    maximize=False, capturable=False, differentiable=False, fused=None)`` (the implementation switches are
    described in :func:`optim.optimizer.implementation_flags`)."""

    _decoupled = False
    _dtypes = SUPPORTED_DTYPES

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        owner = type(self).__name__
        check_betas(owner, group["betas"])
        check_hyper("epsilon value", group["eps"], owner=owner)
        check_hyper("weight_decay value", group["weight_decay"], owner=owner)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        amsgrad = group["amsgrad"]
        hps = HparamCache(lambda dtype, step: adam_hparams(
            dtype, step=step, lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
            weight_decay=group["weight_decay"], decoupled=self._decoupled))
        flags = (MAXIMIZE if group["maximize"] else 0) | (AMSGRAD if amsgrad else 0)
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)}
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = zeros_like(p)
            state["step"] += 1
            adam_update(p.array, g, state["exp_avg"], state["exp_avg_sq"],
                        state["max_exp_avg_sq"] if amsgrad else placeholder(p), hps.get(p.dtype, state["step"]), flags)
            p._bump_version()


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False,
    foreach=None, capturable=False, differentiable=False, fused=None)``: Adam with decoupled weight decay
    (``p *= 1 - lr * weight_decay`` before the Adam step)."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused)
