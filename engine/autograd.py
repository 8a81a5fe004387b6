"""The backward pass: walks the graph from the outputs to the leaves without recursion.

Nodes wait in a heap keyed by generation (a node's generation exceeds all of its inputs'), so a node
runs only after every consumer of its outputs has sent its gradient: no recursion, no re-sorting,
and a 100,000-op chain is as easy as a short one.  Gradients arriving at the same output are added
(a tensor used twice), each buffered gradient is dropped as soon as its node has run, and saved arrays
are freed after use unless ``retain_graph``.  With ``create_graph`` the backward functions run with
grad mode on, so the gradients themselves carry a graph (higher-order derivatives).

Hooks: ``Tensor.register_hook(fn)`` runs ``fn(grad)`` when the tensor's full gradient is known and
may return a replacement; ``retain_grad()`` keeps a non-leaf tensor's gradient in ``.grad``.
"""
from __future__ import annotations

import heapq
import itertools

import numpy as np

from . import grad_mode
from .backend import is_array

__all__ = ["run_backward"]

_counter = itertools.count()


def _add(a, b, create_graph):
    if create_graph:
        return a + b
    from .tensor import Tensor

    out = a.data + b.data
    return Tensor._wrap(out if is_array(out) else np.asarray(out))  # 0-d NumPy sums give scalars


def run_backward(roots, grad_roots, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``grad_roots`` (Tensors) back from ``roots`` (Tensors with a graph).

    ``capture``: None to accumulate into the leaves' ``.grad``; or a list of input Tensors whose
    gradients are returned instead (``engine.grad``), leaving every ``.grad`` untouched.
    """
    from .tensor import Tensor

    buffers: dict = {}
    heap: list = []

    def send(node, slot, g):
        buf = buffers.get(node)
        if buf is None:
            buf = [None] * node.n_outputs
            buffers[node] = buf
            heapq.heappush(heap, (-node.generation, next(_counter), node))
        buf[slot] = g if buf[slot] is None else _add(buf[slot], g, create_graph)

    for t, g in zip(roots, grad_roots):
        if t._creator is not None:
            send(t._creator, t._output_nr, g)
        else:
            send(t._accumulator(), 0, g)

    # where to capture gradients for engine.grad: (node, slot) -> position
    targets = {}
    results = None
    if capture is not None:
        results = [None] * len(capture)
        for i, t in enumerate(capture):
            node = t._creator if t._creator is not None else t._accumulator()
            targets.setdefault((id(node), t._output_nr if t._creator is not None else 0), []).append(i)

    with grad_mode.set_grad_enabled(create_graph):
        while heap:
            _, _, node = heapq.heappop(heap)
            grads = buffers.pop(node)
            if node.is_accumulator:
                leaf = node.variable
                g = grads[0]
                for hook in (leaf._hooks if leaf is not None else None) or ():
                    new = hook(g)
                    if new is not None:
                        g = new
                if capture is not None:
                    for i in targets.get((id(node), 0), ()):
                        results[i] = g
                    continue
                if leaf is None:
                    continue
                if not create_graph:
                    g = Tensor._wrap(g.data)
                leaf.grad = g if leaf.grad is None else _add(leaf.grad, g, create_graph)
                continue

            hooks = getattr(node, "_hooks", None)
            if hooks:
                for slot, fns in hooks.items():
                    for fn in fns:
                        if grads[slot] is not None:
                            new = fn(grads[slot])
                            if new is not None:
                                grads[slot] = new
            retained = getattr(node, "_retain", None)
            if retained:
                for slot, ref in retained.items():
                    t = ref()
                    if t is not None and grads[slot] is not None:
                        g = grads[slot]
                        t.grad = g if create_graph else Tensor._wrap(g.data)
            if capture is not None:
                for slot in range(node.n_outputs):
                    for i in targets.get((id(node), slot), ()):
                        results[i] = grads[slot]

            if node._saved is None:
                node._check_saved()  # raises the retain_graph message
            for slot, g in enumerate(grads):
                if g is None:
                    shape, dtype = node.output_meta[slot]
                    xp = _xp_of(grads)
                    grads[slot] = Tensor._wrap(xp.zeros(shape, dtype=dtype))
            in_grads = node.backward(node, *grads)
            del grads
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(node.next_edges):
                raise RuntimeError(
                    f"{node.name()}.backward returned {len(in_grads)} gradients, expected {len(node.next_edges)} "
                    "(one per forward argument, None for non-tensor arguments)"
                )
            if not retain_graph:
                node._saved = None
            for edge, g, meta in zip(node.next_edges, in_grads, node.input_meta):
                if edge is None or g is None:
                    continue
                if not isinstance(g, Tensor):
                    g = Tensor._wrap(g)
                if g.shape != meta[0]:
                    raise RuntimeError(
                        f"{node.name()}.backward returned a gradient of shape {g.shape} "
                        f"for an input of shape {meta[0]}"
                    )
                send(edge[0], edge[1], g)
    return results


def _xp_of(grads):
    from .backend import get_array_module

    for g in grads:
        if g is not None:
            return get_array_module(g.data)
    import numpy

    return numpy
