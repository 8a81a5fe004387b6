"""``EarlyStopping``: watch a validation metric, keep the best model's weights, say when to stop.

``stopper.step(metric, model)`` (or ``stopper(metric, model)``) once per epoch returns True once the metric
has failed to improve for ``patience`` epochs in a row.  Improvement means ``metric < best - min_delta``
(mode "min") or ``metric > best + min_delta`` (mode "max").  On each improvement the model's
``state_dict()`` is copied (arrays copied, so later training does not change it) and, when
``checkpoint`` names a file, written there with ``nn.save`` (npz, atomic).  ``restore_best(model)`` loads
the best weights back, from memory or, in a fresh process, from the checkpoint file.

Until ``nn.save`` / ``nn.load`` exist, the checkpoint is written by a local NumPy ``savez`` helper with the
same npz-of-named-arrays layout (temporary file + rename).
"""
from __future__ import annotations

import math
import os

import numpy as np

from engine.backend import to_numpy
from engine.tensor import Tensor

__all__ = ["EarlyStopping"]


def _raw(v):
    return v.array if isinstance(v, Tensor) else v


def _save(state, path):
    try:
        from nn import save
    except ImportError:
        save = None
    if save is not None:
        return save(state, path)
    tmp = f"{path}.tmp.npz"
    with open(tmp, "wb") as f:
        np.savez(f, **{k: to_numpy(_raw(v)) for k, v in state.items()})
    os.replace(tmp, path)


def _load(path):
    try:
        from nn import load
    except ImportError:
        load = None
    if load is not None:
        return load(path)
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


class EarlyStopping:
    """``EarlyStopping(patience=10, mode="min", min_delta=0.0, checkpoint=None)``; see the module docstring."""

    def __init__(self, patience: int = 10, mode: str = "min", min_delta: float = 0.0, checkpoint=None):
        if int(patience) != patience or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be a non-negative integer, got {patience!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode {mode!r} is unknown; expected 'min' or 'max'")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be non-negative, got {min_delta!r}")
        self.patience, self.mode, self.min_delta = int(patience), mode, float(min_delta)
        self.checkpoint = None if checkpoint is None else os.fspath(checkpoint)
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.epoch = -1
        self.num_bad_epochs = 0
        self.should_stop = False
        self.best_state = None

    def improved(self, metric: float) -> bool:
        """Whether ``metric`` beats the best so far by more than ``min_delta``."""
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric, model=None) -> bool:
        """Record this epoch's metric (and the model's weights if it is the best); True means stop."""
        metric = float(metric)
        self.epoch += 1
        if not math.isnan(metric) and self.improved(metric):
            self.best, self.best_epoch, self.num_bad_epochs = metric, self.epoch, 0
            if model is not None:
                self.best_state = {k: _raw(v).copy() for k, v in model.state_dict().items()}
                if self.checkpoint is not None:
                    _save(self.best_state, self.checkpoint)
        else:
            self.num_bad_epochs += 1
        self.should_stop = self.num_bad_epochs >= self.patience
        return self.should_stop

    __call__ = step

    _STATE_KEYS = ("best", "best_epoch", "epoch", "num_bad_epochs", "should_stop")

    def state_dict(self) -> dict:
        """The counters (best metric, its epoch, bad epochs, stop flag) for resuming a run; the best weights
        themselves live in the checkpoint file (or in memory until the process ends)."""
        return {k: getattr(self, k) for k in self._STATE_KEYS}

    def load_state_dict(self, state) -> None:
        """Restore the counters saved by :meth:`state_dict`, checked first: KeyError names a missing key,
        ValueError/TypeError a bad value (``best`` NaN, a negative count ...); nothing changes on error."""
        name = "EarlyStopping.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{name}: expected a dict, got {type(state).__name__}")
        missing = [k for k in self._STATE_KEYS if k not in state]
        if missing:
            raise KeyError(f"{name}: missing key(s) {missing}")
        best = state["best"]
        if isinstance(best, (bool, str)) or not isinstance(best, (int, float, np.integer, np.floating)) \
                or math.isnan(best):
            raise ValueError(f"{name}: best must be a number (inf before the first epoch), got {best!r}")
        counts = {}
        for k, low in (("best_epoch", -1), ("epoch", -1), ("num_bad_epochs", 0)):
            v = state[k]
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ValueError(f"{name}: {k} must be an integer >= {low}, got {v!r}")
            counts[k] = int(v)
        if not isinstance(state["should_stop"], (bool, np.bool_)):
            raise TypeError(f"{name}: should_stop must be a bool, got {state['should_stop']!r}")
        self.best, self.best_epoch, self.epoch = float(best), counts["best_epoch"], counts["epoch"]
        self.num_bad_epochs, self.should_stop = counts["num_bad_epochs"], bool(state["should_stop"])

    def restore_best(self, model) -> None:
        """Load the best weights seen into ``model`` (from memory, else from the checkpoint file)."""
        state = self.best_state
        if state is None:
            if self.checkpoint is None or not os.path.exists(self.checkpoint):
                raise RuntimeError("EarlyStopping.restore_best: no best weights recorded yet (and no checkpoint file)")
            state = _load(self.checkpoint)
        model.load_state_dict({k: _raw(v).copy() for k, v in state.items()})
