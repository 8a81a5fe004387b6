"""The backward pass: walks the graph from the outputs to the leaves without recursion.

Nodes wait in a heap keyed by generation (a node's generation exceeds all of its inputs'), so a node
runs only after every consumer of its outputs has sent its gradient: no recursion, no re-sorting,
and a 100,000-op chain is as easy as a short one.  Gradients arriving at the same output are added
(a tensor used twice), each buffered gradient is dropped as soon as its node has run, and saved arrays
are freed after use unless ``retain_graph``.  With ``create_graph`` the backward functions run with
grad mode on, so the gradients themselves carry a graph (higher-order derivatives).

A leaf's ``.grad`` never shares memory with another tensor (the first gradient is copied in, later
ones are added out of place), so in-place changes to one ``.grad`` (clipping) cannot leak elsewhere.

Hooks: ``Tensor.register_hook(fn)`` runs ``fn(grad)`` when the tensor's full gradient is known and
may return a replacement, which must be a Tensor of the gradient's shape (checked, as in PyTorch: a
replacement of another shape would otherwise become a leaf's ``.grad``); ``retain_grad()`` keeps a non-leaf tensor's gradient in ``.grad``.

This module is also torch's ``torch.autograd`` namespace under its renamed name: ``engine.autograd.Function``
is :class:`engine.Function` and ``engine.autograd.grad`` is :func:`engine.grad` (the same objects).
"""
from __future__ import annotations

import heapq
import itertools

import numpy as np

from . import grad_mode
from .backend import get_array_module, is_array
from .function import Function

__all__ = ["run_backward", "Function", "grad"]

Tensor = None  # engine.tensor sets this on import (the two modules refer to each other)
_counter = itertools.count()


def _add(a, b, create_graph):
    if create_graph:
        return a + b
    out = a.array + b.array
    return Tensor._wrap(out if is_array(out) else np.asarray(out))  # 0-d NumPy sums give scalars


def _node_and_slot(t):
    if t._creator is not None:
        return t._creator, t._output_nr
    return t._accumulator(), 0


def run_backward(roots, grad_roots, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``grad_roots`` (Tensors) back from ``roots`` (Tensors with a graph).

    ``capture``: None to accumulate into the leaves' ``.grad``; or a list of input Tensors whose
    gradients are returned instead (``engine.grad``), leaving every ``.grad`` untouched.
    """
    buffers: dict = {}
    heap: list = []
    push, pop, counter = heapq.heappush, heapq.heappop, _counter

    for t, g in zip(roots, grad_roots):
        node, slot = _node_and_slot(t)
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_outputs
            push(heap, (-node.generation, next(counter), node))
        buf[slot] = g if buf[slot] is None else _add(buf[slot], g, create_graph)

    targets: dict = {}
    results = None
    if capture is not None:
        results = [None] * len(capture)
        for i, t in enumerate(capture):
            node, slot = _node_and_slot(t)
            targets.setdefault((id(node), slot), []).append(i)

    previous = grad_mode._State.enabled
    grad_mode._State.enabled = create_graph
    try:
        while heap:
            node = pop(heap)[2]
            grads = buffers.pop(node)
            if node.is_accumulator:
                _accumulate(node, grads[0], create_graph, capture, targets, results)
                continue
            if node._hooks or node._retain or targets:
                _node_hooks(node, grads, create_graph, targets, results)
            if node._saved is None:
                node._check_saved()  # raises the "pass retain_graph=True" error
            for slot, g in enumerate(grads):
                if g is None:
                    shape, dtype = node.output_meta[slot]
                    grads[slot] = Tensor._wrap(_xp_of(grads).zeros(shape, dtype=dtype))
            in_grads = node.backward(node, *grads)
            del grads
            if in_grads.__class__ is not tuple:
                in_grads = (in_grads,)
            edges = node.next_edges
            if len(in_grads) != len(edges):
                raise RuntimeError(
                    f"{node.name()}.backward returned {len(in_grads)} gradients, expected {len(edges)} "
                    "(one per forward argument, None for non-tensor arguments)"
                )
            if not retain_graph:
                node._saved = None
            for edge, g, meta in zip(edges, in_grads, node.input_meta):
                if edge is None or g is None:
                    continue
                if not isinstance(g, Tensor):
                    g = Tensor._wrap(g)
                if g.array.shape != meta[0]:
                    raise RuntimeError(
                        f"{node.name()}.backward returned a gradient of shape {g.shape} "
                        f"for an input of shape {meta[0]}"
                    )
                nxt, slot = edge
                buf = buffers.get(nxt)
                if buf is None:
                    buf = buffers[nxt] = [None] * nxt.n_outputs
                    push(heap, (-nxt.generation, next(counter), nxt))
                buf[slot] = g if buf[slot] is None else _add(buf[slot], g, create_graph)
    finally:
        grad_mode._State.enabled = previous
    return results


def _accumulate(node, g, create_graph, capture, targets, results):
    """A leaf's node: run its hooks, then capture (engine.grad) or add into ``leaf.grad``."""
    leaf = node.variable
    if leaf is not None and leaf._hooks:
        for hook in leaf._hooks:
            new = hook(g)
            if new is not None:
                g = _checked_hook_result(hook, new, g)
    if capture is not None:
        for i in targets.get((id(node), 0), ()):
            results[i] = g
        return
    if leaf is None:
        return
    if leaf.grad is None:
        leaf.grad = g if create_graph else Tensor._wrap(g.array.copy())
    else:
        leaf.grad = _add(leaf.grad, g, create_graph)


def _node_hooks(node, grads, create_graph, targets, results):
    """Tensor hooks and retain_grad of a non-leaf node's outputs, and engine.grad captures."""
    hooks = getattr(node, "_hooks", None)
    if hooks:
        for slot, fns in hooks.items():
            for fn in fns:
                if grads[slot] is not None:
                    new = fn(grads[slot])
                    if new is not None:
                        grads[slot] = _checked_hook_result(fn, new, grads[slot])
    retained = getattr(node, "_retain", None)
    if retained:
        for slot, ref in retained.items():
            t = ref()
            if t is not None and grads[slot] is not None:
                g = grads[slot]
                t.grad = g if create_graph else Tensor._wrap(g.array.copy())
    if targets:
        for slot in range(node.n_outputs):
            for i in targets.get((id(node), slot), ()):
                results[i] = grads[slot]


def _checked_hook_result(hook, new, g):
    """A hook's replacement gradient, refused unless it is a Tensor of the gradient's shape."""
    name = getattr(hook, "__qualname__", None) or type(hook).__name__
    if not isinstance(new, Tensor):
        raise TypeError(f"hook '{name}' returned {type(new).__name__}; a hook must return None or a Tensor")
    if new.shape != g.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value: it returned a gradient of shape {tuple(new.shape)} "
            f"for a tensor of shape {tuple(g.shape)}"
        )
    return new


def _xp_of(grads):
    for g in grads:
        if g is not None:
            return get_array_module(g.array)
    return np


def __getattr__(name):
    """``engine.autograd.grad`` is :func:`engine.functional.grad`, imported on first use (that module
    imports this one)."""
    if name == "grad":
        from .functional import grad
        return grad
    raise AttributeError(f"module 'engine.autograd' has no attribute {name!r}")
