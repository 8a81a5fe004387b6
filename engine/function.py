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
keeps big arrays alive.

Version counters (PyTorch's mechanism): every saved input or output records the version of its
tensor's storage when it is saved; reading ``saved_tensors``/``saved_arrays`` in backward compares
those ints with the current versions and raises RuntimeError naming the op and the tensor when an
in-place write happened in between.  An output that is a view of an input (basic indexing, reshape,
transpose, ``split``) shares the input's counter, so a write through the view is seen too.  Arrays
an op keeps as plain ``ctx`` attributes (masks, indexes it computed) are its own copies and need no
check.  Every subclass defined under ``engine.ops`` is registered in
:data:`OP_REGISTRY`, which the op-table test compares against its table.
"""
from __future__ import annotations

import contextlib

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
    _view_of = None  # (version counter, graph writes then) when an output is a view of an input
    # defaults read on every recorded op and backward step (class attributes: no failed lookups on the hot path)
    _to_save = None  # what forward passed to save_for_backward
    _non_diff = ()  # outputs given to mark_non_differentiable
    _hooks = None  # {output slot: [hook]} from register_hook on a non-leaf output
    _retain = None  # {output slot: weakref to the tensor} from retain_grad

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
        for kind, obj, nr, _, _ in saved:
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
        return tuple(obj.array if kind == _SAVED_TENSOR else obj for kind, obj, _, _, _ in self._check_saved())

    def _check_saved(self):
        saved = getattr(self, "_saved", ())
        if saved is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time (or to read saved "
                "tensors after they were freed). Saved arrays are freed after backward; pass retain_graph=True "
                "to the first backward() if you need to backward through the graph again."
            )
        for kind, obj, nr, counter, version in saved:
            if counter is not None and counter[0] != version:
                self._raise_modified(kind, obj, nr, counter[0], version)
        return saved

    def _raise_modified(self, kind, obj, nr, now, then):
        arr = obj.array if kind == _SAVED_TENSOR else obj
        what = f"output {nr} of {self.name()}" if kind == _SAVED_OUTPUT else f"an input saved by {self.name()}"
        raise RuntimeError(
            f"{self.name()}: one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{arr.dtype} tensor of shape {tuple(arr.shape)}], which is {what}, is at "
            f"version {now}; expected version {then} instead. Hint: change the in-place write (add_, copy_, "
            "x[idx] = v, nn.init, load_state_dict, an optimiser step) to happen after backward, or make it "
            "out of place."
        )

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
                raw.append(a.array)
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
            returned = (out,)
            if not is_array(out):  # NumPy gives scalars (np.float32) for 0-d results: keep arrays
                out = np.asarray(out)
            if not record:
                return _share_counter(wrap(out), args, raw)
            outs = (out,)
        else:
            returned = out
            outs = tuple(o if is_array(o) else np.asarray(o) for o in out)
            if not record:
                return tuple(_share_counter(wrap(o), args, raw) for o in outs)
        return _record(ctx, args, raw, outs, out.__class__ is not tuple, returned)


_NO_GRADS = [(False,) * n for n in range(8)]


_tracer = None  # set by trace_records(): called as _tracer(ctx, args) for every node recorded


@contextlib.contextmanager
def trace_records(fn):
    """Call ``fn(node, args)`` for every node recorded inside the block (the ONNX exporter's tracer).

    ``args`` are the op's call arguments as given (Tensors and constants), which the node itself does
    not keep.  Outside such a block recording pays one global lookup per node.
    """
    global _tracer
    previous, _tracer = _tracer, fn
    try:
        yield
    finally:
        _tracer = previous


def _share_counter(t, args, raw, ctx=None):
    """Give ``t`` the version counter of the input whose array its array aliases (a view), if any; a
    recorded node ``ctx`` remembers how many in-graph writes that storage had seen (see _raise_stale_view)."""
    out = t.array
    base = out.base
    if base is None:  # a new array (the common case), unless forward handed back its first input itself
        if raw and raw[0] is out and isinstance(args[0], Tensor):
            _share(t, args[0], ctx)
        return t
    for a, r in zip(args, raw):
        if isinstance(a, Tensor) and (r is out or r is base or r.base is base):
            _share(t, a, ctx)
            break
    return t


def _share(t, a, ctx):
    t._vc = a._vc
    if ctx is not None:
        ctx._view_of = (a._vc, a._vc[1])


def _raise_stale_view(ctx, view):
    raise RuntimeError(
        f"{ctx.name()}: an input (shape {tuple(view.shape)}) is a view made by {view._creator.name()} before an "
        "in-place operation recorded in the graph changed its base; Kiln does not regenerate the view's graph "
        "as torch does, so its gradient would miss that operation: take the view again after the in-place write"
    )


def _record(ctx, args, raw, outs, single, returned=()):
    """Attach the node ``ctx`` to the graph: edges, generation, metadata, saved items, outputs."""
    if _tracer is not None:
        _tracer(ctx, args)
    edges = []
    gen = 0
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            meta.append((a.array.shape, a.array.dtype))
            if a.requires_grad:
                creator = a._creator
                if creator is None:
                    node, slot = a._accumulator(), 0
                else:
                    node, slot = creator, a._output_nr
                    view_of = creator._view_of
                    if view_of is not None and view_of[0][1] != view_of[1]:
                        _raise_stale_view(ctx, a)
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
    non_diff = ctx._non_diff
    wrap = Tensor._wrap
    if non_diff:
        results = tuple(
            _share_counter(wrap(o) if any(o is d for d in non_diff) else wrap(o, ctx, i, True), args, raw, ctx)
            for i, o in enumerate(outs)
        )
    else:
        results = tuple(_share_counter(wrap(o, ctx, i, True), args, raw, ctx) for i, o in enumerate(outs))
    to_save = ctx._to_save
    if to_save:
        ctx._saved = [_resolve_saved(item, args, raw, outs, results, returned) for item in to_save]
        ctx._to_save = ()
    else:
        ctx._saved = ()
    return results[0] if single else results


def _resolve_saved(item, args, raw, outs, results, returned=()):
    """``(kind, object, output number, version counter or None, version when saved)``."""
    if isinstance(item, Tensor):
        return (_SAVED_TENSOR, item, 0, item._vc, item._vc[0])
    if item is None:
        return (_SAVED_CONST, None, 0, None, 0)
    for a, r in zip(args, raw):
        if r is item and isinstance(a, Tensor):
            return (_SAVED_TENSOR, a, 0, a._vc, a._vc[0])
    for i, o in enumerate(outs):
        if o is item or (i < len(returned) and returned[i] is item):  # an output, maybe a NumPy scalar
            counter = results[i]._vc
            return (_SAVED_OUTPUT, o, i, counter, counter[0])
    if isinstance(item, np.generic):  # a 0-d result NumPy gave as a scalar: saved as a 0-d array
        return (_SAVED_CONST, np.asarray(item), 0, None, 0)
    return (_SAVED_CONST, item, 0, None, 0)


def adopt_output(tensor, out) -> None:
    """Make ``tensor`` take the graph place of ``out`` (an in-place op's result): same node and output
    number, and the node's saved copy of that output now checks ``tensor``'s version counter."""
    node = out._creator
    tensor._creator, tensor._output_nr, tensor.requires_grad = node, out._output_nr, out.requires_grad
    saved = getattr(node, "_saved", None)
    if saved:
        counter = tensor._vc
        node._saved = [
            (kind, obj, nr, counter, counter[0]) if kind == _SAVED_OUTPUT and vc is out._vc else (kind, obj, nr, vc, v)
            for kind, obj, nr, vc, v in saved
        ]


class _NotTwiceDifferentiable(Function):
    """The graph node behind gradients a ``once_differentiable`` backward computed on raw arrays: its edges
    lead to that op's inputs (and to incoming gradients that require grad), and differentiating through it
    raises a clear error naming the op, so a silent wrong (constant) second derivative is impossible."""

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            f"{ctx.op_name}: its backward is not twice differentiable; higher-order gradients "
            "(create_graph=True followed by another backward) are not supported through this op"
        )


def _tie_to_inputs(ctx, op_name, grads, outs):
    """Wrap ``outs`` (raw gradient arrays) as outputs of a ``_NotTwiceDifferentiable`` node whose edges are
    ``ctx``'s own input edges plus those of the incoming ``grads`` that require grad."""
    node = object.__new__(_NotTwiceDifferentiable)
    node.op_name = op_name
    edges = [e for e in ctx.next_edges if e is not None]
    for g in grads:
        if g is not None and g.requires_grad:
            edges.append((g._accumulator(), 0) if g._creator is None else (g._creator, g._output_nr))
    node.next_edges = edges
    node.generation = 1 + max((n.generation for n, _ in edges), default=0)
    node.input_meta = [None] * len(edges)
    node.needs_input_grad = (True,) * len(edges)
    node.n_outputs = len(outs)
    node.output_meta = [(o.shape, o.dtype) for o in outs]
    node._saved = ()
    return [Tensor._wrap(o, node, i, True) for i, o in enumerate(outs)]


def once_differentiable(op_name: str):
    """Decorator for a ``backward`` written on raw arrays (fast kernels), where no second derivative is offered.

    The wrapped backward receives raw gradient arrays (``None`` for outputs without a gradient) and
    returns raw arrays or ``None``.  When the caller asked for ``create_graph=True``, the returned
    gradients become outputs of a node tied to the op's inputs whose own backward raises
    "<op_name>: its backward is not twice differentiable", so a silent wrong second derivative is impossible.
    """

    def decorate(backward):
        def wrapper(ctx, *grads):
            raw = [None if g is None else g.array for g in grads]
            with grad_mode.no_grad():
                out = backward(ctx, *raw)
            single = not isinstance(out, tuple)
            outs = (out,) if single else out
            present = [o if is_array(o) else np.asarray(o) for o in outs if o is not None]
            if grad_mode.is_grad_enabled() and present:
                wrapped = _tie_to_inputs(ctx, op_name, grads, present)
            else:
                wrapped = [Tensor._wrap(o) for o in present]
            res = tuple(None if o is None else wrapped.pop(0) for o in outs)
            return res[0] if single else res

        wrapper.__name__ = getattr(backward, "__name__", "backward")
        wrapper.__doc__ = backward.__doc__
        return wrapper

    return decorate
