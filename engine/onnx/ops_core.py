"""ONNX mappings of the core ops of ``engine.ops``: elementwise arithmetic and maths, shapes and
indexing, matmul, reductions and softmax.  Each converter reads the traced node (see ``_graph.Call``)
and emits the equivalent ONNX nodes; NumPy broadcasting is ONNX's multidirectional broadcasting."""
from __future__ import annotations

import numpy as np

from ._graph import INT64_MAX, INT64_MIN, converts

_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "Maximum": "Max", "Minimum": "Min"}
_UNARY = {"Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Abs": "Abs", "Sin": "Sin", "Cos": "Cos",
          "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu", "ToDevice": "Identity", "Erf": "Erf",
          "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh",
          "Asinh": "Asinh", "Acosh": "Acosh", "Atanh": "Atanh", "Reciprocal": "Reciprocal", "Floor": "Floor",
          "Ceil": "Ceil", "Sign": "Sign"}


@converts(*_BINARY)
def binary(g, c):
    dt = c.out_dtype()
    g.node(_BINARY[c.op], [c.x(0, dt), c.x(1, dt)], c.out())


@converts(*_UNARY)
def unary(g, c):
    g.node(_UNARY[c.op], [c.x(0)], c.out())


@converts("Clamp")
def clamp(g, c):
    c.output_after_optional(c.x(0), (("Max", 1), ("Min", 2)))


@converts("Where")
def where(g, c):
    dt = c.out_dtype()
    g.node("Where", [c.x(0, np.bool_), c.x(1, dt), c.x(2, dt)], c.out())


@converts("AsType")
def astype(g, c):
    g.node("Cast", [c.x(0)], c.out(), to=g.elem_type(c.out_dtype()))


# ---- shapes ---------------------------------------------------------------------------------------
def _target_shape(g, c, what):
    """The output shape as a Reshape/Expand target: static, one -1 for a single dynamic dimension, or
    read at run time from the inputs."""
    shape, dyn = c.out_shape(), c.out_dyn()
    if sum(dyn) == 1 and what == "Reshape":
        return g.int64s([-1 if d else s for s, d in zip(shape, dyn)])
    return g.shape_value(shape, c.out_shape_b(), f"{c.op} (node #{c.k})")


@converts("Reshape", varying=(1,))
def reshape(g, c):
    zero = 0 in c.out_shape()
    if zero and g.opset < 14:
        c.fail("reshaping to a shape with a zero-size dimension needs opset 14 or later")
    g.node("Reshape", [c.x(0), _target_shape(g, c, "Reshape")], c.out(), allowzero=1 if zero else None)


@converts("BroadcastTo", varying=(1,))
def broadcast_to(g, c):
    g.node("Expand", [c.x(0), _target_shape(g, c, "Expand")], c.out())


@converts("Transpose")
def transpose(g, c):
    g.node("Transpose", [c.x(0)], c.out(), perm=[int(a) for a in c.attr(1)])


@converts("Concatenate")
def concatenate(g, c):
    g.node("Concat", [c.x(j) for j in range(c.nargs)], c.out(), axis=int(c.ctx.axis))


@converts("Split")
def split(g, c):
    axis = int(c.attr(2))
    c.attr(1)  # the cut positions must not follow a dynamic axis
    if c.in_dyn(0)[axis]:
        c.fail(f"splitting along axis {axis}, which follows a dynamic axis, has no fixed ONNX form")
    sizes = [c.out_shape(s)[axis] for s in range(c.n_outputs)]
    g.node("Split", [c.x(0), g.int64s(sizes)], [c.out(s) for s in range(c.n_outputs)], axis=axis)


@converts("Pad")
def pad(g, c):
    widths = c.attr(1)
    pads = [int(b) for b, _ in widths] + [int(e) for _, e in widths]
    value = g.const(c.attr(2), c.out_dtype())
    g.node("Pad", [c.x(0), g.int64s(pads), value], c.out(), mode="constant")


@converts("GetItem")
def getitem(g, c):
    """Basic indexing (ints, slices, None, Ellipsis) as Slice + Squeeze + Unsqueeze; one integer array
    (with slices, or with ints next to it) as Gather."""
    index = c.attr(1)
    items = list(index) if isinstance(index, tuple) else [index]
    ndim = len(c.in_shape(0))
    consuming = sum(1 for it in items if it is not None and it is not Ellipsis)
    if sum(1 for it in items if it is Ellipsis) > 1:
        c.fail("an index can only have a single ellipsis")
    if any(it is Ellipsis for it in items):
        at = next(i for i, it in enumerate(items) if it is Ellipsis)
        items[at:at + 1] = [slice(None)] * (ndim - consuming)
    else:
        items += [slice(None)] * (ndim - consuming)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    gather = None
    advanced = []  # positions in items of ints and the array (numpy's advanced indices when an array is present)
    ax = out_pos = 0
    for pos, it in enumerate(items):
        if it is None:
            unsqueeze.append(out_pos)
            out_pos += 1
            continue
        if isinstance(it, (int, np.integer)) and not isinstance(it, bool):
            i = int(it)
            starts.append(i), ends.append(i + 1 if i != -1 else INT64_MAX), axes.append(ax), steps.append(1)
            squeeze.append(ax)
            advanced.append(pos)
        elif isinstance(it, slice):
            if it != slice(None):
                step = 1 if it.step is None else int(it.step)
                starts.append(int(it.start) if it.start is not None else (0 if step > 0 else INT64_MAX))
                ends.append(int(it.stop) if it.stop is not None else (INT64_MAX if step > 0 else INT64_MIN))
                axes.append(ax), steps.append(step)
            out_pos += 1
        elif hasattr(it, "dtype") and np.dtype(it.dtype).kind in "iu" and gather is None:
            gather = (ax, it)
            advanced.append(pos)
            out_pos += it.ndim
        else:
            c.fail(f"index item {it!r} (boolean masks, several integer arrays) has no ONNX mapping")
        ax += 1
    adjacent = advanced == list(range(advanced[0], advanced[0] + len(advanced))) if advanced else True
    if gather is not None and (unsqueeze or not adjacent):
        c.fail(f"an integer-array index mixed with None or with ints that are not next to it ({index!r}) "
               "has no ONNX mapping")
    y = c.x(0)
    if axes:
        y = g.node("Slice", [y, g.int64s(starts), g.int64s(ends), g.int64s(axes), g.int64s(steps)])
    if squeeze:
        y = g.squeeze(y, squeeze)
    if gather is not None:
        ax_g = gather[0] - sum(1 for s in squeeze if s < gather[0])
        y = g.node("Gather", [y, g.const(gather[1], np.int64)], axis=ax_g)
    if unsqueeze:
        y = g.unsqueeze(y, unsqueeze)
    g.node("Identity", [y], c.out())


# ---- linear algebra, reductions, softmax ---------------------------------------------------------
@converts("MatMul")
def matmul(g, c):
    g.node("MatMul", [c.x(0), c.x(1)], c.out())


@converts("Sum")
def reduce_sum(g, c):
    axes = c.attr(1)
    if not axes:
        g.node("Identity", [c.x(0)], c.out())
    else:
        g.reduce("ReduceSum", c.x(0), axes, c.attr(2), c.out())


@converts("Max")
def reduce_max(g, c):
    g.reduce("ReduceMax" if c.attr(3) == "max" else "ReduceMin", c.x(0), c.attr(1), c.attr(2), c.out())


@converts("LogSumExp")
def reduce_logsumexp(g, c):
    g.reduce("ReduceLogSumExp", c.x(0), c.attr(1), c.attr(2), c.out())


@converts("Softmax", "LogSoftmax")
def softmax(g, c):
    g.node(c.op, [c.x(0)], c.out(), axis=int(c.attr(1)))
