"""``Function``: one differentiable operation, and the graph node it leaves behind.

A subclass defines two static methods side by side, exactly like PyTorch's ``autograd.Function``::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):          # raw arrays (numpy or cupy) in, raw array(s) out
            ctx.save_for_backward(x)
            return x ** 3
        @staticmethod
        def backward(ctx, gy):        # Tensors in, Tensors out, built from differentiable ops
            (x,) = ctx.saved_tensors
            return gy * 3 * x ** 2

``Cube.apply(t)`` runs ``forward`` on the raw data and, when gradients are needed, records an
instance of ``Cube`` as the graph node (the instance *is* the ``ctx``).  Tensor arguments become graph
inputs; any other argument (a shape, an axis, a Python scalar) is passed to ``forward`` unchanged and
gets ``None`` from ``backward``.  Because ``backward`` is written with Tensor ops, running it with
``create_graph=True`` records a graph of the backward pass: higher-order gradients come for free.

Nodes hold edges to the nodes of their inputs (not the input tensors), a generation number (one more
than the largest of their inputs'), and only what ``forward`` chose to save.  A saved output is kept
as its raw array and re-wrapped as a tensor of this node on unpacking, so that no reference cycle
keeps big arrays alive.  Every subclass defined under ``engine.ops`` is registered in
:data:`OP_REGISTRY`, which the op-table test compares against its table.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import grad_mode
from .backend import is_array

__all__ = ["Function", "OP_REGISTRY", "once_differentiable", "AccumulateGrad"]

#: name -> Function subclass, for every op defined under ``engine.ops`` (the op-table test reads it).
OP_REGISTRY: dict[str, type] = {}

_SAVED_TENSOR, _SAVED_OUTPUT, _SAVED_CONST = 0, 1, 2

Tensor = None  # engine.tensor sets this on import (the two modules refer to each other)
_autocast_hook = None  # engine.amp installs its dispatch here while an autocast region is open


class AccumulateGrad:
    """The node of a leaf tensor that requires grad: adds incoming gradients into ``leaf.grad``."""

    __slots__ = ("_ref", "generation", "__weakref__")
    is_accumulator = True
    n_outputs = 1

    def __init__(self, variable):
        self._ref = weakref.ref(variable)  # weak: a leaf and its node form no reference cycle
        self.generation = 0

    @property
    def variable(self):
        """The leaf tensor, or None once nobody holds it any more."""
        return self._ref()

    def name(self) -> str:
        return "AccumulateGrad"


class Function:
    """Base class of every differentiable operation; see the module docstring."""

    is_accumulator = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("engine.ops") and not cls.__name__.startswith("_"):
            OP_REGISTRY[cls.__name__] = cls

    # ---- the context API used inside forward/backward ----------------------------------------
    def save_for_backward(self, *items) -> None:
        """Keep arrays (inputs, outputs or constants) for ``backward``; read them with ``saved_tensors``."""
        self._to_save = items

    def mark_non_differentiable(self, *arrays) -> None:
        """Outputs given here (e.g. integer indexes) never require grad."""
        self._non_diff = arrays

    @property
    def saved_tensors(self) -> tuple:
        """The saved items as Tensors: inputs are the input tensors themselves, outputs are re-wrapped
        as tensors of this node, so that a ``create_graph`` backward differentiates through them."""
        saved = self._check_saved()
        out = []
        for kind, obj, nr in saved:
            if kind == _SAVED_TENSOR:
                out.append(obj)
            elif kind == _SAVED_OUTPUT:
                out.append(Tensor._wrap(obj, self, nr, True))
            else:
                out.append(Tensor._wrap(obj) if is_array(obj) else obj)  # Python scalars stay scalars
        return tuple(out)

    @property
    def saved_arrays(self) -> tuple:
        """The saved items as raw arrays (for backward passes written on arrays, see once_differentiable)."""
        return tuple(obj.data if kind == _SAVED_TENSOR else obj for kind, obj, _ in self._check_saved())

    def _check_saved(self):
        saved = getattr(self, "_saved", ())
        if saved is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time (or to read saved "
                "tensors after they were freed). Saved arrays are freed after backward; pass retain_graph=True "
                "to the first backward() if you need to backward through the graph again."
            )
        return saved

    def name(self) -> str:
        return type(self).__name__

    # ---- running ------------------------------------------------------------------------------
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("Function subclasses define backward(ctx, *grad_tensors)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on raw data; record a node when grad mode is on and an input requires grad."""
        if _autocast_hook is not None:  # engine.amp.autocast: casts around the op (engine/amp/autocast_mode.py)
            out = _autocast_hook(cls, args, kwargs)
            if out is not None:
                return out
        ctx = object.__new__(cls)
        raw = []
        needs = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.data)
                r = a.requires_grad
                needs.append(r)
                record = record or r
            else:
                raw.append(a)
                needs.append(False)
        if record and grad_mode._State.enabled:
            ctx.needs_input_grad = tuple(needs)
        else:
            record = False
            ctx.needs_input_grad = _NO_GRADS[len(args)] if len(args) < 8 else (False,) * len(args)
        out = cls.forward(ctx, *raw, **kwargs)
        wrap = Tensor._wrap
        if out.__class__ is not tuple:
            if not is_array(out):
                out = np.asarray(out)
            if not record:
                return wrap(out)
            outs = (out,)
        else:
            outs = tuple(o if is_array(o) else np.asarray(o) for o in out)
            if not record:
                return tuple(wrap(o) for o in outs)
        return _record(ctx, args, raw, outs, out.__class__ is not tuple)


_NO_GRADS = [(False,) * n for n in range(8)]


def _record(ctx, args, raw, outs, single):
    """Attach the node ``ctx`` to the graph: edges, generation, metadata, saved items, outputs."""
    edges = []
    gen = 0
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            meta.append((a.data.shape, a.data.dtype))
            if a.requires_grad:
                creator = a._creator
                if creator is None:
                    node, slot = a._accumulator(), 0
                else:
                    node, slot = creator, a._output_nr
                edges.append((node, slot))
                if node.generation >= gen:
                    gen = node.generation + 1
                continue
        else:
            meta.append(None)
        edges.append(None)
    ctx.next_edges = edges
    ctx.generation = gen
    ctx.input_meta = meta
    ctx.n_outputs = len(outs)
    ctx.output_meta = [(o.shape, o.dtype) for o in outs]
    non_diff = getattr(ctx, "_non_diff", ())
    wrap = Tensor._wrap
    if non_diff:
        results = tuple(
            wrap(o) if any(o is d for d in non_diff) else wrap(o, ctx, i, True) for i, o in enumerate(outs)
        )
    else:
        results = tuple(wrap(o, ctx, i, True) for i, o in enumerate(outs))
    to_save = getattr(ctx, "_to_save", None)
    if to_save:
        ctx._saved = [_resolve_saved(item, args, raw, outs) for item in to_save]
        ctx._to_save = ()
    else:
        ctx._saved = ()
    return results[0] if single else results


def _resolve_saved(item, args, raw, outs):
    if isinstance(item, Tensor):
        return (_SAVED_TENSOR, item, 0)
    if item is None:
        return (_SAVED_CONST, None, 0)
    for a, r in zip(args, raw):
        if r is item and isinstance(a, Tensor):
            return (_SAVED_TENSOR, a, 0)
    for i, o in enumerate(outs):
        if o is item:
            return (_SAVED_OUTPUT, o, i)
    return (_SAVED_CONST, item, 0)


class _NotTwiceDifferentiable(Function):
    """Carries a gradient computed on raw arrays; differentiating it again raises a clear error."""

    @staticmethod
    def forward(ctx, *args, op_name, arrays):
        ctx.op_name = op_name
        return tuple(arrays) if len(arrays) != 1 else arrays[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            f"{ctx.op_name}: its backward is not twice differentiable; higher-order gradients "
            "(create_graph=True followed by another backward) are not supported through this op"
        )


def once_differentiable(op_name: str):
    """Decorator for a ``backward`` written on raw arrays (fast kernels).

    The wrapped backward receives raw gradient arrays (``None`` for outputs without a gradient) and
    returns raw arrays or ``None``.  When the caller asked for ``create_graph=True``, the returned
    gradients are tied to a node whose own backward raises "<op_name>: its backward is not twice
    differentiable", so a silent wrong second derivative is impossible.
    """

    def decorate(backward):
        def wrapper(ctx, *grads):
            raw = [None if g is None else g.data for g in grads]
            with grad_mode.no_grad():
                out = backward(ctx, *raw)
            single = not isinstance(out, tuple)
            outs = (out,) if single else out
            deps = [g for g in grads if g is not None]
            if grad_mode.is_grad_enabled():
                deps += [t for t in ctx.saved_tensors if isinstance(t, Tensor)]
            if grad_mode.is_grad_enabled() and any(d.requires_grad for d in deps):
                present = [o for o in outs if o is not None]
                wrapped = _NotTwiceDifferentiable.apply(*deps, op_name=op_name, arrays=present)
                wrapped = list(wrapped) if isinstance(wrapped, tuple) else [wrapped]
                res = tuple(None if o is None else wrapped.pop(0) for o in outs)
            else:
                res = tuple(None if o is None else Tensor._wrap(o) for o in outs)
            return res[0] if single else res

        wrapper.__name__ = getattr(backward, "__name__", "backward")
        wrapper.__doc__ = backward.__doc__
        return wrapper

    return decorate
