"""Adam's relatives, as in torch.optim: ``Adamax`` (infinity norm), ``NAdam`` (Nesterov momentum with
Dozat's momentum schedule) and ``RAdam`` (variance rectification).

At step ``t`` (1-based), with ``d = g`` (``-g`` when maximizing), the L2 penalty ``d += weight_decay * p``
(or, with ``decoupled_weight_decay=True`` for NAdam/RAdam, ``p *= 1 - lr * weight_decay`` first) and
``m = beta1 * m + (1 - beta1) * d``::

    Adamax:  u = max(beta2 * u, |d| + eps);            p -= lr / (1 - beta1**t) * m / u
    NAdam:   mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay));  mu_product *= mu_t
             v = beta2 * v + (1 - beta2) * d * d;      denom = sqrt(v / (1 - beta2**t)) + eps
             p -= lr * (1 - mu_t) / (1 - mu_product) * d / denom
             p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom
    RAdam:   v as NAdam;  rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
             rho_t > 5:  p -= lr * m / (1 - beta1**t) * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)
                         with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
             else:       p -= lr * m / (1 - beta1**t)

State: ``"step"``, ``"exp_avg"`` and ``"exp_inf"`` (Adamax) / ``"exp_avg_sq"`` (NAdam, RAdam), and NAdam's
float ``"mu_product"``.  NumPy/CuPy array operations on ``p.array``; every floating dtype is accepted.
"""
from engine.backend import get_array_module

from ._state import check_adam_group, effective_grad, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["Adamax", "NAdam", "RAdam"]


class _AdamFamily(Optimizer):
    def _check_group(self, group):
        super()._check_group(group)
        check_adam_group(type(self).__name__, group)

    def _decay(self, group, p, g):
        """The gradient after the weight-decay rule (decoupled decay shrinks ``p`` in place instead)."""
        wd = group["weight_decay"]
        if wd and group.get("decoupled_weight_decay", False):
            p.array *= 1 - group["lr"] * wd
            wd = 0.0
        return effective_grad(p, g, group["maximize"], wd)


class Adamax(_AdamFamily):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *, maximize=False,
    differentiable=False, capturable=False)``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        **implementation_flags("Adamax", foreach, None, capturable, differentiable))
        super().__init__(params, defaults)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "exp_avg": zeros_like(p), "exp_inf": zeros_like(p)}
            state["step"] += 1
            d = self._decay(group, p, g)
            m, u = state["exp_avg"], state["exp_inf"]
            m += (1 - beta1) * (d - m)
            u *= beta2
            get_array_module(u).maximum(u, abs(d) + group["eps"], out=u)
            p.array -= (group["lr"] / (1 - beta1 ** state["step"])) * m / u
            p._bump_version()


class NAdam(_AdamFamily):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, differentiable=False)``."""

    _scalar_state = ("mu_product",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=bool(decoupled_weight_decay), maximize=maximize,
                        **implementation_flags("NAdam", foreach, None, capturable, differentiable))
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hyper("momentum_decay value", group["momentum_decay"], owner="NAdam")

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "mu_product": 1.0, "exp_avg": zeros_like(p),
                                         "exp_avg_sq": zeros_like(p)}
            state["step"] += 1
            t = state["step"]
            d = self._decay(group, p, g)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            state["mu_product"] *= mu
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m += (1 - beta1) * (d - m)
            v *= beta2
            v += (1 - beta2) * d * d
            denom = (v / (1 - beta2 ** t)) ** 0.5 + group["eps"]
            p.array += (-lr * (1.0 - mu) / (1.0 - state["mu_product"])) * d / denom
            p.array += (-lr * mu_next / (1.0 - state["mu_product"] * mu_next)) * m / denom
            p._bump_version()


class RAdam(_AdamFamily):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
    foreach=None, maximize=False, capturable=False, differentiable=False)``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=bool(decoupled_weight_decay), maximize=maximize,
                        **implementation_flags("RAdam", foreach, None, capturable, differentiable))
        super().__init__(params, defaults)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        rho_inf = 2 / (1 - beta2) - 1
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)}
            state["step"] += 1
            t = state["step"]
            d = self._decay(group, p, g)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m += (1 - beta1) * (d - m)
            v *= beta2
            v += (1 - beta2) * d * d
            bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
            m_hat = m / bc1
            rho_t = rho_inf - 2 * t * beta2 ** t / bc2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                p.array -= m_hat * lr * (bc2 ** 0.5 / (v ** 0.5 + group["eps"])) * rect
            else:
                p.array -= m_hat * lr
            p._bump_version()
