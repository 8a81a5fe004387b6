"""The one table of differentiable ops that drives the op tests (forward values, gradients, devices).

Each :class:`OpCase` row names the Function classes it exercises, a function of Tensors, the input shapes
to try (``shapes``: one or more shape sets) and the input domain.  From each row the harness generates:

- **sample inputs**: the declared shape sets plus the variants the row says the op accepts (``derive``):
  ``"0d"`` (every input 0-d), ``"empty"`` (a 0-sized leading dimension) and ``"broadcast"`` (the other
  inputs broadcast against the first: lower rank, size-1 dimensions on both sides, 0-d), all derived from
  the row's first shape set by :meth:`OpCase.samples` (``ELEMENTWISE`` declares all three);
- **forward values** against a reference: PyTorch when installed (``torch``: ``SAME`` runs the row's own
  function on torch tensors, or a function of torch tensors using :func:`torch_module`), values, dtypes
  and gradients in every float dtype of ``dtypes`` (plus ``int_dtypes``, values only); and a NumPy/float64
  reference (``ref``, a function of float64 arrays) that runs whether or not torch is installed;
- **gradcheck** and **gradgradcheck** in float64 (``gradcheck=False`` where the value is nan/inf on
  purpose, ``second_order=False`` where the op is once differentiable);
- **twin tests** on every device of ``devices``: the row on "cuda" (the simulated device in CI, whose
  kernels are the Numba-CUDA twins) equals the CPU in float64 (tests/device/test_op_table_device.py).

``test_op_table.py`` fails when a Function subclass defined under ``engine/ops`` has no row (``covers``).
Rows live here (core ops), in ``op_table_kernels.py`` (custom-kernel ops), ``op_table_activations.py``,
``op_table_layers.py`` (engine/ops/layers.py and loss.py), ``op_table_torch.py`` and
``op_table_semantics.py`` (torch's edge semantics); :data:`CASES` is all of them.  Every field after
``shapes`` is optional with a default, so rows written for older versions of the table still fit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import engine


SAME = "same"  # OpCase.torch: the case's function runs as it is on torch tensors


def torch_module():
    """``torch`` for the reference functions (imported only when a parity test runs)."""
    import torch

    return torch


#: OpCase.derive for elementwise ops with broadcasting: every derived sample-shape variant applies
ELEMENTWISE = ("0d", "empty", "broadcast")
_VARIANTS = frozenset(ELEMENTWISE)


@dataclass
class OpCase:
    name: str
    covers: tuple  # Function class names this case exercises
    fn: object
    shapes: list  # list of tuples of input shapes
    domain: str = "real"  # "real" | "positive" | "away0" (|x| >= 0.2, for kinks at 0) | "int" (small ints)
    second_order: bool = True
    extra: dict = field(default_factory=dict)
    torch: object = None  # None (no parity test), SAME, or a function of torch tensors
    gradcheck: bool = True  # False where the value is nan/inf on purpose (compared with torch only)
    inputs: object = None  # optional fn(rng, shapes) -> list of float64 arrays, instead of the domain
    int_dtypes: tuple = ()  # extra dtypes ("int64", "int32", "bool") for value-only torch parity
    derive: tuple = ()  # sample-shape variants the op accepts: subset of ELEMENTWISE (see samples())
    ref: object = None  # NumPy reference: fn(*float64 arrays) -> array or tuple of arrays
    dtypes: tuple = ("float32", "float64")  # float dtypes of the forward-value (and torch parity) tests
    devices: tuple = ("cpu", "cuda")  # "cuda": the twin test against the CPU (simulated device in CI)
    tol: dict = field(default_factory=dict)  # per-dtype {"float32": dict(rtol=..., atol=...)} for long sums

    def __post_init__(self):
        unknown = set(self.derive) - _VARIANTS
        if unknown:
            raise ValueError(f"OpCase {self.name}: unknown derive variants {sorted(unknown)}; "
                             f"choose from {sorted(_VARIANTS)}")

    def torch_fn(self):
        return self.fn if self.torch == SAME else self.torch

    def samples(self) -> list:
        """``[(tag, shape set)]``: the declared shape sets (tags ``"0"``, ``"1"`` ...) then the variants of
        ``derive`` built from the first one, each shape set once."""
        out = [(str(i), tuple(s)) for i, s in enumerate(self.shapes)]
        seen = {s for _, s in out}
        for tag, shapes in _derived(tuple(self.shapes[0]), self.derive):
            if shapes not in seen:
                seen.add(shapes)
                out.append((tag, shapes))
        return out


def _derived(base: tuple, derive) -> list:
    """The ``(tag, shape set)`` variants of ``derive`` for the base shape set ``base`` (see OpCase.samples)."""
    first, others = base[0], base[1:]
    out = []
    if "0d" in derive and any(base):
        out.append(("0d", tuple(() for _ in base)))
    if "empty" in derive and first:
        out.append(("empty", tuple((0,) + s[1:] if len(s) == len(first) and s[:1] == first[:1] else s
                                   for s in base)))
    if "broadcast" in derive and others and first:
        out.append(("bcast_low_rank", (first,) + tuple(first[1:] for _ in others)))
        if len(first) >= 2:
            out.append(("bcast_both", (first[:-1] + (1,),) + tuple((1,) + first[1:] for _ in others)))
        out.append(("bcast_0d", (first,) + tuple(() for _ in others)))
    return out


def _put(a, index, values):  # NumPy reference of index_put: a copy of ``a`` with ``a[index] = values``
    out = a.copy()
    out[index] = values
    return out


def _idx_rep(x):  # repeated integer indexes: gradient must accumulate
    return x[np.array([0, 2, 0, 1, 2])]


def _T():
    return torch_module()


S = SAME
E = ELEMENTWISE
_BCAST = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (3,)), ((0, 3), (3,))]

CORE_CASES = [
    OpCase("add", ("Add",), lambda a, b: a + b, _BCAST, torch=S, int_dtypes=("int64", "int32"), derive=E, ref=np.add),
    OpCase("add_scalar", ("Add",), lambda a: 2.5 + a, [((3, 4),), ((),)], torch=S, derive=E, ref=lambda a: 2.5 + a),
    OpCase("sub", ("Sub",), lambda a, b: a - b, [((3, 4), (3, 4)), ((3, 1), (4,)), ((), ())], torch=S,
           int_dtypes=("int64", "int32"), derive=E, ref=np.subtract),
    OpCase("rsub", ("Sub",), lambda a: 1.0 - a, [((5,),)], torch=S, derive=E, ref=lambda a: 1.0 - a),
    OpCase("mul", ("Mul",), lambda a, b: a * b, [((3, 4), (3, 4)), ((2, 3, 4), (3, 1)), ((), (2,))], torch=S,
           int_dtypes=("int64", "int32"), derive=E, ref=np.multiply),
    OpCase("div", ("Div",), lambda a, b: a / b, [((3, 4), (3, 4)), ((3, 4), (4,)), ((), ())], domain="positive",
           torch=S, derive=E, ref=np.divide),
    OpCase("rdiv", ("Div",), lambda a: 2.0 / a, [((6,),)], domain="positive", torch=S, derive=E, ref=lambda a: 2.0 / a),
    OpCase("neg", ("Neg",), lambda a: -a, [((3, 4),), ((),)], torch=S, int_dtypes=("int64", "int32"), derive=E,
           ref=np.negative),
    OpCase("pow_scalar", ("Pow",), lambda a: a**3, [((3, 4),), ((),)], torch=S, derive=E, ref=lambda a: a**3),
    OpCase("pow_tensor", ("Pow",), lambda a, b: a**b, [((3, 4), (3, 4)), ((3, 4), (1,))], domain="positive",
           torch=S, derive=E, ref=np.power),
    OpCase("rpow", ("Pow",), lambda a: 2.0**a, [((4,),)], torch=S, derive=E, ref=lambda a: 2.0**a),
    OpCase("exp", ("Exp",), lambda a: a.exp(), [((3, 4),), ((),), ((0,),)], torch=S, derive=E, ref=np.exp),
    OpCase("log", ("Log",), lambda a: a.log(), [((3, 4),)], domain="positive", torch=S, derive=E, ref=np.log),
    OpCase("sqrt", ("Sqrt",), lambda a: a.sqrt(), [((3, 4),)], domain="positive", torch=S, derive=E, ref=np.sqrt),
    OpCase("abs", ("Abs",), lambda a: a.abs(), [((3, 4),), ((),)], domain="away0", torch=S,
           int_dtypes=("int64", "int32"), derive=E, ref=np.abs),
    OpCase("sin", ("Sin",), lambda a: a.sin(), [((3, 4),)], torch=S, derive=E, ref=np.sin),
    OpCase("cos", ("Cos",), lambda a: a.cos(), [((3, 4),)], torch=S, derive=E, ref=np.cos),
    OpCase("tanh", ("Tanh",), lambda a: a.tanh(), [((3, 4),)], torch=S, derive=E, ref=np.tanh),
    OpCase("sigmoid", ("Sigmoid",), lambda a: a.sigmoid(), [((3, 4),)], torch=S, derive=E,
           ref=lambda a: 1 / (1 + np.exp(-a))),
    OpCase("relu", ("Relu",), lambda a: a.relu(), [((3, 4),), ((),)], domain="away0", torch=S, derive=E,
           ref=lambda a: np.maximum(a, 0)),
    OpCase("clip", ("Clamp",), lambda a: a.clip(-0.5, 0.5), [((4, 5),)], domain="away0", extra={"avoid": (-0.5, 0.5)},
           torch=S, derive=E, ref=lambda a: np.clip(a, -0.5, 0.5)),
    OpCase("maximum", ("Maximum",), lambda a, b: a.maximum(b), [((3, 4), (3, 4)), ((3, 4), (4,)), ((), ())],
           torch=S, int_dtypes=("int64", "int32"), derive=E, ref=np.maximum),
    OpCase("minimum", ("Minimum",), lambda a, b: a.minimum(b), [((3, 4), (3, 4)), ((), ())], torch=S, derive=E,
           ref=np.minimum),
    OpCase("where", ("Where",), lambda a, b: engine.where(a > 0, a, b), [((3, 4), (3, 4)), ((3, 4), (4,))],
           domain="away0", torch=lambda a, b: _T().where(a > 0, a, b), derive=E,
           ref=lambda a, b: np.where(a > 0, a, b)),
    OpCase("sum_all", ("Sum",), lambda a: a.sum(), [((3, 4),), ((2, 3, 4),), ((),), ((0, 3),)], torch=S, int_dtypes=("int64", "int32"),
           ref=np.sum),
    OpCase("sum_dim", ("Sum",), lambda a: a.sum(1), [((3, 4),), ((2, 3, 4),), ((3, 0),)], torch=S, int_dtypes=("int64", "int32"),
           ref=lambda a: a.sum(1)),
    OpCase("sum_tuple_keep", ("Sum",), lambda a: a.sum(dim=(0, 2), keepdim=True), [((2, 3, 4),)], torch=S),
    OpCase("sum_axis_alias", ("Sum",), lambda a: a.sum(axis=-1, keepdims=True), [((3, 4),)],
           torch=lambda a: a.sum(dim=-1, keepdim=True)),
    OpCase("mean", ("Sum", "Mul"), lambda a: a.mean(dim=-1), [((3, 4),), ((),)], torch=S,
           ref=lambda a: a.mean(-1) if a.ndim else a),
    OpCase("max_all", ("Max",), lambda a: a.max(), [((3, 4),), ((),)], torch=S, int_dtypes=("int64", "int32")),
    OpCase("min_all", ("Max",), lambda a: a.min(), [((3, 4),)], torch=S),
    OpCase("amax", ("Max",), lambda a: a.amax(dim=(0, 2)), [((2, 3, 4),)], torch=S),
    OpCase("amin_keep", ("Max",), lambda a: a.amin(1, keepdim=True), [((3, 4),)], torch=S),
    OpCase("var", ("Sum", "Sub", "Mul"), lambda a: a.var(0), [((5, 3),)], torch=S),
    OpCase("logsumexp", ("LogSumExp",), lambda a: a.logsumexp(1), [((3, 4),), ((2, 3, 4),)], torch=S),
    OpCase("logsumexp_all", ("LogSumExp",), lambda a: a.logsumexp(dim=(0, 1)), [((3, 4),)], torch=S),
    OpCase("reshape", ("Reshape",), lambda a: a.reshape(4, 3) * 1.0, [((3, 4),)], torch=S),
    OpCase("permute", ("Transpose",), lambda a: a.permute(2, 0, 1), [((2, 3, 4),)], torch=S, int_dtypes=("int64", "int32")),
    OpCase("transpose", ("Transpose",), lambda a: a.transpose(0, 2), [((2, 3, 4),)], torch=S, int_dtypes=("int64", "int32")),
    OpCase("T", ("Transpose",), lambda a: a.T, [((3, 4),), ((3,),), ((),)], torch=S),
    OpCase("swapaxes", ("Transpose",), lambda a: a.swapaxes(0, 2), [((2, 3, 4),)], torch=S),
    OpCase("broadcast_to", ("BroadcastTo",), lambda a: a.broadcast_to((2, 3, 4)), [((3, 1),)], torch=S),
    OpCase("squeeze_unsqueeze", ("Reshape",), lambda a: a.squeeze(1).unsqueeze(0), [((3, 1, 4),)], torch=S),
    OpCase("cat", ("Concatenate",), lambda a, b: engine.cat([a, b], dim=1), [((3, 2), (3, 4)), ((3, 0), (3, 2))],
           torch=lambda a, b: _T().cat([a, b], dim=1)),
    OpCase("concatenate_alias", ("Concatenate",), lambda a, b: engine.concatenate([a, b], axis=0), [((2, 3), (1, 3))],
           torch=lambda a, b: _T().cat([a, b], 0)),
    OpCase("stack", ("Concatenate", "Reshape"), lambda a, b: engine.stack([a, b], dim=1), [((3, 4), (3, 4))],
           torch=lambda a, b: _T().stack([a, b], dim=1)),
    OpCase("split", ("Split",), lambda a: (a.split([1, 3, 1], dim=1)[2] * 2, a.split(3)[1]), [((4, 5),)], torch=S),
    OpCase("pad", ("Pad",), lambda a: engine.pad(a, (2, 1, 1, 0)), [((3, 4),)],
           torch=lambda a: _T().nn.functional.pad(a, (2, 1, 1, 0))),
    OpCase("getitem_basic", ("GetItem", "IndexAdd"), lambda a: a[1:, ::2], [((3, 4),)], torch=S, int_dtypes=("int64", "int32")),
    OpCase("getitem_int_repeat", ("GetItem", "IndexAdd"), _idx_rep, [((3, 4),)],
           torch=lambda a: a[_T().tensor([0, 2, 0, 1, 2])]),
    OpCase("getitem_mask", ("GetItem", "IndexAdd"), lambda a: a[a > 0], [((4, 4),)], domain="away0", torch=S),
    OpCase("getitem_pairs", ("GetItem", "IndexAdd"), lambda a: a[np.arange(3), np.array([1, 0, 1])], [((3, 2),)],
           torch=lambda a: a[_T().arange(3), _T().tensor([1, 0, 1])]),
    OpCase("astype", ("AsType",), lambda a: a.double() * a, [((3,),)], torch=S),
    OpCase("to_device", ("ToDevice",), lambda a: engine.ops.shape.ToDevice.apply(a, "cpu") * a, [((3,),)],
           torch=lambda a: a.to("cpu") * a,
           devices=("cpu",)),  # it moves its input to the CPU on purpose: mixed devices by design
    OpCase("matmul", ("MatMul",), lambda a, b: a @ b, [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                                                        ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,))], torch=S,
           ref=np.matmul),
    OpCase("softmax", ("Softmax",), lambda a: a.softmax(1), [((3, 4),), ((2, 3, 4),)], torch=S),
    OpCase("log_softmax", ("LogSoftmax",), lambda a: a.log_softmax(dim=-1), [((3, 4),), ((),)], torch=S),
    OpCase("index_put_basic", ("IndexPut", "GetItem"),
           lambda a, b: engine.ops.index_put.index_put(a, (slice(1, None),), b), [((3, 4), (2, 4)), ((3, 4), (4,))],
           ref=lambda a, b: _put(a, (slice(1, None),), b)),
    OpCase("index_put_ints", ("IndexPut", "GetItem"),
           lambda a, b: engine.ops.index_put.index_put(a, np.array([2, 0]), b), [((3, 4), (2, 4))],
           ref=lambda a, b: _put(a, np.array([2, 0]), b)),
]

try:
    from .op_table_kernels import KERNEL_CASES
except ModuleNotFoundError:
    KERNEL_CASES = []

from .op_table_semantics import SEMANTIC_CASES  # noqa: E402

from .op_table_torch import TORCH_CASES  # noqa: E402
from .op_table_layers import LAYER_CASES  # noqa: E402
from .op_table_basics import BASICS_CASES  # noqa: E402
from .op_table_linalg import LINALG_CASES  # noqa: E402

CASES = CORE_CASES + list(KERNEL_CASES) + SEMANTIC_CASES + TORCH_CASES + LAYER_CASES + BASICS_CASES + LINALG_CASES


def make_arrays(case: OpCase, shapes, seed: int) -> list:
    """Random float64 arrays for ``shapes`` in the case's domain (or from its ``inputs`` function)."""
    rng = np.random.default_rng(seed)
    if case.inputs is not None:
        return [np.asarray(a, dtype=np.float64) for a in case.inputs(rng, shapes)]
    out = []
    for shp in shapes:
        x = rng.standard_normal(shp)
        if case.domain == "positive":
            x = np.abs(x) + 0.5
        elif case.domain == "away0":
            x = np.sign(x) * (np.abs(x) + 0.2)
            for edge in case.extra.get("avoid", ()):
                x = np.where(np.abs(x - edge) < 0.05, x + 0.1, x)
        elif case.domain == "int":
            x = np.round(x * 3)
        out.append(np.asarray(x))
    return out


def make_inputs(case: OpCase, shapes, seed: int):
    """Random float64 leaf tensors for ``shapes`` in the case's domain."""
    return [engine.tensor(x, dtype="float64", requires_grad=True) for x in make_arrays(case, shapes, seed)]
