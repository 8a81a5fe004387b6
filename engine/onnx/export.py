"""``export(model, args, path, ...)``: trace one forward pass and write it as an ONNX model.

The steps: put the model in eval mode (restored afterwards), trace it twice (``_trace``), map every
reachable node to ONNX nodes in execution order (the converters of ``ops_core`` and ``ops_nn``),
make parameters and buffers initializers under their state-dict names, declare inputs and outputs
with symbolic sizes on the dynamic axes, check the model with ``onnx.checker`` and write it
atomically.
"""
from __future__ import annotations

import importlib
import os
import tempfile

import numpy as np

from ..backend import is_array, to_numpy
from ..tensor import Tensor
from . import ops_core, ops_nn  # noqa: F401  (register the converters)
from ._graph import CONVERTERS, Call, GraphBuilder, OnnxExportError, UnsupportedOperatorError
from ._trace import perturbed, trace

__all__ = ["export", "DEFAULT_OPSET", "MIN_OPSET"]

DEFAULT_OPSET = 17
MIN_OPSET = 13  # single-axis Softmax, axes as inputs of ReduceSum/Squeeze/Unsqueeze, Split sizes as input


def _onnx():
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise ImportError("engine.onnx.export needs the `onnx` package: pip install 'kiln[onnx]' "
                          "(or pip install onnx)") from None


def export(model, args, path, input_names=None, output_names=None, dynamic_axes=None, opset_version=None):
    """Write ``model`` (an ``nn.Module`` or any callable on Tensors) as an ONNX file, like
    ``torch.onnx.export``.

    ``args``: a Tensor (or array) or a tuple of them, the example inputs of one forward pass; other
    values in the tuple are passed to the model as they are and frozen into the graph.
    ``path``: a file name or a binary file object.  ``input_names`` / ``output_names``: names of the
    graph inputs (the Tensor arguments, in order) and outputs (the model's Tensors, nested
    tuples flattened); defaults ``input0``... and ``output0``....  ``dynamic_axes``: as torch, e.g.
    ``{"input0": {0: "batch"}, "output0": {0: "batch"}}`` or ``{"input0": [0]}``.  ``opset_version``:
    13 or later (default 17).  Returns the ``onnx.ModelProto`` that was written.

    Raises ``UnsupportedOperatorError`` naming the Function class of an op without an ONNX mapping,
    and ``OnnxExportError`` where the file would not compute what the model computes (a constant that
    depends on the input's values, a loop over a dynamic axis, batch norm with batch statistics).

    As with torch's tracer, Python control flow is frozen at the branch the example inputs took; the
    second trace (other values, one more element on each dynamic axis) catches a branch that changes
    between them, not one that only other inputs would take.  Do not run other Kiln work in another
    thread while exporting: the graph recorder is wrapped for the duration of the trace.
    """
    onnx = _onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"engine.onnx.export: opset_version {opset_version} is outside the supported range "
                         f"{MIN_OPSET}..{onnx.defs.onnx_opset_version()}")
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    slots = [i for i, a in enumerate(args) if isinstance(a, Tensor) or is_array(a)]
    if not slots:
        raise ValueError("engine.onnx.export: args holds no Tensor; pass the example input(s) of one forward pass")
    data_a = [a.array if isinstance(a, Tensor) else a for a in (args[i] for i in slots)]
    in_names = _names(input_names, len(slots), "input", "input_names")
    dyn = dict(dynamic_axes or {})
    dyn_in = [_axes(dyn.pop(name, None), name, d.ndim) for name, d in zip(in_names, data_a)]
    named = _named_tensors(model)

    def run(datas):
        call_args = list(args)
        for pos, d in zip(slots, datas):
            call_args[pos] = d
        return trace(model, call_args, slots, named)

    with _traceable(model):
        trace_a = run(data_a)
        trace_b = run([perturbed(d, axes) for d, axes in zip(data_a, dyn_in)])
    out_names = _names(output_names, len(trace_a.outputs), "output", "output_names")
    dyn_out = [_axes(dyn.pop(name, None), name, t.ndim) for name, t in zip(out_names, trace_a.outputs)]
    if dyn:
        raise ValueError(f"engine.onnx.export: dynamic_axes names {sorted(dyn)}, which are neither input names "
                         f"{in_names} nor output names {out_names}")
    _check_same_structure(trace_a, trace_b)

    g = GraphBuilder(onnx, opset)
    graph_inputs = []
    for i, (name, d_a, t_b, axes) in enumerate(zip(in_names, data_a, trace_b.inputs, dyn_in)):
        g.used_names.add(name)
        g.values[("input", i)] = name
        g.input_dims.append((name, d_a.shape, t_b.shape))
        graph_inputs.append(_value_info(g, name, d_a.dtype, d_a.shape, t_b.shape, axes))
    for i, (t, name) in enumerate(zip(trace_a.outputs, out_names)):
        key = trace_a.source(t)
        if key[0] == "node" and key not in g.values:
            g.used_names.add(name)
            g.values[key] = name
    for k, (node_a, node_b) in enumerate(zip(trace_a.nodes, trace_b.nodes)):
        op = type(node_a).__name__
        if op not in CONVERTERS:
            raise UnsupportedOperatorError(
                f"engine.onnx.export: the op {op} (node #{k}, Function class {type(node_a).__module__}.{op}) has "
                "no ONNX mapping; supported ops: " + ", ".join(sorted(CONVERTERS)))
        convert, varying = CONVERTERS[op]
        convert(g, Call(g, k, node_a, node_b, trace_a, trace_b, varying))
    graph_outputs = [_output(g, trace_a, trace_b, i, name, axes)
                     for i, (name, axes) in enumerate(zip(out_names, dyn_out))]

    graph = onnx.helper.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs, g.initializers)
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(graph, opset_imports=opsets, producer_name="kiln",
                                   ir_version=onnx.helper.find_min_ir_version_for(opsets))
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as e:
        raise OnnxExportError(f"engine.onnx.export: the ONNX checker rejected the exported graph: {e}") from None
    _write(proto.SerializeToString(), path)
    return proto


# ---- helpers -------------------------------------------------------------------------------------
def _names(names, n, prefix, what):
    names = list(names) if names is not None else []
    if len(names) > n:
        raise ValueError(f"engine.onnx.export: {what} has {len(names)} names for {n} {prefix}s")
    if len(set(names)) != len(names):
        raise ValueError(f"engine.onnx.export: {what} repeats a name: {names}")
    taken = set(names)
    for i in range(len(names), n):
        name = f"{prefix}{i}"
        while name in taken:
            name += "_"
        names.append(name)
        taken.add(name)
    return names


def _axes(spec, name, ndim):
    """torch's per-name dynamic axes ({axis: label} or [axes]) -> {axis: label}."""
    if spec is None:
        return {}
    items = spec.items() if isinstance(spec, dict) else ((a, None) for a in spec)
    out = {}
    for axis, label in items:
        if not -ndim <= int(axis) < ndim:
            raise ValueError(f"engine.onnx.export: dynamic axis {axis} of {name!r} is out of range "
                             f"for {ndim} dimensions")
        a = int(axis) % ndim
        out[a] = str(label) if label is not None else f"{name}_dynamic_axes_{a + 1}"
    return out


def _named_tensors(model):
    """id(parameter or buffer, and its array) -> state-dict name."""
    named = {}
    for getter in ("named_parameters", "named_buffers"):
        for name, t in getattr(model, getter, lambda: ())():
            if t is not None:
                named.setdefault(id(t), name)
                named.setdefault(id(t.array), name)
    return named


class _traceable:
    """For the trace: every submodule in eval mode, and every floating parameter requiring grad (so that
    ops on frozen parameters are recorded too).  Both flags are restored afterwards."""

    def __init__(self, model):
        self.modes = [(m, m.training) for m in model.modules()] if hasattr(model, "modules") else []
        params = model.parameters() if hasattr(model, "parameters") else ()
        self.frozen = [p for p in params if not p.requires_grad and p.dtype.kind in "fc"]

    def __enter__(self):
        for m, _ in self.modes:
            object.__setattr__(m, "training", False)
        for p in self.frozen:
            p.requires_grad = True

    def __exit__(self, *exc):
        for m, flag in self.modes:
            object.__setattr__(m, "training", flag)
        for p in self.frozen:
            p.requires_grad = False


def _check_same_structure(a, b):
    ops_a = [type(n).__name__ for n in a.nodes]
    ops_b = [type(n).__name__ for n in b.nodes]
    if ops_a != ops_b or len(a.outputs) != len(b.outputs):
        k = next((i for i, (x, y) in enumerate(zip(ops_a, ops_b)) if x != y), min(len(ops_a), len(ops_b)))
        raise OnnxExportError(
            f"engine.onnx.export: the model runs a different graph for other input values or sizes along the "
            f"dynamic axes ({len(ops_a)} ops vs {len(ops_b)}, first difference at node #{k}: "
            f"{ops_a[k] if k < len(ops_a) else 'end'} vs {ops_b[k] if k < len(ops_b) else 'end'}).  A loop over a "
            "dynamic axis (a recurrent layer unrolled over time) or a branch on the data cannot be exported; "
            "keep that axis static")


def _dims(shape_a, shape_b, axes):
    return [axes[i] if i in axes else (None if a != b else int(a)) for i, (a, b) in enumerate(zip(shape_a, shape_b))]


def _value_info(g, name, dtype, shape_a, shape_b, axes):
    dims = _dims(shape_a, shape_b, axes)
    dims = [f"{name}_dim{i}" if d is None else d for i, d in enumerate(dims)]
    return g.helper.make_tensor_value_info(name, g.elem_type(dtype), dims)


def _output(g, trace_a, trace_b, i, name, axes):
    t_a, t_b = trace_a.outputs[i], trace_b.outputs[i]
    key = trace_a.source(t_a)
    if key[0] == "literal":
        if not np.array_equal(to_numpy(t_a.array), to_numpy(t_b.array)):
            raise OnnxExportError(f"engine.onnx.export: output {name!r} does not depend on the graph inputs "
                                  "through recorded ops, yet changes with them (computed outside the graph)")
        value = g.const(t_a.array)
    else:
        value = g.values[key] if key in g.values else None
        if value is None:
            raise OnnxExportError(f"engine.onnx.export: output {name!r} ({key}) has no ONNX value")
    if value != name:
        g.node("Identity", [value], name)
    return _value_info(g, name, t_a.dtype, t_a.shape, t_b.shape, axes)


def _write(data: bytes, path):
    """Write ``data`` to a file object, or atomically to a path (a temporary file renamed into place)."""
    if hasattr(path, "write"):
        path.write(data)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".kiln-onnx-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
