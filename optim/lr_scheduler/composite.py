"""Schedules made of schedules, as in ``torch.optim.lr_scheduler``:

- ``ChainedScheduler(schedulers)``: each ``step()`` steps every scheduler in turn, so their chainable rules
  multiply (e.g. ``ConstantLR`` warm-up times ``ExponentialLR`` decay).
- ``SequentialLR(optimizer, schedulers, milestones)``: scheduler ``i`` runs from milestone ``i-1`` to
  milestone ``i``; at a milestone the next scheduler restarts at its epoch 0 (closed form).

Their ``state_dict`` holds each child's under ``"_schedulers"``; ``load_state_dict`` checks every child's
before any changes.
"""
from __future__ import annotations

import bisect

from .base import LRScheduler, _CheckedState, check_int, check_optimizer
from .plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_children(owner, optimizer, schedulers):
    if not isinstance(schedulers, (list, tuple)) or not schedulers:
        raise ValueError(f"{owner} expects at least one scheduler, got {schedulers!r}")
    for i, s in enumerate(schedulers):
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support ReduceLROnPlateau (its step needs a metric); got one at "
                             f"index {i}")
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{owner}: the scheduler at index {i} is a {type(s).__name__}, not an LRScheduler")
        if s.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but the "
                             f"{type(s).__name__} at index {i} has another one")
    return list(schedulers)


class _Composite(_CheckedState):
    _not_state = ("optimizer", "_schedulers")

    def state_dict(self) -> dict:
        out = super().state_dict()
        out["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        own = dict(state_dict)
        children = own.pop("_schedulers", None)
        if not isinstance(children, (list, tuple)) or len(children) != len(self._schedulers):
            raise ValueError(f"{name}.load_state_dict: '_schedulers' must hold {len(self._schedulers)} state dicts")
        checked = [s._checked_state(c) for s, c in zip(self._schedulers, children)]
        mine = self._checked_state(own)
        for s, c in zip(self._schedulers, checked):
            s.__dict__.update(c)
        self.__dict__.update(mine)

    def get_last_lr(self) -> list:
        return list(self._last_lr)


class ChainedScheduler(_Composite):
    """``ChainedScheduler(schedulers, optimizer=None)``: step all of them at once."""

    def __init__(self, schedulers, optimizer=None):
        if optimizer is None and isinstance(schedulers, (list, tuple)) and schedulers:
            optimizer = getattr(schedulers[0], "optimizer", None)
        check_optimizer(optimizer, "ChainedScheduler")
        self._schedulers = _check_children("ChainedScheduler", optimizer, schedulers)
        self.optimizer = optimizer
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def _check_config(self):
        pass  # the children hold the state and check their own

    def step(self) -> None:
        for s in self._schedulers:
            s.step()
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]


class SequentialLR(_Composite):
    """``SequentialLR(optimizer, schedulers, milestones, last_epoch=-1)``."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        check_optimizer(optimizer, "SequentialLR")
        self._schedulers = _check_children("SequentialLR", optimizer, schedulers)
        milestones = list(milestones)
        if len(milestones) != len(self._schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers, got {len(self._schedulers)} "
                             f"schedulers and {len(milestones)} milestones")
        check_int("SequentialLR", "last_epoch", last_epoch, low=-1)
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        self._check_config()
        # undo the initial step each child took when it was built, then start the first one afresh
        for g in optimizer.param_groups:
            g["lr"] = g["initial_lr"]
        for s in self._schedulers:
            s.last_epoch -= 1
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _check_config(self):
        check_int("SequentialLR", "last_epoch", self.last_epoch, low=0)
        for m in self._milestones:
            check_int("SequentialLR", "a milestone", m, low=0)
        if list(self._milestones) != sorted(self._milestones):
            raise ValueError(f"SequentialLR: milestones must be increasing, got {self._milestones!r}")

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect.bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            s._update_lr(0)
        else:
            s.step()
        self._last_lr = s.get_last_lr()
