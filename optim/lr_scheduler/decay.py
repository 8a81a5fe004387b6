"""Monotone epoch schedules, as in ``torch.optim.lr_scheduler`` (chainable ``get_lr`` and closed forms equal):

- ``StepLR``: ``base * gamma ** (t // step_size)``
- ``MultiStepLR``: ``base * gamma ** (number of milestones <= t)`` (a repeated milestone decays repeatedly)
- ``ExponentialLR``: ``base * gamma ** t``
- ``CosineAnnealingLR``: ``eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2`` (torch's recursive form,
  which goes on past ``T_max`` as a cosine of period ``2 T_max``)
- ``LambdaLR``: ``base * lr_lambda(t)``
- ``MultiplicativeLR``: ``lr *= lr_lambda(t)`` at each step after the first
- ``ConstantLR``: ``base * factor`` until ``total_iters``, then ``base``
- ``LinearLR``: factor from ``start_factor`` to ``end_factor`` linearly over ``total_iters`` epochs
- ``PolynomialLR``: ``base * (1 - min(t, total_iters) / total_iters) ** power``
- ``InverseTimeLR`` (Kiln's, not in torch): ``base / (1 + decay * t) ** power`` — the 1/t decay of
  Robbins-Monro / Bottou (``eta_t = eta_0 / (1 + eta_0 * lambda * t)`` is ``decay = eta_0 * lambda``)
"""
from __future__ import annotations

import bisect
import math

from .base import LRScheduler, check_int, check_number

__all__ = [
    "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "MultiplicativeLR", "ConstantLR",
    "LinearLR",
    "PolynomialLR", "InverseTimeLR",
]


class StepLR(LRScheduler):
    """Decay each group's lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_int("StepLR", "step_size", self.step_size, low=1)
        check_number("StepLR", "gamma", self.gamma, low=0.0)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Decay each group's lr by ``gamma`` at every milestone epoch."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        if not isinstance(self.milestones, list):
            raise ValueError(f"MultiStepLR: milestones must be a list of epochs, got {self.milestones!r}")
        for m in self.milestones:
            check_int("MultiStepLR", "a milestone", m, low=0)
        check_number("MultiStepLR", "gamma", self.gamma, low=0.0)

    def get_lr(self):
        hits = self.milestones.count(self.last_epoch)
        if not hits:
            return self._group_lrs()
        return [lr * self.gamma ** hits for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * self.gamma ** bisect.bisect_right(self.milestones, self.last_epoch) for b in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Decay each group's lr by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_number("ExponentialLR", "gamma", self.gamma, low=0.0)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * self.gamma ** self.last_epoch for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts)."""

    def __init__(self, optimizer, T_max, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_number("CosineAnnealingLR", "T_max", self.T_max, low=0.0)
        if self.T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {self.T_max!r}")
        check_number("CosineAnnealingLR", "eta_min", self.eta_min, low=0.0)

    def get_lr(self):
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and t > 0:  # constructed with last_epoch >= 0: closed form once
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:  # the bottom of the cosine: the ratio below would divide by zero
            return [lr + (b - eta_min) * (1 - math.cos(math.pi / T)) / 2 for b, lr in zip(self.base_lrs,
                                                                                        self._group_lrs())]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [self.eta_min + (b - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for b in self.base_lrs]


class LambdaLR(LRScheduler):
    """``base_lr * lr_lambda(epoch)``; ``lr_lambda`` is one function or one per param group (the functions
    are not part of ``state_dict``)."""

    _not_state = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        n = len(getattr(optimizer, "param_groups", ()))
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        bad = [f for f in self.lr_lambdas if not callable(f)]
        if bad:
            raise TypeError(f"LambdaLR: lr_lambda must be callable, got {bad[0]!r}")

    def get_lr(self):
        return [b * f(self.last_epoch) for b, f in zip(self.base_lrs, self.lr_lambdas)]


class MultiplicativeLR(LambdaLR):
    """Multiply each group's current lr by ``lr_lambda(epoch)`` at every step but the initial one."""

    def get_lr(self):
        if self._is_initial or self.last_epoch <= 0:
            return self._group_lrs()
        return [lr * f(self.last_epoch) for lr, f in zip(self._group_lrs(), self.lr_lambdas)]


class ConstantLR(LRScheduler):
    """``base * factor`` for the first ``total_iters`` epochs, then ``base``."""

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_number("ConstantLR", "factor", self.factor, low=0.0, high=1.0)
        if self.factor == 0:
            raise ValueError("ConstantLR: factor must be in (0, 1], got 0 (the lr could never come back)")
        check_int("ConstantLR", "total_iters", self.total_iters, low=0)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._group_lrs()]
        if self.last_epoch != self.total_iters:
            return self._group_lrs()
        return [lr * (1.0 / self.factor) for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)) for b in self.base_lrs]


class LinearLR(LRScheduler):
    """Multiply the base lr by a factor going linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs (a linear warm-up with the defaults' ``start_factor < end_factor``)."""

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
                 last_epoch: int = -1):
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_number("LinearLR", "start_factor", self.start_factor, low=0.0, high=1.0)
        if self.start_factor == 0:
            raise ValueError("LinearLR: start_factor must be in (0, 1], got 0")
        check_number("LinearLR", "end_factor", self.end_factor, low=0.0, high=1.0)
        check_int("LinearLR", "total_iters", self.total_iters, low=1)

    def get_lr(self):
        t, s, e = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * s for lr in self._group_lrs()]
        if self._is_initial or t > self.total_iters:
            return self._group_lrs()
        ratio = 1.0 + (e - s) / (self.total_iters * s + (t - 1) * (e - s))
        return [lr * ratio for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        s, e = self.start_factor, self.end_factor
        return [b * (s + (e - s) * min(self.total_iters, self.last_epoch) / self.total_iters) for b in self.base_lrs]


class PolynomialLR(LRScheduler):
    """``base * (1 - min(t, total_iters) / total_iters) ** power``: to zero at ``total_iters``."""

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_int("PolynomialLR", "total_iters", self.total_iters, low=1)
        check_number("PolynomialLR", "power", self.power, low=0.0)

    def get_lr(self):
        t, n = self.last_epoch, self.total_iters
        if self._is_initial or t > n:
            return self._group_lrs()
        factor = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * factor for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for b in self.base_lrs]


class InverseTimeLR(LRScheduler):
    """1/t decay: ``base_lr / (1 + decay * epoch) ** power`` (``power=1`` is the Robbins-Monro rate)."""

    def __init__(self, optimizer, decay: float, power: float = 1.0, last_epoch: int = -1):
        self.decay, self.power = decay, power
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_number("InverseTimeLR", "decay", self.decay, low=0.0)
        check_number("InverseTimeLR", "power", self.power, low=0.0)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        t = self.last_epoch
        factor = ((1 + self.decay * (t - 1)) / (1 + self.decay * t)) ** self.power
        return [lr * factor for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b / (1 + self.decay * self.last_epoch) ** self.power for b in self.base_lrs]
