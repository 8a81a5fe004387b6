"""``ReduceLROnPlateau``: lower the lr when a validation metric stops improving, as in torch.

Unlike the epoch schedules it multiplies the *current* lr (``step(metric)`` once per epoch), so it composes
with a warm-up done by hand.  Its checked ``state_dict`` / ``load_state_dict`` are the other schedulers'.
"""
from __future__ import annotations

import math
import numbers

from .base import _CheckedState, check_int, check_number, check_optimizer, per_group

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(_CheckedState):
    """Multiply each group's lr by ``factor`` once a metric has stopped improving for ``patience`` epochs.

    ``step(metric)`` once per epoch.  Improvement means ``metric < best * (1 - threshold)`` (mode "min",
    threshold_mode "rel"), ``< best - threshold`` ("abs"), and the mirror images for mode "max".  After a
    reduction, ``cooldown`` epochs pass before bad epochs count again; lr never goes below ``min_lr``,
    and changes smaller than ``eps`` are skipped.  Same rules as PyTorch.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        check_optimizer(optimizer, "ReduceLROnPlateau")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)) and len(min_lr) != n:
            raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(min_lr)}")
        self.min_lrs = per_group("ReduceLROnPlateau", "min_lr", optimizer, min_lr)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.cooldown_counter = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]
        self._check_config()

    def _check_config(self):
        name = "ReduceLROnPlateau"
        if isinstance(self.factor, bool) or not isinstance(self.factor, numbers.Real) or not 0 <= self.factor < 1:
            raise ValueError(f"{name}: factor should be in [0, 1), got {self.factor!r}")
        if self.mode not in ("min", "max"):
            raise ValueError(f"{name}: mode {self.mode!r} is unknown; expected 'min' or 'max'")
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode {self.threshold_mode!r} is unknown; expected 'rel' or 'abs'")
        for k in ("patience", "cooldown", "cooldown_counter", "num_bad_epochs", "last_epoch"):
            check_int(name, k, getattr(self, k), low=0)
        check_number(name, "threshold", self.threshold, low=0.0)
        check_number(name, "eps", self.eps, low=0.0)
        n = len(self.optimizer.param_groups)
        for attr in ("min_lrs", "_last_lr"):
            v = getattr(self, attr)
            if not isinstance(v, (list, tuple)) or len(v) != n:
                raise ValueError(f"{name}: {attr} must be a list of {n} numbers (one per param group), got {v!r}")
            for i, x in enumerate(v):
                check_number(name, f"{attr}[{i}]", x, low=0.0)
        if isinstance(self.best, bool) or not isinstance(self.best, numbers.Real) or math.isnan(self.best):
            raise ValueError(f"{name}: best must be a number, got {self.best!r}")

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
