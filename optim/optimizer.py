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
- ``step`` updates ``p.data`` in place through the fused kernels of ``kernels.optim_updates``: no graph
  node is ever built, and a closure, when given, is called under ``enable_grad`` and its loss returned.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from engine import enable_grad
from engine.backend import get_array_module, to_device, to_numpy
from engine.tensor import Tensor

__all__ = ["Optimizer", "check_hyper"]


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
        """Validate a group's hyperparameters (subclasses extend); raises before the group is added."""
        check_hyper("lr", group["lr"], owner=type(self).__name__)

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
                    p.grad = Tensor._wrap(p.grad.data) if p.grad.creator is not None else p.grad
                    p.grad.data[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss when a closure is given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
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
                yield p, p.grad.data

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
        """Restore hyperparameters and state saved by :meth:`state_dict` (checked before anything changes)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        id_map = {}
        for gi, (ours, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(ours["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {gi} has {len(saved['params'])} parameters in the "
                    f"loaded state dict and {len(ours['params'])} in the optimizer"
                )
            for idx, p in zip(saved["params"], ours["params"]):
                id_map[idx] = p
        new_state = {}
        for idx, s in state_dict["state"].items():
            key = int(idx) if isinstance(idx, (str, np.integer)) else idx
            if key not in id_map:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {idx!r} has no parameter")
            p = id_map[key]
            entry = {}
            for k, v in s.items():
                if k == "step":
                    entry[k] = int(to_numpy(v).item()) if hasattr(v, "shape") else int(v)
                elif hasattr(v, "shape"):
                    if tuple(v.shape) != tuple(p.shape):
                        raise ValueError(
                            f"{name}.load_state_dict: state {k!r} of parameter {key} has shape {tuple(v.shape)}, "
                            f"the parameter {tuple(p.shape)}"
                        )
                    entry[k] = self._cast_state(v, p)
                else:
                    entry[k] = copy.deepcopy(v)
            new_state[p] = entry
        # everything checked: now commit
        for ours, saved in zip(self.param_groups, saved_groups):
            params = ours["params"]
            ours.clear()
            ours.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
            ours["params"] = params
        self.state = new_state

    @staticmethod
    def _cast_state(v, p):
        """A contiguous copy of state array ``v`` on ``p``'s device, floating arrays in ``p``'s dtype."""
        xp = get_array_module(p.data)
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
