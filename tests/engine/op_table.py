"""The one table of differentiable ops that drives the gradient tests.

Each :class:`OpCase` names the Function classes it exercises, a function of Tensors, the input
shapes to try (several sets: broadcasting included) and the input domain.  ``test_op_table.py``
gradchecks every case in float64 (and second-order checks it unless ``second_order=False``) and fails
when an op registered in ``engine.function.OP_REGISTRY`` has no case here.  Ops built on the custom
kernels add their cases in ``op_table_kernels.py`` (``KERNEL_CASES``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import engine


@dataclass
class OpCase:
    name: str
    covers: tuple  # Function class names this case exercises
    fn: object
    shapes: list  # list of tuples of input shapes
    domain: str = "real"  # "real" | "positive" | "away0" (|x| >= 0.2, for kinks at 0)
    second_order: bool = True
    extra: dict = field(default_factory=dict)


def _idx_rep(x):  # repeated integer indexes: gradient must accumulate
    return x[np.array([0, 2, 0, 1, 2])]


CORE_CASES = [
    OpCase("add", ("Add",), lambda a, b: a + b, [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5))]),
    OpCase("add_scalar", ("Add",), lambda a: 2.5 + a, [((3, 4),)]),
    OpCase("sub", ("Sub",), lambda a, b: a - b, [((3, 4), (3, 4)), ((3, 1), (4,))]),
    OpCase("rsub", ("Sub",), lambda a: 1.0 - a, [((5,),)]),
    OpCase("mul", ("Mul",), lambda a, b: a * b, [((3, 4), (3, 4)), ((2, 3, 4), (3, 1))]),
    OpCase("div", ("Div",), lambda a, b: a / b, [((3, 4), (3, 4)), ((3, 4), (4,))], domain="positive"),
    OpCase("rdiv", ("Div",), lambda a: 2.0 / a, [((6,),)], domain="positive"),
    OpCase("neg", ("Neg",), lambda a: -a, [((3, 4),)]),
    OpCase("pow_scalar", ("Pow",), lambda a: a**3, [((3, 4),)]),
    OpCase("pow_tensor", ("Pow",), lambda a, b: a**b, [((3, 4), (3, 4)), ((3, 4), (1,))], domain="positive"),
    OpCase("rpow", ("Pow",), lambda a: 2.0**a, [((4,),)]),
    OpCase("exp", ("Exp",), lambda a: a.exp(), [((3, 4),)]),
    OpCase("log", ("Log",), lambda a: a.log(), [((3, 4),)], domain="positive"),
    OpCase("sqrt", ("Sqrt",), lambda a: a.sqrt(), [((3, 4),)], domain="positive"),
    OpCase("abs", ("Abs",), lambda a: a.abs(), [((3, 4),)], domain="away0"),
    OpCase("sin", ("Sin",), lambda a: a.sin(), [((3, 4),)]),
    OpCase("cos", ("Cos",), lambda a: a.cos(), [((3, 4),)]),
    OpCase("tanh", ("Tanh",), lambda a: a.tanh(), [((3, 4),)]),
    OpCase("sigmoid", ("Sigmoid",), lambda a: a.sigmoid(), [((3, 4),)]),
    OpCase("relu", ("Relu",), lambda a: a.relu(), [((3, 4),)], domain="away0"),
    OpCase("clip", ("Clip",), lambda a: a.clip(-0.5, 0.5), [((4, 5),)], domain="away0", extra={"avoid": (-0.5, 0.5)}),
    OpCase("maximum", ("Maximum",), lambda a, b: engine.maximum(a, b), [((3, 4), (3, 4)), ((3, 4), (4,))]),
    OpCase("minimum", ("Minimum",), lambda a, b: engine.minimum(a, b), [((3, 4), (3, 4))]),
    OpCase("where", ("Where",), lambda a, b: engine.where(a > 0, a, b), [((3, 4), (3, 4)), ((3, 4), (4,))],
           domain="away0"),
    OpCase("sum_all", ("Sum",), lambda a: a.sum(), [((3, 4),), ((2, 3, 4),)]),
    OpCase("sum_axis", ("Sum",), lambda a: a.sum(axis=1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("sum_tuple_keep", ("Sum",), lambda a: a.sum(axis=(0, 2), keepdims=True), [((2, 3, 4),)]),
    OpCase("mean", ("Sum", "Mul"), lambda a: a.mean(axis=-1), [((3, 4),)]),
    OpCase("max", ("Max",), lambda a: a.max(axis=1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("min_all", ("Max",), lambda a: a.min(), [((3, 4),)]),
    OpCase("var", ("Sum", "Sub", "Mul"), lambda a: a.var(axis=0), [((5, 3),)]),
    OpCase("logsumexp", ("LogSumExp",), lambda a: a.logsumexp(axis=1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("logsumexp_all", ("LogSumExp",), lambda a: a.logsumexp(), [((3, 4),)]),
    OpCase("reshape", ("Reshape",), lambda a: a.reshape(4, 3) * 1.0, [((3, 4),)]),
    OpCase("transpose", ("Transpose",), lambda a: a.transpose(2, 0, 1), [((2, 3, 4),)]),
    OpCase("T", ("Transpose",), lambda a: a.T, [((3, 4),)]),
    OpCase("swapaxes", ("Transpose",), lambda a: a.swapaxes(0, 2), [((2, 3, 4),)]),
    OpCase("broadcast_to", ("BroadcastTo",), lambda a: a.broadcast_to((2, 3, 4)), [((3, 1),)]),
    OpCase("squeeze_unsqueeze", ("Reshape",), lambda a: a.squeeze(1).unsqueeze(0), [((3, 1, 4),)]),
    OpCase("concatenate", ("Concatenate",), lambda a, b: engine.concatenate([a, b], axis=1), [((3, 2), (3, 4))]),
    OpCase("stack", ("Concatenate", "Reshape"), lambda a, b: engine.stack([a, b], axis=1), [((3, 4), (3, 4))]),
    OpCase("split", ("Split",), lambda a: (engine.split(a, [1, 3], axis=1)[2] * 2, engine.split(a, 2, axis=0)[0]),
           [((4, 5),)]),
    OpCase("pad", ("Pad",), lambda a: a.pad(((1, 0), (2, 1))), [((3, 4),)]),
    OpCase("getitem_basic", ("GetItem", "IndexAdd"), lambda a: a[1:, ::2], [((3, 4),)]),
    OpCase("getitem_int_repeat", ("GetItem", "IndexAdd"), _idx_rep, [((3, 4),)]),
    OpCase("getitem_mask", ("GetItem", "IndexAdd"), lambda a: a[a.data > 0], [((4, 4),)], domain="away0"),
    OpCase("getitem_pairs", ("GetItem", "IndexAdd"), lambda a: a[np.arange(3), np.array([1, 0, 1])], [((3, 2),)]),
    OpCase("index_put_basic", ("IndexPut", "GetItem"),
           lambda a, b: engine.ops.index_put.index_put(a, (slice(1, None),), b), [((3, 4), (2, 4)), ((3, 4), (4,))]),
    OpCase("index_put_ints", ("IndexPut", "GetItem"),
           lambda a, b: engine.ops.index_put.index_put(a, np.array([2, 0]), b), [((3, 4), (2, 4))]),
    OpCase("astype", ("AsType",), lambda a: engine.ops.shape.AsType.apply(a, np.dtype("float64")) * a, [((3,),)]),
    OpCase("to_device", ("ToDevice",), lambda a: engine.ops.shape.ToDevice.apply(a, "cpu") * a, [((3,),)]),
    OpCase("matmul", ("MatMul",), lambda a, b: a @ b, [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                                                        ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,))]),
    OpCase("softmax", ("Softmax",), lambda a: a.softmax(axis=1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("log_softmax", ("LogSoftmax",), lambda a: a.log_softmax(axis=-1), [((3, 4),)]),
]

try:
    from .op_table_kernels import KERNEL_CASES
except ModuleNotFoundError:
    KERNEL_CASES = []

CASES = CORE_CASES + list(KERNEL_CASES)


def make_inputs(case: OpCase, shapes, seed: int):
    """Random float64 leaf tensors for ``shapes`` in the case's domain."""
    rng = np.random.default_rng(seed)
    out = []
    for shp in shapes:
        x = rng.standard_normal(shp)
        if case.domain == "positive":
            x = np.abs(x) + 0.5
        elif case.domain == "away0":
            x = np.sign(x) * (np.abs(x) + 0.2)
            for edge in case.extra.get("avoid", ()):
                x = np.where(np.abs(x - edge) < 0.05, x + 0.1, x)
        out.append(engine.tensor(x, dtype="float64", requires_grad=True))
    return out
