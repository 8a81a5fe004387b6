"""Averaged SGD (Polyak & Juditsky 1992; Bottou's ASGD), as in ``torch.optim.ASGD``.

With ``d = g + weight_decay * p`` (``-g`` when maximizing) at step ``t`` (1-based)::

    p   *= 1 - lambd * eta;   p -= eta * d
    ax   = p                 if mu == 1   (before averaging starts at t0)
    ax  += mu * (p - ax)     otherwise    (the running average of the iterates)
    eta  = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

The parameters themselves follow the SGD iterates; the average lives in ``state[p]["ax"]`` (copy it into
the parameters to evaluate the averaged model, as with torch).  State: ``"step"``, floats ``"eta"`` and
``"mu"``, array ``"ax"``.
"""
from ._state import effective_grad, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
    differentiable=False, capturable=False)``."""

    _scalar_state = ("eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize,
                        **implementation_flags("ASGD", foreach, None, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hyper("weight_decay value", group["weight_decay"], owner="ASGD")
        for k in ("lambd", "alpha", "t0"):
            check_hyper(k, group[k], low=float("-inf"), high=float("inf"), owner="ASGD")

    def _update_group(self, group):
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "eta": float(lr), "mu": 1.0, "ax": zeros_like(p)}
            state["step"] += 1
            d = effective_grad(p, g, group["maximize"], group["weight_decay"])
            eta = state["eta"]
            p.array *= 1 - lambd * eta
            p.array -= eta * d
            if state["mu"] != 1:
                state["ax"] += (p.array - state["ax"]) * state["mu"]
            else:
                state["ax"][...] = p.array
            t = state["step"]
            state["eta"] = lr / ((1 + lambd * lr * t) ** alpha)
            state["mu"] = 1 / max(1, t - t0)
            p._bump_version()
