"""One forward pass of a model, recorded as the graph of Function nodes that the exporter walks.

Kiln's graph keeps edges only to inputs that need gradients; the exporter also needs the constant
arguments of each node (a Python scalar added, BatchNorm's running statistics, an LSTM's zero initial
state).  While a trace runs, ``engine.function.trace_records`` makes each
node it records keep the arguments it was applied to (``_onnx_call``), in execution order.
Nothing else changes: the same ops run, and the model is not touched.

The exporter traces twice, the second time with different input values (rolled along axis 0, floats
scaled by 0.9) and one more element along every dynamic axis.  Comparing the two traces tells which
dimension of every value follows the dynamic axes, and which "constants" are really computed from the
input's values outside the graph (code that reads ``.array``, ``.data`` or ``.numpy()``): those would be
frozen into the file, so the exporter refuses them instead of writing a wrong model.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .. import function as _function
from .. import grad_mode
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["Trace", "trace", "perturbed"]


class Trace:
    """The reachable nodes of one forward pass (in execution order) and how to name their arguments."""

    def __init__(self, inputs, outputs, nodes, named):
        self.inputs = inputs  # the traced input Tensors, in order
        self.outputs = outputs  # the flattened output Tensors
        self.nodes = nodes
        self._node_index = {id(n): k for k, n in enumerate(nodes)}
        self._input_index = {}
        for i, t in enumerate(inputs):
            self._input_index[id(t)] = i
            self._input_index[id(t.array)] = i
        self._named = named  # id(Tensor) or id(array) -> parameter/buffer name

    def source(self, obj):
        """Where an argument comes from: ("node", k, slot), ("input", i), ("param", name) or ("literal", obj)."""
        if isinstance(obj, Tensor):
            creator = obj._creator
            if creator is not None and id(creator) in self._node_index:
                return ("node", self._node_index[id(creator)], obj._output_nr)
            for key in (id(obj), id(obj.array)):
                if key in self._input_index:
                    return ("input", self._input_index[key])
                if key in self._named:
                    return ("param", self._named[key])
            return ("literal", obj.array)
        if id(obj) in self._input_index:
            return ("input", self._input_index[id(obj)])
        if id(obj) in self._named:
            return ("param", self._named[id(obj)])
        return ("literal", obj)


def _recording():
    """Make every node recorded inside the block keep its call arguments and its order."""
    counter = [0]

    def keep_call(ctx, args):
        ctx._onnx_call = (counter[0], args)
        counter[0] += 1

    return _function.trace_records(keep_call)


def _flatten(out, where="outputs"):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o, where)]
    raise TypeError(f"engine.onnx.export: the model returned a {type(out).__name__} among its {where}; "
                    "expected Tensors (or tuples/lists of them)")


def _reachable(outputs):
    """The recorded nodes the outputs depend on, in execution order (a topological order)."""
    seen = {}
    stack = [t._creator for t in outputs if t._creator is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or not hasattr(node, "_onnx_call"):
            continue  # a node recorded before the trace: its output is a constant
        seen[id(node)] = node
        for a in node._onnx_call[1]:
            if isinstance(a, Tensor) and a._creator is not None:
                stack.append(a._creator)
    return sorted(seen.values(), key=lambda n: n._onnx_call[0])


def trace(model, args, input_slots, named) -> Trace:
    """Run ``model(*args)`` once with grad mode on, recording the graph.  ``input_slots``: the positions
    in ``args`` of the graph inputs (arrays); they become fresh leaf Tensors flagged as requiring grad
    (integer ones too: no backward runs, and so every op that touches them is recorded)."""
    call_args = list(args)
    inputs = []
    for pos in input_slots:
        data = call_args[pos]
        t = Tensor._wrap(data, requires_grad=True)
        call_args[pos] = t
        inputs.append(t)
    with _recording(), grad_mode.enable_grad():
        out = model(*call_args)
    outputs = _flatten(out)
    return Trace(inputs, outputs, _reachable(outputs), named)


def perturbed(data, dynamic_axes):
    """Other input values for the second trace: rolled by one along axis 0 (or along each dynamic
    axis, growing it by one element), floating values scaled by 0.9."""
    xp = get_array_module(data)
    out = data
    axes = sorted(dynamic_axes) if dynamic_axes else ([0] if data.ndim else [])
    for ax in axes:
        n = out.shape[ax]
        if n == 0:
            raise ValueError(f"engine.onnx.export: dynamic axis {ax} of an input of shape {data.shape} is empty; "
                             "trace with at least one element along it")
        order = [*range(1, n), 0] + ([0] if dynamic_axes else [])
        out = xp.take(out, xp.asarray(np.asarray(order, dtype=np.int64)), axis=ax)
    if out.dtype.kind in "fc":
        out = out * out.dtype.type(0.9)
    return out if out is not data else out.copy()
