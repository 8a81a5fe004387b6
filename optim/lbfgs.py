"""L-BFGS, as in ``torch.optim.LBFGS``: a quasi-Newton method that needs a closure re-evaluating the loss.

``step(closure)`` runs up to ``max_iter`` iterations (``max_eval`` closure calls) on all parameters seen as one
flat vector:

1. direction ``d = -H g``, with ``H`` the inverse-Hessian estimate of the last ``history_size`` curvature pairs
   ``(s, y) = (step, change of gradient)`` (pairs with ``y . s <= 1e-10`` are skipped), applied by the two-loop
   recursion with the initial scaling ``H_diag = y.s / y.y``; the first iteration goes along ``-g``;
2. step ``t = lr`` (the first iteration of a run: ``min(1, 1 / |g|_1) * lr``), or, with
   ``line_search_fn="strong_wolfe"``, the step :func:`optim.line_search.strong_wolfe` finds from there;
3. stop when ``max|g| <= tolerance_grad``, the step or the loss change falls under ``tolerance_change``,
   or the budgets run out.

The curvature history and the last direction survive between ``step`` calls in the state of the first
parameter (``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``,
``prev_flat_grad``, ``prev_loss``, ``al``), as in torch.  One parameter group only.  The flat vectors are
arrays of the parameters' dtype; the scalars (dot products, step sizes) are Python floats.

Checks: the hyperparameters before the first closure call, every gradient (shape, dtype, device) each time it
is gathered, before it is used.  A step makes several updates, so a closure that starts returning bad
gradients mid-step raises with the updates of the earlier iterations kept (a single iteration is never left
half-applied); each write bumps the parameters' version counters.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from engine import enable_grad
from engine.backend import get_array_module

from .line_search import strong_wolfe
from .optimizer import Optimizer, check_hyper

__all__ = ["LBFGS"]

_VECTORS = ("d", "prev_flat_grad")
_VECTOR_LISTS = ("old_dirs", "old_stps")
_FLOATS = ("t", "H_diag", "prev_loss")
_COUNTS = ("func_evals", "n_iter")


def _loss_value(loss):
    return float(loss.item()) if hasattr(loss, "item") else float(loss)


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
    history_size=100, line_search_fn=None, *, maximize=False)``; ``max_eval`` defaults to ``max_iter * 5 // 4``."""

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None, *, maximize=False):
        if max_eval is None and isinstance(max_iter, numbers.Integral):
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn,
                        maximize=maximize)
        super().__init__(params, defaults)
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _check_group(self, group):
        super()._check_group(group)
        for k, low in (("max_iter", 1), ("max_eval", 1), ("history_size", 1)):
            v = group[k]
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise ValueError(f"LBFGS: {k} must be an integer >= {low}, got {v!r}")
        check_hyper("tolerance_grad", group["tolerance_grad"], high=math.inf, owner="LBFGS")
        check_hyper("tolerance_change", group["tolerance_change"], high=math.inf, owner="LBFGS")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {group['line_search_fn']!r}")

    # ---- flat views of the parameters ----------------------------------------------------------
    def _flat_grad(self):
        """All gradients as one flat array (zeros where a parameter has none), checked first."""
        xp = get_array_module(self._params[0].array)
        parts = []
        for i, p in enumerate(self._params):
            g = p.grad
            if g is None:
                parts.append(xp.zeros(p.array.size, dtype=p.dtype))
                continue
            where = f"LBFGS.step: parameter {i}"
            if tuple(g.shape) != tuple(p.shape):
                raise ValueError(f"{where} has shape {tuple(p.shape)} but its gradient {tuple(g.shape)}")
            if g.device != p.device:
                raise ValueError(f"{where} is on {p.device} but its gradient on {g.device}")
            if not np.issubdtype(np.dtype(g.dtype), np.floating):
                raise TypeError(f"{where}: the gradient has dtype {g.dtype}, expected a floating dtype")
            parts.append(g.array.reshape(-1).astype(p.dtype, copy=False))
        flat = xp.concatenate(parts) if len(parts) > 1 else parts[0].copy()
        return -flat if self.param_groups[0]["maximize"] else flat

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += step_size * update[offset:offset + n].reshape(p.shape)
            p._bump_version()
            offset += n

    def _set_params(self, values):
        for p, v in zip(self._params, values):
            p.array[...] = v
            p._bump_version()

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        value = _loss_value(loss)
        return loss, (-value if self.param_groups[0]["maximize"] else value)

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t d``; the parameters are put back to ``x`` afterwards."""
        self._add_grad(t, d)
        try:
            _, loss = self._evaluate(closure)
            flat = self._flat_grad()
        finally:
            self._set_params(x)
        return loss, flat

    # ---- the step --------------------------------------------------------------------------------
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first closure call."""
        if closure is None:
            raise TypeError("LBFGS.step: a closure that re-evaluates the model and returns the loss is required")
        group = self.param_groups[0]
        for p in self._params:
            if not np.issubdtype(np.dtype(p.dtype), np.floating):
                raise TypeError(f"LBFGS.step: parameter of dtype {p.dtype}; expected a floating dtype")
        self._check_group(group)
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = get_array_module(self._params[0].array)

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss = self._evaluate(closure)
        flat_grad = self._flat_grad()
        current_evals = 1
        state["func_evals"] += 1
        if float(xp.abs(flat_grad).max()) <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(xp.dot(y, s))
                if ys > 1e-10:  # keep the pair only with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(xp.dot(y, y))
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(xp.dot(old_stps[i], q)) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(xp.dot(old_dirs[i], r)) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(xp.dot(flat_grad, d))
            if gtd > -tol_change:  # not a descent direction
                break
            evals = 0
            opt_cond = False
            if group["line_search_fn"] == "strong_wolfe":
                x0 = [p.array.copy() for p in self._params]
                loss, flat_grad, t, evals = strong_wolfe(
                    lambda step: self._directional_evaluate(closure, x0, step, d), t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = float(xp.abs(flat_grad).max()) <= tol_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    _, loss = self._evaluate(closure)
                    flat_grad = self._flat_grad()
                    opt_cond = float(xp.abs(flat_grad).max()) <= tol_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    # ---- checkpoints -----------------------------------------------------------------------------
    def _load_state_entry(self, key, v, p, where):
        """L-BFGS's state: counts, floats, flat vectors of all parameters' length and lists of them."""
        numel = sum(q.array.size for q in self._params)

        def vector(a, name):
            if not hasattr(a, "shape") or not np.issubdtype(np.dtype(a.dtype), np.floating) or \
                    tuple(a.shape) != (numel,):
                raise ValueError(f"{name} must be a flat floating array of {numel} elements, got {a!r:.80}")
            arr = self._cast_state(a, self._params[0])
            if not bool(get_array_module(arr).isfinite(arr).all()):
                raise ValueError(f"{name} holds non-finite values (NaN or inf)")
            return arr

        def number(x, name, allow_none=False):
            if x is None and allow_none:
                return None
            if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)) or \
                    not math.isfinite(x):
                raise ValueError(f"{name} must be a finite number, got {x!r}")
            return float(x)

        if key in _COUNTS:
            if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) or v < 0:
                raise ValueError(f"{where} must be a non-negative integer, got {v!r}")
            return int(v)
        if key in _FLOATS:
            return number(v, where)
        if key in _VECTORS:
            return vector(v, where)
        if key in _VECTOR_LISTS + ("ro", "al"):
            if not isinstance(v, (list, tuple)):
                raise TypeError(f"{where} must be a list, got {type(v).__name__}")
            if key in _VECTOR_LISTS:
                return [vector(a, f"{where}[{i}]") for i, a in enumerate(v)]
            return [number(x, f"{where}[{i}]", allow_none=key == "al") for i, x in enumerate(v)]
        raise ValueError(f"{where}: LBFGS keeps no state of that name")
