"""``GradScaler``: loss scaling for float16 training, with torch's ``torch.amp.GradScaler`` semantics.

The loop, in torch's spelling::

    scaler = engine.amp.GradScaler("cpu")
    for x, y in loader:
        optimizer.zero_grad()
        with engine.autocast("cpu", dtype="float16"):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)        # optional: to clip the true gradients
        scaler.step(optimizer)            # skipped when a gradient holds inf/nan
        scaler.update()                   # backoff after a skip, growth after growth_interval good steps

The scale is a float32 number and every update is float32 arithmetic, as torch's: ``1/scale`` is computed
in float64 and rounded to float32, gradients are multiplied by it in place, a step whose gradients hold
an inf or a NaN is skipped, ``update`` multiplies the scale by ``backoff_factor`` after a skipped step and
by ``growth_factor`` after ``growth_interval`` consecutive good ones.  ``unscale_`` runs at most once per
optimizer between two ``update`` calls.  Misuse raises the RuntimeError torch raises, before any state
changes.  The inf/nan checks stay on the device; ``step`` reads one flag per optimizer.
"""
from __future__ import annotations

import numbers
import warnings
from collections import defaultdict

import numpy as np

from .. import backend
from ..backend import get_array_module
from ..grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = 0, 1, 2
_F32 = np.float32


def _fresh_state():
    return {"stage": _READY, "found_inf": None}


class GradScaler:
    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        if device not in ("cpu", "cuda"):
            raise ValueError(f"GradScaler: device must be 'cpu' or 'cuda', got {device!r}")
        if enabled and device == "cuda" and not backend.cuda_available():
            warnings.warn("GradScaler is enabled, but CUDA is not available; disabling it", stacklevel=2)
            enabled = False
        if enabled:
            if not growth_factor > 1.0:
                raise ValueError(f"GradScaler: growth_factor must be > 1.0, got {growth_factor}")
            if not backoff_factor < 1.0:
                raise ValueError(f"GradScaler: backoff_factor must be < 1.0, got {backoff_factor}")
            if not (isinstance(growth_interval, numbers.Integral) and growth_interval > 0):
                raise ValueError(f"GradScaler: growth_interval must be a positive integer, got {growth_interval!r}")
            if not (np.isfinite(init_scale) and init_scale > 0):
                raise ValueError(f"GradScaler: init_scale must be a finite positive number, got {init_scale!r}")
        self._device = device
        self._enabled = bool(enabled)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._scale = None           # float32, created by the first scale()
        self._growth_tracker = None  # consecutive steps without inf/nan
        self._per_optimizer = defaultdict(_fresh_state)

    # ---- the training-loop calls ------------------------------------------------------------------
    def scale(self, outputs):
        """``outputs * scale``: a Tensor, or an (arbitrarily nested) list/tuple of Tensors."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = _F32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker

        def apply(o):
            if isinstance(o, Tensor):
                s = Tensor._wrap(get_array_module(o.array).asarray(self._scale, dtype=_F32))
                return o * s
            if isinstance(o, (list, tuple)):
                return type(o)(apply(v) for v in o)
            raise TypeError(f"GradScaler.scale: outputs must be a Tensor or a list/tuple of Tensors, "
                            f"got {type(o).__name__}")

        return apply(outputs)

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale in place and record whether any is inf/nan."""
        if not self._enabled:
            return
        self._check_scaled("unscale_")
        state = self._per_optimizer[id(optimizer)]
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        for g in grads:
            if g.array.dtype == np.float16:
                raise ValueError("GradScaler.unscale_: attempting to unscale float16 gradients "
                                 "(keep the parameters float32 and let autocast cast them)")
        inv_scale = _F32(1.0 / np.float64(self._scale))
        found = None
        with no_grad():
            for g in grads:
                xp = get_array_module(g.array)
                bad = ~xp.isfinite(g.array).all()
                found = bad if found is None else (found | bad)
                g.array *= inv_scale.astype(g.array.dtype)
                g._bump_version()
        state["found_inf"] = found if found is not None else False
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``unscale_`` if not done yet, then ``optimizer.step(*args)`` unless a gradient is inf/nan."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scaled("step")
        state = self._per_optimizer[id(optimizer)]
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        retval = None
        if not bool(state["found_inf"]):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Back off after a skipped step, grow after ``growth_interval`` good ones; or set ``new_scale``."""
        if not self._enabled:
            return
        self._check_scaled("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.array.size != 1 or new_scale.requires_grad:
                    raise ValueError("GradScaler.update: new_scale must be a float or a 1-element tensor "
                                     "with requires_grad=False")
                new_scale = new_scale.item()
            self._scale = _F32(new_scale)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise RuntimeError("GradScaler.update: no inf checks were recorded prior to update() "
                                   "(call step(optimizer) or unscale_(optimizer) first)")
            if any(bool(f) for f in found):
                self._scale = _F32(self._scale * _F32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                successful = self._growth_tracker + 1
                if successful == self._growth_interval:
                    grown = _F32(self._scale * _F32(self._growth_factor))
                    if np.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
                else:
                    self._growth_tracker = successful
        self._per_optimizer = defaultdict(_fresh_state)

    def _check_scaled(self, name):
        if self._scale is None:
            raise RuntimeError(f"GradScaler.{name}: no scale yet; this may indicate your script did not use "
                               "scaler.scale(loss or outputs) earlier in the iteration.")

    # ---- reading and checkpointing -----------------------------------------------------------------
    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale)

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def _get_growth_tracker(self) -> int:
        if self._growth_tracker is None:
            return self._init_growth_tracker
        return int(self._growth_tracker)

    def state_dict(self) -> dict:
        """torch's keys: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} if disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("GradScaler.load_state_dict: the source state dict is empty, possibly because it "
                               "was saved from a disabled instance of GradScaler.")
        keys = ("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker")
        missing = [k for k in keys if k not in state_dict]
        if missing:
            raise KeyError(f"GradScaler.load_state_dict: missing keys {missing}")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = _F32(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker
