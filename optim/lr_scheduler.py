"""Learning-rate schedules that set ``group["lr"]`` of an optimiser's param groups, as in
``torch.optim.lr_scheduler``.

Call ``scheduler.step()`` once per epoch (after ``optimizer.step()``).  Construction performs step 0,
which sets each group's lr to the schedule's value at epoch 0 and records ``group["initial_lr"]``.
Every schedule here is computed in *closed form* from ``base_lrs`` and ``last_epoch`` (PyTorch's
``_get_closed_form_lr``), which makes the sequence exact and independent of history; the price is that
two epoch-based schedulers on one optimiser do not compose (the last one to step wins) — chain them in
one ``LambdaLR`` instead.  ``ReduceLROnPlateau`` is the exception: it multiplies the current lr.

- ``StepLR``: ``base * gamma ** (t // step_size)``
- ``MultiStepLR``: ``base * gamma ** (number of milestones <= t)``
- ``ExponentialLR``: ``base * gamma ** t``
- ``CosineAnnealingLR``: ``eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2``
- ``LambdaLR``: ``base * lr_lambda(t)``
- ``InverseTimeLR``: ``base / (1 + decay * t) ** power`` — the 1/t decay of Robbins-Monro / Bottou
  (``eta_t = eta_0 / (1 + eta_0 * lambda * t)`` is ``decay = eta_0 * lambda``)
- ``ReduceLROnPlateau``: ``lr *= factor`` after ``patience`` epochs without improvement of a metric.
"""
from __future__ import annotations

import bisect
import math

from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "InverseTimeLR",
    "ReduceLROnPlateau",
]


def _check_optimizer(optimizer, who):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{who}: {type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class: subclasses implement ``lr_at(base_lr, t)``."""

    def __init__(self, optimizer, last_epoch: int = -1):
        _check_optimizer(optimizer, type(self).__name__)
        self.optimizer = optimizer
        if last_epoch == -1:
            for g in optimizer.param_groups:
                g.setdefault("initial_lr", g["lr"])
        else:
            for i, g in enumerate(optimizer.param_groups):
                if "initial_lr" not in g:
                    raise KeyError(
                        f"{type(self).__name__}: param 'initial_lr' is not specified in param_groups[{i}] "
                        f"when resuming at last_epoch={last_epoch}"
                    )
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, t: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_lr(self) -> list:
        """The learning rates of every group at ``last_epoch``."""
        return [self.lr_at(b, self.last_epoch) for b in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and set each group's lr."""
        self.last_epoch += 1
        lrs = self.get_lr()
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list:
        """The learning rates set by the last ``step``."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimiser (and, for LambdaLR, the functions)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Decay each group's lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = int(step_size), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """Decay each group's lr by ``gamma`` at every milestone epoch (repeated milestones decay repeatedly)."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """Decay each group's lr by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** t


class CosineAnnealingLR(LRScheduler):
    """Cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """``base_lr * lr_lambda(epoch)``; ``lr_lambda`` is one function or one per param group."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        _check_optimizer(optimizer, "LambdaLR")
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [b * f(self.last_epoch) for b, f in zip(self.base_lrs, self.lr_lambdas)]


class InverseTimeLR(LRScheduler):
    """1/t decay: ``base_lr / (1 + decay * epoch) ** power`` (``power=1`` is the Robbins-Monro rate)."""

    def __init__(self, optimizer, decay: float, power: float = 1.0, last_epoch: int = -1):
        if decay < 0 or power < 0:
            raise ValueError(
                f"InverseTimeLR: decay and power must be non-negative, got decay={decay!r}, power={power!r}")
        self.decay, self.power = decay, power
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr / (1 + self.decay * t) ** self.power


class ReduceLROnPlateau:
    """Multiply each group's lr by ``factor`` once a metric has stopped improving for ``patience`` epochs.

    ``step(metric)`` once per epoch.  Improvement means ``metric < best * (1 - threshold)`` (mode "min",
    threshold_mode "rel"), ``< best - threshold`` ("abs"), and the mirror images for mode "max".  After a
    reduction, ``cooldown`` epochs pass before bad epochs count again; lr never goes below ``min_lr``,
    and changes smaller than ``eps`` are skipped.  Same rules as PyTorch.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        _check_optimizer(optimizer, "ReduceLROnPlateau")
        if factor >= 1.0 or factor < 0:
            raise ValueError(f"ReduceLROnPlateau: factor should be in [0, 1), got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown; expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode {threshold_mode!r} is unknown; expected 'rel' or 'abs'")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(min_lr)}")
            self.min_lrs = list(min_lr)
        else:
            self.min_lrs = [min_lr] * n
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.cooldown_counter = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, a, best) -> bool:
        if self.mode == "min":
            return a < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics) -> None:
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = g["lr"]
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def get_last_lr(self) -> list:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
