"""Cyclical schedules, usually stepped once per *batch*, as in ``torch.optim.lr_scheduler``:

- ``CyclicLR`` (Smith 2017): lr goes linearly from ``base_lr`` up to ``max_lr`` in ``step_size_up`` steps and
  back in ``step_size_down``; the amplitude is scaled per cycle ("triangular": 1, "triangular2": halved each
  cycle) or per step ("exp_range": ``gamma ** step``) or by a user ``scale_fn``.  With ``cycle_momentum``
  the momentum (SGD's ``momentum``, Adam's ``beta1``) moves the opposite way between ``max_momentum`` and
  ``base_momentum``.
- ``OneCycleLR`` (Smith & Topin 2018): from ``max_lr / div_factor`` up to ``max_lr`` over ``pct_start`` of
  ``total_steps``, then down to ``initial_lr / final_div_factor`` (cosine or linear annealing; three phases
  with ``three_phase``), momentum mirrored; stepping past ``total_steps`` raises.
- ``CosineAnnealingWarmRestarts`` (SGDR, Loshchilov & Hutter): cosine from base to ``eta_min`` over ``T_i``
  epochs, then restart with ``T_i *= T_mult``; ``step(epoch)`` accepts fractional epochs as torch does.

The functions (``scale_fn``) are not part of ``state_dict``.
"""
from __future__ import annotations

import math

from .base import LRScheduler, check_int, check_number, check_optimizer, per_group

__all__ = ["CyclicLR", "OneCycleLR", "CosineAnnealingWarmRestarts"]


def _momentum_setup(sched, optimizer, base_momentum, max_momentum, last_epoch):
    """Record per-group momentum bounds and, on a fresh start, put each group's momentum at its maximum."""
    name = type(sched).__name__
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{name}: optimizer must support momentum or beta1 with the cycle_momentum option enabled")
    sched.use_beta1 = "betas" in optimizer.defaults
    sched.base_momentums = per_group(name, "base_momentum", optimizer, base_momentum)
    sched.max_momentums = per_group(name, "max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for hi, lo, g in zip(sched.max_momentums, sched.base_momentums, optimizer.param_groups):
            _set_momentum(sched, g, hi)
            g["max_momentum"], g["base_momentum"] = hi, lo


def _set_momentum(sched, group, value):
    if sched.use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """``CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
    gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8, max_momentum=0.9,
    last_epoch=-1)``."""

    _not_state = ("optimizer", "scale_fn_custom")

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        check_optimizer(optimizer, "CyclicLR")
        base_lrs = per_group("CyclicLR", "base_lr", optimizer, base_lr)
        self.max_lrs = per_group("CyclicLR", "max_lr", optimizer, max_lr)
        check_number("CyclicLR", "step_size_up", step_size_up, low=0.0)
        if step_size_down is not None:
            check_number("CyclicLR", "step_size_down", step_size_down, low=0.0)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size if self.total_size > 0 else math.nan
        self.mode, self.gamma = mode, gamma
        self.scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        self._check_cyclic(base_lrs)
        if last_epoch == -1:
            for lr, g in zip(base_lrs, optimizer.param_groups):
                g["lr"] = lr
        if cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs  # as torch: the initial step used the groups' initial_lr

    def _check_cyclic(self, base_lrs):
        for i, (lo, hi) in enumerate(zip(base_lrs, self.max_lrs)):
            check_number("CyclicLR", f"base_lr[{i}]", lo, low=0.0)
            check_number("CyclicLR", f"max_lr[{i}]", hi, low=0.0)
        if not self.total_size > 0:
            raise ValueError(f"CyclicLR: step_size_up + step_size_down must be positive, got {self.total_size!r}")
        if self.mode not in ("triangular", "triangular2", "exp_range") and self.scale_fn_custom is None:
            raise ValueError(f"CyclicLR: mode {self.mode!r} is invalid and scale_fn is None")
        if self.scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {self.scale_mode!r}")
        check_number("CyclicLR", "gamma", self.gamma, low=0.0)

    def _check_config(self):
        super()._check_config()
        self._check_cyclic(self.base_lrs)

    def scale_fn(self, x):
        if self.scale_fn_custom is not None:
            return self.scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        scale = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        amp = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [lo + (hi - lo) * scale * amp for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for g, lo, hi in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(self, g, hi - (hi - lo) * scale * amp)
        return lrs


class OneCycleLR(LRScheduler):
    """``OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
    anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
    final_div_factor=1e4, three_phase=False, last_epoch=-1)``."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        check_optimizer(optimizer, "OneCycleLR")
        if total_steps is not None:
            check_int("OneCycleLR", "total_steps", total_steps, low=1)
        elif epochs is not None and steps_per_epoch is not None:
            check_int("OneCycleLR", "epochs", epochs, low=1)
            check_int("OneCycleLR", "steps_per_epoch", steps_per_epoch, low=1)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)")
        self.total_steps = total_steps
        check_number("OneCycleLR", "pct_start", pct_start, low=0.0, high=1.0)
        check_number("OneCycleLR", "div_factor", div_factor, low=0.0)
        check_number("OneCycleLR", "final_div_factor", final_div_factor, low=0.0)
        if div_factor == 0 or final_div_factor == 0:
            raise ValueError("OneCycleLR: div_factor and final_div_factor must be positive")
        self.anneal_strategy = anneal_strategy
        self.phases = self._phases(float(pct_start), bool(three_phase))
        max_lrs = per_group("OneCycleLR", "max_lr", optimizer, max_lr)
        for i, m in enumerate(max_lrs):
            check_number("OneCycleLR", f"max_lr[{i}]", m, low=0.0)
        if last_epoch == -1:
            for m, g in zip(max_lrs, optimizer.param_groups):
                g["initial_lr"] = m / div_factor
                g["max_lr"] = m
                g["min_lr"] = g["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _phases(self, pct, three):
        n = self.total_steps
        if three:
            return [(pct * n - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    (2 * pct * n - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                    (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [(pct * n - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    def _check_config(self):
        super()._check_config()
        check_int("OneCycleLR", "total_steps", self.total_steps, low=1)
        if self.anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {self.anneal_strategy!r}")

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {t} times; the specified number of total steps is "
                             f"{self.total_steps}")
        lrs = []
        for g in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self.phases):
                if t <= end or i == len(self.phases) - 1:
                    pct = (t - start) / (end - start)
                    lrs.append(self._anneal(g[lr0], g[lr1], pct))
                    if self.cycle_momentum:
                        _set_momentum(self, g, self._anneal(g[m0], g[m1], pct))
                    break
                start = end
        return lrs


class CosineAnnealingWarmRestarts(LRScheduler):
    """``CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1)``."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def _check_config(self):
        super()._check_config()
        check_int("CosineAnnealingWarmRestarts", "T_0", self.T_0, low=1)
        check_int("CosineAnnealingWarmRestarts", "T_mult", self.T_mult, low=1)
        check_number("CosineAnnealingWarmRestarts", "eta_min", self.eta_min, low=0.0)
        check_number("CosineAnnealingWarmRestarts", "T_i", self.T_i, low=1.0)
        check_number("CosineAnnealingWarmRestarts", "T_cur", self.T_cur, low=-1.0)

    def get_lr(self):
        return [self.eta_min + (b - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for b in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or jump to ``epoch`` (a float is allowed: a fraction of the way through)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            check_number("CosineAnnealingWarmRestarts", "epoch", epoch, low=0.0)
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for g, lr in zip(self.optimizer.param_groups, self.get_lr()):
            g["lr"] = lr
        self._last_lr = self._group_lrs()
