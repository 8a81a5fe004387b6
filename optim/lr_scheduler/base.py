"""``LRScheduler``, the base of every epoch-based schedule, with torch's stepping rules, and the checked
``state_dict`` / ``load_state_dict`` every scheduler (ReduceLROnPlateau included) shares.

Stepping follows ``torch.optim.lr_scheduler.LRScheduler``:

- Construction records ``group["initial_lr"]`` (``last_epoch=-1``; resuming with ``last_epoch >= 0``
  needs it already there), ``base_lrs``, and performs the *initial step* (epoch 0).
- ``step()`` advances ``last_epoch`` by one and sets each group's lr from ``get_lr()``, the *chainable*
  form: most rules multiply the group's current lr (``StepLR`` multiplies by ``gamma`` at each boundary),
  so two schedulers on one optimiser compose as in torch (``ChainedScheduler``).  ``step(epoch)`` (torch's
  deprecated form) jumps to ``epoch`` and uses the closed form ``_get_closed_form_lr()`` where the rule has one.
- ``get_last_lr()`` returns what the last step set.

Checked state: every scheduler validates its configuration in ``_check_config()``, the single home of the
constructor's rules.  ``load_state_dict`` applies the same method to a copy of the scheduler with the loaded
entries in place, refuses entries the scheduler does not save, and changes nothing unless every rule passes
(torch's is a bare ``__dict__.update``; Kiln refuses a checkpoint that would train with lr=nan).
"""
from __future__ import annotations

import copy
import math
import numbers

from ..optimizer import Optimizer, check_hyper

__all__ = ["LRScheduler", "check_optimizer", "check_int", "check_number", "per_group"]


def check_optimizer(optimizer, who):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{who}: {type(optimizer).__name__} is not an Optimizer")


def check_int(owner, name, value, low=None):
    """Raise unless ``value`` is an integer (not a bool) ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or (low is not None and value < low):
        need = "an integer" if low is None else f"an integer >= {low}"
        raise ValueError(f"{owner}: {name} must be {need}, got {value!r}")


def check_number(owner, name, value, low=-math.inf, high=math.inf):
    """Raise unless ``value`` is a finite real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{owner}: {name} must be a finite number in [{low}, {high}], got {value!r}")


def per_group(owner, name, optimizer, value):
    """``value`` repeated for each param group, or a list/tuple already of that length."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{owner}: expected {n} values for {name} (one per param group), got {len(value)}")
        return list(value)
    return [value] * n


class _CheckedState:
    """``state_dict`` (everything but ``_not_state``) and a ``load_state_dict`` that validates first."""

    _not_state = ("optimizer",)

    def _check_config(self) -> None:  # pragma: no cover - every scheduler overrides
        raise NotImplementedError

    def state_dict(self) -> dict:
        """The scheduler's attributes, except the optimiser (and functions, sub-schedulers)."""
        return {k: v for k, v in self.__dict__.items() if k not in self._not_state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned, after checking it with the constructor's rules."""
        self.__dict__.update(self._checked_state(state_dict))

    def _checked_state(self, state_dict) -> dict:
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        own = set(self.state_dict())
        unknown = sorted(str(k) for k in set(state_dict) - own)
        if unknown:
            raise ValueError(f"{name}.load_state_dict: unknown entries {unknown}; this scheduler saves {sorted(own)}")
        loaded = copy.deepcopy(state_dict)
        shadow = copy.copy(self)
        shadow.__dict__ = {**self.__dict__, **loaded}
        try:
            shadow._check_config()
        except (TypeError, ValueError) as e:
            raise type(e)(f"{name}.load_state_dict: {e}") from None
        return loaded


class LRScheduler(_CheckedState):
    """Base class: subclasses set their attributes, then call ``super().__init__(optimizer, last_epoch)``,
    and implement ``get_lr()`` (chainable form) and, where there is one, ``_get_closed_form_lr()``."""

    def __init__(self, optimizer, last_epoch: int = -1):
        name = type(self).__name__
        check_optimizer(optimizer, name)
        check_int(name, "last_epoch", last_epoch, low=-1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for g in optimizer.param_groups:
                g.setdefault("initial_lr", g["lr"])
        else:
            for i, g in enumerate(optimizer.param_groups):
                if "initial_lr" not in g:
                    raise KeyError(
                        f"{name}: param 'initial_lr' is not specified in param_groups[{i}] when resuming at "
                        f"last_epoch={last_epoch} (load the optimizer's state first)"
                    )
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._check_config()
        self._initial_step()

    def _check_config(self) -> None:
        """The rules every schedule's state obeys; subclasses add theirs (and call this)."""
        name = type(self).__name__
        check_int(name, "last_epoch", self.last_epoch, low=-1)
        n = len(self.optimizer.param_groups)
        for attr in ("base_lrs", "_last_lr"):
            lrs = self.__dict__.get(attr)
            if lrs is None and attr == "_last_lr":
                continue
            if not isinstance(lrs, (list, tuple)) or len(lrs) != n:
                raise ValueError(f"{name}: {attr} must be a list of {n} learning rates (one per param group), "
                                 f"got {lrs!r}")
            for i, lr in enumerate(lrs):
                check_hyper(f"{attr}[{i}]", lr, high=math.inf, owner=name)
        step_count = self.__dict__.get("_step_count", 0)
        check_int(name, "_step_count", step_count, low=0)

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _group_lrs(self) -> list:
        return [g["lr"] for g in self.optimizer.param_groups]

    def get_lr(self) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, epoch=None) -> None:
        """Advance one epoch (or jump to ``epoch``, torch's deprecated form) and set each group's lr; a step
        the schedule refuses (OneCycleLR past its end) raises with the scheduler as it was."""
        self._step_count += 1
        try:
            self._update_lr(epoch)
        except BaseException:
            self._step_count -= 1
            raise

    def _update_lr(self, epoch=None) -> None:
        before = self.last_epoch
        try:
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                check_int(type(self).__name__, "epoch", epoch, low=0)
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                lrs = closed() if closed is not None else self.get_lr()
        except BaseException:
            self.last_epoch = before
            raise
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr
        self._last_lr = self._group_lrs()

    def get_last_lr(self) -> list:
        """The learning rates set by the last step."""
        return list(self._last_lr)
