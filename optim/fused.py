"""``FusedOptimizer``: the base of the optimisers whose rule is one fused kernel (SGD, Adagrad, RMSprop,
Adam, AdamW), stepping each parameter group through its flat buffers (``optim/_flat.py``: the layout, the
re-homing of parameters and state, and how replaced storage is detected).

A subclass says three things: which state arrays its rule uses this step (:meth:`_state_spec`, in the
order its update function takes them, ``None`` for an array the configuration does not use), what splits a run
(:meth:`_run_key`, Adam's step count by default) and how one run is updated (:meth:`_rule`: a function of
``(dtype, key, p, grads, *states)`` over flat arrays that calls one ``kernels.*_update``).  The step here:

1. ``Optimizer.step`` checks every group and gradient first (all or nothing), and brings every group's
   flat buffers up to date (re-flattening where a parameter's storage was replaced);
2. per bucket of the group: the flat state buffers the rule needs (allocated on first use);
3. per run of consecutive parameters with a gradient and the same key: state entries are created for the
   parameters that have none (views of the flat state), step counters advance, and ONE kernel call
   (given the run's gradients as a list) updates the run's slice of every flat buffer; then each updated
   parameter's version counter is bumped once (one write per parameter, as before).

float32 and float64 parameters only (``SUPPORTED_DTYPES``), as the kernels.
"""
from __future__ import annotations

from kernels.optim_updates import SUPPORTED_DTYPES

from ._flat import layout
from ._state import placeholder
from .optimizer import Optimizer, check_hyper

__all__ = ["FusedOptimizer"]


class FusedOptimizer(Optimizer):
    """Base class (see the module docstring); subclasses implement ``_state_spec`` and ``_rule``."""

    _dtypes = SUPPORTED_DTYPES
    #: whether the state holds torch's per-parameter ``"step"`` counter (SGD's does not)
    _counts_steps = True
    #: hyperparameters that must be non-negative numbers (besides ``lr``), checked by ``_check_group``
    _nonnegative: tuple = ()

    def __init__(self, params, defaults: dict):
        self._layouts: dict = {}
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict) -> None:
        """Add the group (see :class:`optim.Optimizer`) and re-home its parameters into flat buffers."""
        super().add_param_group(param_group)
        layout(self._layouts, self.param_groups[-1], self.state, type(self).__name__)

    def _check_step(self) -> None:
        """The base checks, then every group's flat buffers brought up to date (re-flattened where storage
        was replaced), so that a layout problem also raises before the first parameter changes."""
        super()._check_step()
        for group in self.param_groups:
            layout(self._layouts, group, self.state, type(self).__name__)

    def _check_group(self, group) -> None:
        super()._check_group(group)
        for key in self._nonnegative:
            check_hyper(key, group[key], owner=type(self).__name__)

    def _state_spec(self, group) -> tuple:  # pragma: no cover - abstract
        """``((name or None, initial value), ...)``: the state arrays of this step's kernel call, in order."""
        raise NotImplementedError

    def _rule(self, group):  # pragma: no cover - abstract
        """``update(dtype, key, p, grads, *states)``: one fused kernel call over flat arrays for a run."""
        raise NotImplementedError

    def _run_key(self, s):
        """What parameters of one run share (the state's step count; 0 before the first step)."""
        return 0 if s is None else s["step"]

    def _update_group(self, group):
        spec = self._state_spec(group)
        used = [(j, name, init) for j, (name, init) in enumerate(spec) if name is not None]
        update = self._rule(group)
        state = self.state
        for bucket in self._layouts[id(group)][2]:  # brought up to date by _check_step
            flats = [None] * len(spec)
            for j, name, init in used:
                flats[j] = bucket.state_flat(name, init, state)
            empty = placeholder(bucket.params[0])
            dtype = bucket.flat.dtype
            for lo, hi, key in bucket.runs(state, self._run_key):
                for i in range(lo, hi):
                    self._advance(bucket, i, used)
                a, b = bucket.bounds[lo], bucket.bounds[hi]
                update(dtype, key, bucket.flat[a:b], bucket.gradients(lo, hi),
                       *(empty if f is None else f[a:b] for f in flats))
                for p in bucket.params[lo:hi]:
                    p._bump_version()

    def _advance(self, bucket, i, used):
        """Create parameter ``i``'s state entries it lacks (views of the flat state) and count its step."""
        p = bucket.params[i]
        s = self.state.get(p)
        if s is None:
            if not used and not self._counts_steps:
                return
            s = self.state[p] = {"step": 0} if self._counts_steps else {}
        for _, name, init in used:
            if name not in s:
                s[name] = bucket.new_entry(i, name, init)
        if self._counts_steps:
            s["step"] += 1
