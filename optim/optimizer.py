"""``Optimizer``: the base class every optimiser derives from — param groups, per-parameter state,
``zero_grad``, ``step(closure)``, ``add_param_group`` and ``state_dict`` / ``load_state_dict``.

Semantics follow ``torch.optim.Optimizer``:

- ``params`` is an iterable of leaf Tensors or a list of dicts (param groups), each with a ``"params"``
  entry and any hyperparameters that override the optimiser's defaults (e.g. a larger lr for biases).
- ``state`` maps each parameter (Tensors hash by identity) to a dict of raw arrays on the parameter's
  device plus a Python-int ``"step"`` where the rule counts steps.  State is created lazily on the first
  step that sees a gradient for that parameter.
- ``state_dict()`` returns ``{"state": {index: {...}}, "param_groups": [{..., "params": [indexes]}]}`` with
  parameters numbered in group order, as PyTorch does.  Unlike PyTorch the state arrays are *copies*
  (a saved checkpoint does not change when training goes on).  ``load_state_dict`` checks everything
  (group count, group sizes, state shapes) before it changes anything, casts floating state to each
  parameter's dtype and device, and keeps the optimiser's own parameters.
- ``step`` updates ``p.array`` in place (through one fused kernel call per group over flat buffers where
  the family has one, see ``optim/fused.py``; NumPy array operations otherwise): no graph node is ever
  built, and a closure, when given, is called under ``enable_grad`` and its loss returned.
- ``step`` is all or nothing: every group's hyperparameters (which a scheduler or the user may have
  changed since construction) and every gradient (shape, device, dtype) are checked *before* the first
  parameter or state entry changes, so a bad gradient on the last parameter leaves everything as it was.
- Every write to a parameter's storage bumps its version counter (``p._bump_version()``), so that backward
  refuses a graph that saved the parameter before the step (PyTorch's rule).  A step's update of one
  parameter counts as one write (one bump per updated parameter per step, also where NumPy makes it in
  two array operations); ``zero_grad(set_to_none=False)`` bumps each zeroed gradient.
- ``load_state_dict`` validates the loaded hyperparameters with the same rules as the constructor
  (``_check_group``) and every state entry (``step`` a non-negative integer, arrays of a floating dtype with
  the parameter's shape and finite values) before anything changes.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from engine import enable_grad
from engine.backend import get_array_module, to_device, to_numpy
from engine.tensor import Tensor

__all__ = ["Optimizer", "check_hyper", "implementation_flags"]


def check_hyper(name: str, value, low=0.0, high=None, low_inclusive=True, high_inclusive=False, owner=""):
    """Raise ValueError naming ``name`` and ``value`` unless ``low <= value (< high)``."""
    prefix = f"{owner}: " if owner else ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{prefix}{name} must be a number, got {value!r}") from None
    bad = math.isnan(v) or (v < low if low_inclusive else v <= low)
    if high is not None:
        bad = bad or (v > high if high_inclusive else v >= high)
    if bad:
        lo = "[" if low_inclusive else "("
        hi = "" if high is None else (f"{high}]" if high_inclusive else f"{high})")
        rng = f"{lo}{low}, {hi or 'inf)'}"
        raise ValueError(f"{prefix}invalid {name}: {value!r} (expected a value in {rng})")


def implementation_flags(owner: str, foreach=None, fused=None, capturable=False, differentiable=False) -> dict:
    """torch's implementation switches, accepted so that torch programs run unchanged and kept in the
    defaults (so they appear in ``state_dict`` as in torch).

    ``foreach``, ``fused`` and ``capturable`` choose *how* torch computes the same update (multi-tensor
    kernels, one fused kernel, step counters on the device for CUDA graphs): in Kiln they are no-ops, the
    numbers are the same either way.  ``differentiable=True`` asks for a step that autograd can
    differentiate through, which Kiln's in-place updates outside the graph are not: it is refused.
    """
    if differentiable:
        raise NotImplementedError(
            f"{owner}: differentiable=True is not supported (Kiln's optimiser steps update p.array outside the "
            "autodiff graph)")
    return dict(foreach=foreach, fused=fused, capturable=bool(capturable), differentiable=False)


_floating_cache: dict = {}


def _is_floating(dtype) -> bool:
    """Whether ``dtype`` is a real floating type (float16/32/64, and ml_dtypes' bfloat16), cached per dtype."""
    known = _floating_cache.get(dtype)
    if known is None:
        d = np.dtype(dtype)
        known = _floating_cache[dtype] = bool(np.issubdtype(d, np.floating) or d.name == "bfloat16")
    return known


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: subclasses set ``defaults`` and implement ``_update_group(group)``."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got a single Tensor"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    # ---- groups --------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (a dict with ``"params"``) with its own hyperparameters."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{name}: a parameter of shape {p.shape} does not require grad")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape {p.shape})")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}.add_param_group: the group contains a parameter more than once")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}.add_param_group: some parameters appear in more than one parameter group")
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required parameter {key!r}")
            group.setdefault(key, default)
        self._check_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Validate a group's hyperparameters (subclasses extend); raises before the group is added, before
        a step changes anything and before a loaded state dict is taken."""
        check_hyper("lr", group["lr"], high=math.inf, owner=type(self).__name__)

    #: parameter dtypes the update supports (None: every floating dtype); the fused families narrow it
    _dtypes = None

    def _check_step(self) -> None:
        """Check every group and every gradient before a step changes anything (see the module docstring).
        Kept cheap (a few attribute reads per parameter): it runs on every step."""
        name = type(self).__name__
        allowed = self._dtypes
        for gi, group in enumerate(self.param_groups):
            self._check_group(group)
            for pi, p in enumerate(group["params"]):
                g = p.grad
                if g is None:
                    continue
                pa, ga = p.array, g.array
                if ga.shape != pa.shape or type(ga) is not type(pa) \
                        or (pa.dtype not in allowed if allowed is not None else not _is_floating(pa.dtype)) \
                        or (ga.dtype != pa.dtype and not _is_floating(ga.dtype)) \
                        or getattr(ga, "device", None) != getattr(pa, "device", None):
                    self._bad_gradient(name, gi, pi, p, g)

    def _bad_gradient(self, name, gi, pi, p, g):
        where = f"{name}.step: parameter {pi} of group {gi}"
        if tuple(g.shape) != tuple(p.shape):
            raise ValueError(f"{where} has shape {tuple(p.shape)} but its gradient {tuple(g.shape)}")
        if g.device != p.device or type(g.array) is not type(p.array):
            raise ValueError(f"{where} is on {p.device} but its gradient on {g.device}")
        if not _is_floating(g.dtype):
            raise TypeError(f"{where}: the gradient has dtype {g.dtype}, expected a floating dtype")
        if self._dtypes is not None:
            raise TypeError(f"{where} has dtype {p.dtype}; {name} updates "
                            f"{' or '.join(str(d) for d in self._dtypes)} parameters")
        raise TypeError(f"{where} has dtype {p.dtype}, expected a floating dtype")

    # ---- the training-loop API -----------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (``set_to_none``), or fill it with zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor._wrap(p.grad.array) if p.grad.creator is not None else p.grad
                    p.grad.array[...] = 0
                    p.grad._bump_version()

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss when a closure is given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._check_step()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _grads(group):
        """(param, grad array) pairs of the group's parameters that have a gradient."""
        for p in group["params"]:
            if p.grad is not None:
                yield p, p.grad.array

    # ---- checkpoints ---------------------------------------------------------------------------
    def _index(self):
        return {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}

    def state_dict(self) -> dict:
        """``{"state": {index: {name: array copy | int}}, "param_groups": [{hyper..., "params": [index...]}]}``."""
        index = self._index()
        groups = []
        for g in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in g["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            state[index[id(p)]] = {k: (v.copy() if hasattr(v, "shape") else copy.deepcopy(v)) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict`.

        Everything is checked before anything changes: the layout (group count and sizes, parameter
        indexes), each group's hyperparameters with the constructor's rules (``_check_group``; keys the saved
        group lacks take the optimiser's defaults, as torch's ``__setstate__`` does) and each state entry
        (:meth:`_load_state_entry`).  A failure raises ValueError/TypeError naming the group or parameter.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(state_dict["state"], dict):
            raise TypeError(f"{name}.load_state_dict: 'param_groups' must be a list and 'state' a dict")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        id_map = {}
        new_groups = []
        for gi, (ours, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: parameter group {gi} is not a dict with 'params'")
            if len(ours["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {gi} has {len(saved['params'])} parameters in the "
                    f"loaded state dict and {len(ours['params'])} in the optimizer"
                )
            for idx, p in zip(saved["params"], ours["params"]):
                id_map[idx] = p
            group = copy.deepcopy(self.defaults)
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
            try:
                self._check_group(group)
            except (TypeError, ValueError) as e:
                raise type(e)(f"{name}.load_state_dict: parameter group {gi}: {e}") from None
            new_groups.append(group)
        new_state = {}
        for idx, s in state_dict["state"].items():
            key = int(idx) if isinstance(idx, (str, np.integer)) else idx
            if key not in id_map:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {idx!r} has no parameter")
            if not isinstance(s, dict):
                raise TypeError(f"{name}.load_state_dict: the state of parameter {key} is a {type(s).__name__}, "
                                "expected a dict")
            p = id_map[key]
            new_state[p] = {k: self._load_state_entry(k, v, p, f"{name}.load_state_dict: state {k!r} of parameter "
                                                               f"{key}") for k, v in s.items()}
        # everything checked: now commit
        for ours, group in zip(self.param_groups, new_groups):
            group["params"] = ours["params"]
            ours.clear()
            ours.update(group)
        self.state = new_state

    #: state entries that are Python floats (e.g. ASGD's ``eta``); ``step`` is always a non-negative int
    _scalar_state: tuple = ()

    def _load_state_entry(self, key, v, p, where):
        """A checked copy of one loaded state entry: ``step`` a non-negative integer, the names in
        ``_scalar_state`` finite floats, everything else a finite floating array of ``p``'s shape (cast to
        ``p``'s dtype and device)."""
        if key == "step" or key in self._scalar_state:
            raw = to_numpy(v) if hasattr(v, "shape") else v
            if hasattr(raw, "shape"):
                if raw.size != 1:
                    raise ValueError(f"{where} must be a scalar, got an array of shape {tuple(raw.shape)}")
                raw = raw.reshape(()).item()
            if isinstance(raw, bool) or not isinstance(raw, (int, float, np.integer, np.floating)):
                raise TypeError(f"{where} must be a number, got {v!r}")
            if not math.isfinite(raw):
                raise ValueError(f"{where} must be finite, got {raw!r}")
            if key != "step":
                return float(raw)
            if raw < 0 or raw != int(raw):
                raise ValueError(f"{where} must be a non-negative integer, got {raw!r}")
            return int(raw)
        if not hasattr(v, "shape") or not hasattr(v, "dtype"):
            raise TypeError(f"{where} is a {type(v).__name__}, expected an array of the parameter's shape")
        if not np.issubdtype(np.dtype(v.dtype), np.floating):
            raise TypeError(f"{where} has dtype {v.dtype}, expected a floating dtype")
        if tuple(v.shape) != tuple(p.shape):
            raise ValueError(f"{where} has shape {tuple(v.shape)}, the parameter {tuple(p.shape)}")
        arr = self._cast_state(v, p)
        if not bool(get_array_module(arr).isfinite(arr).all()):
            raise ValueError(f"{where} holds non-finite values (NaN or inf)")
        return arr

    @staticmethod
    def _cast_state(v, p):
        """A contiguous copy of state array ``v`` on ``p``'s device, floating arrays in ``p``'s dtype."""
        xp = get_array_module(p.array)
        arr = to_device(v, p.device)
        dtype = p.dtype if np.issubdtype(arr.dtype, np.floating) else arr.dtype
        return xp.ascontiguousarray(arr.astype(dtype, copy=True))

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)
