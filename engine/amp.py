"""Mixed-precision training helpers, as ``torch.amp``: :class:`GradScaler` (dynamic loss scaling).

``GradScaler`` multiplies the loss by a scale factor before ``backward`` so that small float16 gradients do
not underflow, divides the gradients by it again before the optimiser step (``unscale_``), skips the step
when any gradient is inf or NaN, and adapts the scale: ``update`` multiplies it by ``backoff_factor`` after
a step with non-finite gradients and by ``growth_factor`` after ``growth_interval`` finite steps in a row.
The sequence of scales, skipped steps and errors is torch's (``torch.amp.GradScaler``).  The scale is kept
as a float32 value, as torch keeps it; the gradient check costs one device read per ``unscale_`` (all
gradients are checked on the device, then one boolean is read), as ``torch``'s ``step`` reads one too.

Usage (torch spelling)::

    scaler = engine.amp.GradScaler()
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)          # unscales, skips the step on inf/NaN gradients
        scaler.update()
"""
from __future__ import annotations

import numpy as np

from . import backend

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Dynamic loss scaling (see the module docstring); ``enabled=False`` makes every method a pass-through."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        if growth_factor <= 1.0:
            raise ValueError(f"GradScaler: growth_factor must be > 1, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: backoff_factor must be in (0, 1), got {backoff_factor}")
        if int(growth_interval) < 1:
            raise ValueError(f"GradScaler: growth_interval must be a positive integer, got {growth_interval}")
        self.device = device
        self._enabled = bool(enabled)
        self._scale = np.float32(init_scale)
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}  # id(optimizer) -> {"stage": ..., "found_inf": bool}

    # ---- scaling ----------------------------------------------------------------------------------
    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return float(self._scale) if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs * scale`` for a Tensor, or for each Tensor of a (nested) list or tuple."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * float(self._scale)

    def _state(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale in place and record whether any is inf or NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        for grad in grads:
            if np.dtype(grad.data.dtype) == np.float16:
                raise ValueError("Attempting to unscale FP16 gradients.")
        inv_scale = np.float32(np.float64(1.0) / np.float64(self._scale))  # torch: reciprocal in double, then float
        finite = []
        for grad in grads:  # out of place: one array may back several gradients (autograd passes them on)
            grad.data = grad.data * grad.data.dtype.type(inv_scale)
            finite.append(backend.get_array_module(grad.data).isfinite(grad.data).all())
        found_inf = False
        if finite:
            xp = backend.get_array_module(grads[0].data)
            found_inf = not bool(xp.stack(finite).all())  # the one device read
        state.update(stage=_UNSCALED, found_inf=found_inf)

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` unless an unscaled gradient was inf or NaN (then the step is skipped: None)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """Back off after non-finite gradients, grow after ``growth_interval`` clean steps; or set ``new_scale``."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = np.float32(float(new_scale))
        else:
            recorded = [s for s in self._per_optimizer.values() if s["stage"] != _READY]
            if not recorded:
                raise RuntimeError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in recorded):
                self._scale = np.float32(self._scale * np.float32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = np.float32(self._scale * np.float32(self._growth_factor))
                    self._growth_tracker = 0
        self._per_optimizer = {}

    # ---- state ------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": float(self._scale), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        missing = {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"} - set(state_dict)
        if missing:
            raise KeyError(f"GradScaler.load_state_dict: missing keys {sorted(missing)}")
        self._scale = np.float32(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
