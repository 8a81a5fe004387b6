"""Flat per-group buffers: the storage layout behind the fused optimisers' one-launch-per-group step.

Design (issue 19, section 4: a LeNet5 Adam step issued one Numba launch per parameter, 10 in all):

- **Parameters.**  When a fused optimiser adds a param group it *re-homes* the group's parameters: their
  values are copied, in group order, into one contiguous 1-D buffer per (array type, device, dtype) found in
  the group (a :class:`Bucket`; a group of one device and dtype has one), and each parameter's ``array``
  becomes a C-contiguous view into it.  From then on ``p.array`` is stable (the optimiser writes through it
  in place), but an array object taken from ``p`` *before* the optimiser was built no longer aliases it:
  hold the Parameter, as in torch, not its raw array.  A non-contiguous parameter becomes contiguous.
- **State.**  Each state array of the rule (``exp_avg``, ``exp_avg_sq``, ``momentum_buffer``, ...) has one
  flat buffer per bucket, allocated on first use; ``optimizer.state[p][name]`` is the parameter's view into
  it, so ``state_dict`` / ``load_state_dict`` still see per-parameter state exactly as torch's.  A state
  entry still appears only once its parameter had a gradient (torch's lazy state).
- **Gradients** are the engine's separate arrays: a run hands the kernel the list of them (flattened views).
  The CPU twin reads them where they lie (a copy into one buffer would cost as much memory traffic as half
  the update); the CUDA twin gathers them with one concatenation before its one launch.
- **Runs.**  A step updates, per bucket, each maximal run of consecutive parameters that have a gradient
  and share the rule's *run key* (Adam's step count, SGD's "momentum buffer not yet started") with ONE
  fused kernel call over the slices of the flat buffers.  In the common case (every parameter has a
  gradient and the same step count) that is one call per bucket, i.e. one launch per group.  Parameters
  whose gradient is None are skipped exactly as torch skips them (not updated, state not advanced); a
  parameter that skipped steps gets a different step count and therefore its own run.
- **Replaced storage.**  Every step first checks, by identity, that each parameter's ``array`` is still its
  view and each state entry still its state view.  A parameter whose array was replaced behind the
  optimiser's back (``p.data = ...``, ``model.to(...)``, ``model.double()``, a module's ``load_state_dict``
  that could not write in place) makes the group re-flatten from the parameters' *current* arrays (values,
  device and dtype), carrying the state along (moved and cast to the parameter's device and dtype).  A state
  entry that was replaced (``optimizer.load_state_dict``, or a user assignment) makes the bucket copy the
  current per-parameter state arrays into fresh flat buffers.  Nothing ever updates a stale copy.
  In-place writes (``p.copy_(...)``, ``p[...] = ...``, ``nn.init``) keep the view and need nothing.
"""
from __future__ import annotations

from operator import attrgetter, is_

from engine.backend import device_of, get_array_module, to_device

__all__ = ["Bucket", "layout"]

_array = attrgetter("array")


class Bucket:
    """The parameters of one group that share (array type, device, dtype), in group order, re-homed into
    one flat buffer, and the flat buffers of their state (see the module docstring)."""

    __slots__ = ("params", "bounds", "flat", "views", "xp", "states", "state_views", "clean", "inits")

    def __init__(self, params):
        arrays = [p.array for p in params]
        self.xp = xp = get_array_module(arrays[0])
        bounds = [0]
        for a in arrays:
            bounds.append(bounds[-1] + a.size)
        self.params, self.bounds = list(params), bounds
        self.flat = xp.concatenate([a.reshape(-1) for a in arrays])
        self.views = [self._view(self.flat, i) for i in range(len(arrays))]
        for p, v in zip(self.params, self.views):
            p.array = v
        self.forget_state()

    def _view(self, flat, i):
        return flat[self.bounds[i]:self.bounds[i + 1]].reshape(self.params[i].shape)

    def forget_state(self) -> None:
        """Drop the flat state buffers; the next :meth:`state_flat` copies the per-parameter state back in."""
        self.states, self.state_views, self.clean, self.inits = {}, {}, {}, {}

    def stale(self, state) -> str:
        """``"params"`` if a parameter's array is no longer its view, ``"state"`` if a state entry is no longer
        its state view, else ``""`` (identity checks only: this runs on every step)."""
        if not all(map(is_, map(_array, self.params), self.views)):
            return "params"
        if self.state_views:
            entries = list(map(state.get, self.params))
            for name, views in self.state_views.items():
                for s, view in zip(entries, views):
                    if s is not None:
                        a = s.get(name)
                        if a is not view and a is not None:
                            return "state"
        return ""

    def state_flat(self, name, init, state):
        """The flat buffer of state ``name``, allocated filled with ``init`` on first use; state arrays the
        parameters already have (loaded, or from before a re-flatten) are copied in (moved to the bucket's
        device and cast to its dtype) and replaced by their views."""
        flat = self.states.get(name)
        if flat is not None:
            return flat
        flat = self.xp.full(self.bounds[-1], init, dtype=self.flat.dtype)
        views, clean = [], []
        for i, p in enumerate(self.params):
            view = self._view(flat, i)
            s = state.get(p)
            old = None if s is None else s.get(name)
            if old is not None:
                view[...] = to_device(old, device_of(view)).astype(view.dtype, copy=False)
                s[name] = view
            views.append(view)
            clean.append(old is None)
        self.states[name], self.state_views[name], self.clean[name], self.inits[name] = flat, views, clean, init
        return flat

    def new_entry(self, i, name, init):
        """Parameter ``i``'s view of state ``name`` for a state entry being created now, holding ``init``."""
        view = self.state_views[name][i]
        if not self.clean[name][i] or self.inits[name] != init:
            view[...] = init
        self.clean[name][i] = False
        return view

    def runs(self, state, key_of) -> list:
        """``(lo, hi, key)`` for each maximal run of consecutive parameters that have a gradient and share
        ``key_of(state.get(p))``."""
        out = []
        start = key = None
        for i, p in enumerate(self.params):
            if p.grad is None:
                if start is not None:
                    out.append((start, i, key))
                    start = None
                continue
            k = key_of(state.get(p))
            if start is None:
                start, key = i, k
            elif k != key:
                out.append((start, i, key))
                start, key = i, k
        if start is not None:
            out.append((start, len(self.params), key))
        return out

    def gradients(self, lo, hi) -> list:
        """The gradients of parameters ``lo:hi`` as 1-D contiguous arrays of the bucket's dtype (views where
        they already are; the kernels read them where they lie)."""
        dtype = self.flat.dtype
        out = []
        for p in self.params[lo:hi]:
            g = p.grad.array
            out.append((g if g.dtype == dtype else g.astype(dtype)).ravel())
        return out


def _check_state_shapes(owner, params, state) -> None:
    """Refuse to re-flatten a parameter whose storage was replaced by one of another shape while it has
    state (the state could not follow it), before anything changes."""
    for i, p in enumerate(params):
        for name, v in (state.get(p) or {}).items():
            if hasattr(v, "shape") and tuple(v.shape) != tuple(p.shape):
                raise ValueError(
                    f"{owner}.step: parameter {i} of a group now has shape {tuple(p.shape)} but its optimizer state "
                    f"{name!r} has shape {tuple(v.shape)} (its storage was replaced by one of another shape; "
                    "build a new optimizer or load a matching state dict)")


def _buckets(params) -> list:
    by_kind: dict = {}
    for p in params:
        a = p.array
        by_kind.setdefault((type(a), device_of(a), a.dtype), []).append(p)
    return [Bucket(ps) for ps in by_kind.values()]


def layout(cache: dict, group: dict, state: dict, owner: str) -> list:
    """The buckets of ``group`` (cached in ``cache`` by group identity), re-flattened first where a
    parameter's storage or a state entry was replaced (see the module docstring).  Raises ValueError
    (naming ``owner``) before anything changes where state cannot follow a parameter's new shape."""
    entry = cache.get(id(group))
    params = group["params"]
    if entry is not None and entry[0] is group and len(entry[1]) == len(params) \
            and all(map(is_, entry[1], params)):
        buckets = entry[2]
        for b in buckets:
            why = b.stale(state)
            if why == "params":
                break
            if why == "state":
                b.forget_state()
        else:
            return buckets
    _check_state_shapes(owner, params, state)
    buckets = _buckets(params) if params else []
    cache[id(group)] = (group, list(params), buckets)
    return buckets
