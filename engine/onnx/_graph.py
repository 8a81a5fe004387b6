"""The ONNX graph under construction (``GraphBuilder``), the view of one traced node that a converter
reads (``Call``), the converter registry and the exporter's errors.

A converter is a function ``convert(g, c)`` registered under the Function class names it handles; it
reads the node's arguments through ``c`` (``c.x(j)``: argument ``j`` as an ONNX value; ``c.attr(j)``:
as a Python value; shapes and dtypes from the recorded metadata) and emits ONNX nodes through ``g``.
"""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..tensor import Tensor

__all__ = ["OnnxExportError", "UnsupportedOperatorError", "GraphBuilder", "Call", "converts", "CONVERTERS"]

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


class OnnxExportError(RuntimeError):
    """The model cannot be written as ONNX faithfully; the message names the op and the reason."""


class UnsupportedOperatorError(OnnxExportError):
    """An op (a Function class) of the traced graph has no ONNX mapping."""


#: Function class name -> (converter, argument positions allowed to differ between the two traces)
CONVERTERS: dict = {}


def converts(*op_names, varying=()):
    """Register a converter for the Function classes named ``op_names``; ``varying``: positions of
    arguments (target shapes) that may follow the dynamic axes; the converter handles them itself."""

    def register(fn):
        for name in op_names:
            CONVERTERS[name] = (fn, frozenset(varying))
        return fn

    return register


def same(a, b) -> bool:
    """Equality of traced arguments: arrays by shape, dtype and values; containers item by item."""
    if hasattr(a, "shape") and hasattr(a, "dtype") or hasattr(b, "shape") and hasattr(b, "dtype"):
        if not (hasattr(a, "shape") and hasattr(b, "shape")) or a.shape != b.shape or a.dtype != b.dtype:
            return False
        a, b = to_numpy(a), to_numpy(b)
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, slice) or isinstance(b, slice):
        return isinstance(a, slice) and isinstance(b, slice) and (a.start, a.stop, a.step) == (b.start, b.stop, b.step)
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return a is b


class GraphBuilder:
    """Collects ONNX nodes and initializers with unique names."""

    def __init__(self, onnx, opset: int):
        self.onnx, self.helper, self.opset = onnx, onnx.helper, opset
        self.nodes, self.initializers = [], []
        self.used_names: set = set()
        self.values: dict = {}  # ("node", k, slot) | ("input", i) | ("param", name) -> ONNX value name
        self.input_dims: list = []  # (ONNX name, shape in trace A, shape in trace B) per graph input
        self._shape_of: dict = {}

    # ---- names, nodes, constants ----------------------------------------------------------------
    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.used_names:
            name, n = f"{base}_{n}", n + 1
        self.used_names.add(name)
        return name

    def node(self, op_type: str, inputs, outputs=None, **attrs):
        """Append a node; ``outputs``: names, or a count of fresh ones; returns the output name(s)."""
        if outputs is None or isinstance(outputs, int):
            outputs = [self.fresh(f"{op_type}_out") for _ in range(outputs or 1)]
        elif isinstance(outputs, str):
            outputs = [outputs]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op_type, list(inputs), list(outputs),
                                                name=self.fresh(f"{op_type}_node"), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def initializer(self, array, name: str) -> str:
        """``array`` as an initializer named ``name`` (made unique); returns the name."""
        name = self.fresh(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(to_numpy(array)), name))
        return name

    def const(self, value, dtype=None) -> str:
        arr = np.asarray(to_numpy(value) if hasattr(value, "shape") else value)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return self.initializer(arr, "const")

    def int64s(self, values) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64))

    def elem_type(self, dtype) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    # ---- opset-dependent forms ------------------------------------------------------------------
    def reduce(self, op_type: str, x: str, axes, keepdims: bool, output=None) -> str:
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            inputs = [x, self.int64s(axes)] if axes else [x]
            return self.node(op_type, inputs, output, keepdims=int(keepdims))
        return self.node(op_type, [x], output, axes=axes or None, keepdims=int(keepdims))

    def squeeze(self, x: str, axes, output=None) -> str:
        return self.node("Squeeze", [x, self.int64s(axes)], output)

    def unsqueeze(self, x: str, axes, output=None) -> str:
        return self.node("Unsqueeze", [x, self.int64s(axes)], output)

    def cast(self, x: str, dtype) -> str:
        return self.node("Cast", [x], to=self.elem_type(dtype))

    # ---- shapes that follow the dynamic axes ----------------------------------------------------
    def shape_value(self, shape_a, shape_b, what: str) -> str:
        """A 1-D int64 value holding ``shape_a``, with every dimension that differs in ``shape_b`` read
        at run time from the graph input axis that has those two sizes."""
        if tuple(shape_a) == tuple(shape_b):
            return self.int64s(shape_a)
        pieces = [self.int64s([a]) if a == b else self._input_dim(a, b, what) for a, b in zip(shape_a, shape_b)]
        return self.node("Concat", pieces, axis=0)

    def _input_dim(self, a: int, b: int, what: str) -> str:
        for name, sa, sb in self.input_dims:
            for axis, (da, db) in enumerate(zip(sa, sb)):
                if (da, db) == (a, b):
                    key = (name, axis)
                    if key not in self._shape_of:
                        shape = self.node("Shape", [name])
                        self._shape_of[key] = self.node("Gather", [shape, self.int64s([axis])], axis=0)
                    return self._shape_of[key]
        raise OnnxExportError(f"{what}: a dimension of size {a} changes with the dynamic axes (it is {b} when they "
                              "grow by one) but matches no input axis, so ONNX cannot compute it at run time")


class Call:
    """One traced node as a converter sees it: arguments, shapes and dtypes from both traces."""

    def __init__(self, g: GraphBuilder, k: int, node_a, node_b, trace_a, trace_b, varying):
        self.g, self.k, self.ctx = g, k, node_a
        self.op = type(node_a).__name__
        self._b, self._ta, self._tb, self._varying = node_b, trace_a, trace_b, varying
        self.args_a, self.args_b = node_a._onnx_call[1], node_b._onnx_call[1]
        self.nargs = len(self.args_a)

    def fail(self, message: str, cls=OnnxExportError):
        raise cls(f"engine.onnx.export: {self.op} (node #{self.k}): {message}")

    # ---- arguments ------------------------------------------------------------------------------
    def _sources(self, j):
        return self._ta.source(self.args_a[j]), self._tb.source(self.args_b[j])

    def is_none(self, j) -> bool:
        return self.args_a[j] is None

    def attr(self, j):
        """Argument ``j`` as a Python value (a shape, an axis, a scalar), the same in both traces."""
        sa, sb = self._sources(j)
        if sa[0] != "literal" or sb[0] != "literal":
            self.fail(f"argument {j} is a tensor computed in the graph, where the op needs a constant")
        a, b = sa[1], sb[1]
        if j not in self._varying and not same(a, b):
            self.fail(f"argument {j} is {_short(a)} in one trace and {_short(b)} in the other: it depends on the "
                      "input's values or on a dynamic axis, and ONNX would freeze it")
        return a

    def x(self, j, dtype=None) -> str:
        """Argument ``j`` as an ONNX value name (graph value, input, initializer or constant), cast to
        ``dtype`` when given and different."""
        sa, sb = self._sources(j)
        if sa[0] != "literal":
            if sa != sb:
                self.fail(f"argument {j} comes from {sa} in one trace and {sb} in the other")
            name = self.g.values.get(sa)
            if name is None:
                if sa[0] != "param":
                    self.fail(f"argument {j} ({sa}) has no ONNX value yet")
                obj = self.args_a[j]
                name = self.g.values[sa] = self.g.initializer(obj.array if isinstance(obj, Tensor) else obj, sa[1])
            src_dtype = self.in_dtype(j)
            return name if dtype is None or np.dtype(dtype) == src_dtype else self.g.cast(name, dtype)
        a, b = sa[1], sb[1]
        if a is None:
            self.fail(f"argument {j} is None where a tensor is needed")
        if dtype is not None:
            want = np.dtype(dtype)
        else:
            want = np.asarray(a).dtype if hasattr(a, "dtype") else self.out_dtype()
        if same(a, b):
            return self.g.const(a, want)
        return self._dynamic_constant(j, a, b, want)

    def _dynamic_constant(self, j, a, b, dtype) -> str:
        """A constant filled with one value whose shape follows the dynamic axes (zero initial states)."""
        a_np = to_numpy(np.asarray(a) if not hasattr(a, "shape") else a)
        b_np = to_numpy(np.asarray(b) if not hasattr(b, "shape") else b)
        uniform = (a_np.size and b_np.size and a_np.ndim == b_np.ndim and a_np.shape != b_np.shape
                   and a_np.dtype == b_np.dtype and np.all(a_np == a_np.flat[0]) and np.all(b_np == a_np.flat[0]))
        if not uniform:
            self.fail(f"argument {j} is a constant computed from the input's values outside the graph (it differs "
                      f"between two traces with different inputs: {_short(a)} vs {_short(b)}); the file would "
                      "freeze it.  This happens where code reads `.array`/`.data`/`.numpy()` of an activation (as "
                      "nn.functional.hardtanh does) or where a Python number depends on the batch size")
        shape = self.g.shape_value(a_np.shape, b_np.shape, f"{self.op} (node #{self.k})")
        value = self.g.onnx.numpy_helper.from_array(np.asarray([a_np.flat[0]], dtype=dtype))
        return self.g.node("ConstantOfShape", [shape], value=value)

    # ---- shapes and dtypes ------------------------------------------------------------------------
    def _meta(self, node, args, j):
        m = node.input_meta[j] if j < len(node.input_meta) else None
        if m is not None:
            return m
        v = to_numpy(np.asarray(args[j]) if not hasattr(args[j], "shape") else args[j])
        return v.shape, v.dtype

    def in_shape(self, j) -> tuple:
        return tuple(self._meta(self.ctx, self.args_a, j)[0])

    def in_dtype(self, j):
        return np.dtype(self._meta(self.ctx, self.args_a, j)[1])

    def in_dyn(self, j) -> tuple:
        sa, sb = self.in_shape(j), tuple(self._meta(self._b, self.args_b, j)[0])
        return tuple(a != b for a, b in zip(sa, sb))

    def out_shape(self, slot=0) -> tuple:
        return tuple(self.ctx.output_meta[slot][0])

    def out_shape_b(self, slot=0) -> tuple:
        return tuple(self._b.output_meta[slot][0])

    def out_dtype(self, slot=0):
        return np.dtype(self.ctx.output_meta[slot][1])

    def out_dyn(self, slot=0) -> tuple:
        return tuple(a != b for a, b in zip(self.out_shape(slot), self.out_shape_b(slot)))

    @property
    def n_outputs(self) -> int:
        return self.ctx.n_outputs

    # ---- outputs ----------------------------------------------------------------------------------
    def output_after_optional(self, y: str, steps) -> None:
        """Write ``y`` as the output after ``y = op(y, argument j)`` for each ``(op, j)`` of ``steps`` whose
        argument is given (in the output's dtype): clamp's optional bounds, a norm's optional weight and bias."""
        dt = self.out_dtype()
        for op, j in steps:
            if not self.is_none(j):
                y = self.g.node(op, [y, self.x(j, dt)])
        self.g.node("Identity", [y], self.out())

    def out(self, slot=0) -> str:
        """The ONNX name of output ``slot`` (pre-assigned when it is a graph output)."""
        key = ("node", self.k, slot)
        if key not in self.g.values:
            self.g.values[key] = self.g.fresh(f"{self.op}_{self.k}" + (f"_{slot}" if self.n_outputs > 1 else ""))
        return self.g.values[key]


def _short(v) -> str:
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        return f"an array of shape {tuple(v.shape)} ({v.dtype})"
    text = repr(v)
    return text if len(text) < 60 else text[:57] + "..."
