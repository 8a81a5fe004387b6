"""Module backward hooks (``register_full_backward_hook``/``register_full_backward_pre_hook``), as torch's.

A module with backward hooks routes its tensor inputs, and separately its tensor outputs, through
one flat concatenation each, split back into tensors of the original shapes.  The gradient of that
flat tensor is, at once, the gradient of every input (or output), so a Tensor hook on it can hand the
module's hooks whole tuples and write their replacements back — what torch does with its
``BackwardHookFunction``, here built from existing differentiable ops (concatenate, getitem, reshape).

Calls, as torch: ``pre_hook(module, grad_output)`` when the outputs' gradients are known (a non-None
return replaces ``grad_output``); ``hook(module, grad_input, grad_output)`` when the inputs' gradients
are known (a non-None return replaces ``grad_input``).  ``grad_input`` has one entry per positional
argument (None for arguments that are not tensors requiring grad); when no input requires grad the
hooks are called with all-None ``grad_input`` once the outputs' gradients are known.
"""
from __future__ import annotations

import engine
from engine import Tensor


def _through_flat(tensors, owner, what, on_grad):
    """``tensors`` rebuilt from one flat concatenation whose gradient goes through ``on_grad``."""
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(
            f"{owner}: backward hooks need the module's {what} to share one dtype, got {sorted(str(d) for d in dtypes)}"
        )
    flat = engine.concatenate([t.reshape(-1) for t in tensors], axis=0)
    bounds, out, start = [], [], 0
    for t in tensors:
        end = start + t.numel()
        bounds.append((start, end, t.shape))
        out.append(flat[start:end].reshape(t.shape))
        start = end

    def hook(g):
        parts = tuple(Tensor._wrap(g.array[a:b].reshape(shape)) for a, b, shape in bounds)
        new = on_grad(parts)
        if new is None:
            return None
        if len(new) != len(parts):
            raise RuntimeError(f"{owner}: a backward hook returned {len(new)} gradients for {len(parts)} {what}")
        pieces = []
        for p, n in zip(parts, new):
            n = p if n is None else engine.as_tensor(n)
            if tuple(n.shape) != tuple(p.shape):
                raise RuntimeError(f"{owner}: a backward hook returned a gradient of shape {n.shape} for one of shape {p.shape}")
            pieces.append(n.reshape(-1))
        return engine.concatenate(pieces, axis=0)

    flat.register_hook(hook)
    return out


class BackwardHookState:
    """One forward call's bookkeeping between the output side and the input side of the hooks."""

    def __init__(self, module, args):
        self.module = module
        self.n_args = len(args)
        self.input_slots = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        self.grad_output = None

    def wrap_inputs(self, args):
        if not self.input_slots:
            return args
        owner = type(self.module).__name__
        new = _through_flat([args[i] for i in self.input_slots], owner, "inputs", self._on_input_grads)
        args = list(args)
        for i, t in zip(self.input_slots, new):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, out):
        single = isinstance(out, Tensor)
        items = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
        if items is None:
            return out
        slots = [i for i, t in enumerate(items) if isinstance(t, Tensor) and t.requires_grad]
        if not slots:
            return out
        self._n_outputs = len(items)
        self._output_slots = slots
        new = _through_flat([items[i] for i in slots], type(self.module).__name__, "outputs", self._on_output_grads)
        for i, t in zip(slots, new):
            items[i] = t
        if single:
            return items[0]
        if isinstance(out, list):
            return items
        return type(out)(*items) if hasattr(out, "_fields") else tuple(items)  # namedtuples keep their type

    def _expand(self, parts, slots, n):
        full = [None] * n
        for i, p in zip(slots, parts):
            full[i] = p
        return tuple(full)

    def _on_output_grads(self, parts):
        grad_output = self._expand(parts, self._output_slots, self._n_outputs)
        replaced = False
        for hook in list(self.module._backward_pre_hooks.values()):
            res = hook(self.module, grad_output)
            if res is not None:
                grad_output = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                replaced = True
        self.grad_output = grad_output
        if not self.input_slots:  # nothing upstream needs a gradient: call the full hooks now
            self._call_full_hooks(tuple([None] * self.n_args))
        if replaced:
            return [grad_output[i] for i in self._output_slots]
        return None

    def _on_input_grads(self, parts):
        grad_input = self._expand(parts, self.input_slots, self.n_args)
        new = self._call_full_hooks(grad_input)
        if new is None:
            return None
        return [new[i] for i in self.input_slots]

    def _call_full_hooks(self, grad_input):
        replaced = None
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(
                        f"{type(self.module).__name__}: backward hook returned {len(res)} gradients, expected "
                        f"{len(grad_input)} (one per positional input)"
                    )
                grad_input = replaced = res
        return replaced
