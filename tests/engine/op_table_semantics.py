"""Op-table rows for torch's semantics: ``dim=``/``keepdim=`` reductions, ``max(dim)`` tuples, var/std
corrections, shape ops (transpose, permute, split/chunk/narrow, squeeze no-ops, flatten ranges, expand),
``F.pad`` in every mode, softmax dims, ``mm``/``bmm``/``addmm``, ``%`` and ``//``, and ``**`` at the
edges (x = 0, exponent 0, negative bases).

Most rows run the same function on engine and torch tensors (``torch=SAME``): that the code is the
same is the point.  Rows whose value is nan/inf on purpose (a size-1 variance, ``(-2) ** x``) are
compared with torch but not gradchecked.
"""
import numpy as np

import engine
import nn.functional as F

from .op_table import SAME, OpCase, torch_module

S = SAME


def _T():
    return torch_module()


def _zeros_and_ints(rng, shapes):
    """A base with exact zeros and an exponent of small non-negative integers (x ** y at 0)."""
    x = rng.standard_normal(shapes[0])
    x.reshape(-1)[::2] = 0.0
    y = rng.integers(0, 4, size=shapes[1]).astype(np.float64)
    return [x, y]


def _with_zeros(rng, shapes):
    x = rng.standard_normal(shapes[0])
    x.reshape(-1)[::3] = 0.0
    return [x]


def _ties(rng, shapes):
    return [np.round(rng.standard_normal(shapes[0]) * 1.5)]


def _nonzero_divisor(rng, shapes):
    a = rng.standard_normal(shapes[0]) * 4
    b = rng.standard_normal(shapes[1]) * 2
    b = np.where(np.abs(b) < 0.3, 0.7, b)
    return [a, b]


_SUM = ("Sum",)
_VAR = ("Sum", "Sub", "Mul")
_RESHAPE = ("Reshape",)

REDUCE_CASES = [
    OpCase("sum_0d_dim0", _SUM, lambda a: a.sum(0), [((),)], torch=S),
    OpCase("sum_0d_dim_m1_keep", _SUM, lambda a: a.sum(-1, keepdim=True), [((),)], torch=S),
    OpCase("sum_empty_dim", _SUM, lambda a: a.sum(dim=0), [((0, 3),)], torch=S),
    OpCase("mean_dims_keep", ("Sum", "Mul"), lambda a: a.mean((0, 2), keepdim=True), [((2, 3, 4),)], torch=S),
    OpCase("mean_empty_is_nan", ("Sum", "Mul"), lambda a: a.mean(), [((0,),), ((2, 0),)], torch=S,
           gradcheck=False),
    OpCase("max_dim_tuple", ("GetItem", "IndexAdd"), lambda a: tuple(a.max(1)), [((3, 4),), ((2, 3, 4),)], torch=S, int_dtypes=("int64",)),
    OpCase("max_dim_named_keep", ("GetItem", "IndexAdd"), lambda a: (a.max(dim=0, keepdim=True).values * 2,
                                                                     a.max(dim=0, keepdim=True).indices),
           [((3, 4),)], torch=S),
    OpCase("min_dim_negative", ("GetItem", "IndexAdd"), lambda a: tuple(a.min(-1)), [((2, 3, 4),), ((5,),)], torch=S),
    OpCase("max_dim_0d", _RESHAPE, lambda a: tuple(a.max(0)), [((),)], torch=S),
    OpCase("max_other", ("Maximum",), lambda a, b: a.max(b), [((3, 4), (4,))], torch=S),
    OpCase("min_other", ("Minimum",), lambda a, b: a.min(b), [((3, 4), (3, 4))], torch=S),
    OpCase("max_all_ties", ("Max",), lambda a: a.max(), [((4, 4),)], inputs=_ties, torch=S, gradcheck=False),
    OpCase("argmax_dim_keep", (), lambda a: (a.argmax(1, True), a.argmin(dim=0)), [((3, 4),)], torch=S, int_dtypes=("int64",)),
    OpCase("argmax_all", (), lambda a: (a.argmax(), a.argmin(keepdim=True)), [((3, 4),), ((),)], torch=S),
    OpCase("var_default_correction", _VAR, lambda a: a.var(), [((5, 3),)], torch=S),
    OpCase("var_unbiased_false", _VAR, lambda a: a.var(1, unbiased=False, keepdim=True), [((4, 3),)], torch=S),
    OpCase("var_correction_2", _VAR, lambda a: a.var(dim=0, correction=2), [((5, 3),)], torch=S),
    OpCase("var_size1_nan", _VAR, lambda a: a.var(1), [((3, 1),)], torch=S, gradcheck=False),
    OpCase("std", ("Sqrt", "Where"), lambda a: a.std(0), [((5, 3),)], torch=S),
    OpCase("std_constant_grad0", ("Sqrt", "Where"), lambda a: (a * 0 + 1).std(), [((4,),)], torch=S),
    OpCase("std_mean", ("Sqrt", "Where"), lambda a: engine.std_mean(a, 1), [((3, 4),)],
           torch=lambda a: _T().std_mean(a, 1)),
    OpCase("var_mean", _VAR, lambda a: engine.var_mean(a, dim=(0, 1), keepdim=True), [((3, 4),)],
           torch=lambda a: _T().var_mean(a, dim=(0, 1), keepdim=True)),
    OpCase("logsumexp_keep", ("LogSumExp",), lambda a: a.logsumexp(0, keepdim=True), [((3, 4),), ((),)], torch=S),
    OpCase("any_all", (), lambda a: (a.any(), (a > 0).all(1), (a > 0).any(dim=0, keepdim=True)), [((3, 4),)],
           torch=S, int_dtypes=("int64",)),
]

SHAPE_CASES = [
    OpCase("transpose_neg", ("Transpose",), lambda a: a.transpose(-1, 0), [((2, 3, 4),)], torch=S),
    OpCase("transpose_0d", _RESHAPE, lambda a: a.transpose(0, -1), [((),)], torch=S),
    OpCase("permute_tuple", ("Transpose",), lambda a: a.permute((1, 2, 0)), [((2, 3, 4),)], torch=S),
    OpCase("mT", ("Transpose",), lambda a: a.mT, [((2, 3, 4),), ((3, 4),)], torch=S),
    OpCase("t", ("Transpose",), lambda a: a.t() * 2, [((3, 4),), ((3,),)], torch=S),
    OpCase("flatten_range", _RESHAPE, lambda a: a.flatten(1, 2), [((2, 3, 4, 2),)], torch=S, int_dtypes=("int64",)),
    OpCase("flatten_0d", _RESHAPE, lambda a: a.flatten(), [((),)], torch=S),
    OpCase("unflatten", _RESHAPE, lambda a: a.unflatten(1, (2, -1)), [((3, 4),)], torch=S),
    OpCase("squeeze_non1_noop", _RESHAPE, lambda a: a.squeeze(0) * 1.0, [((3, 1, 4),)], torch=S),
    OpCase("squeeze_tuple", _RESHAPE, lambda a: a.squeeze((1, 3)), [((3, 1, 4, 1),)], torch=S, int_dtypes=("int64",)),
    OpCase("unsqueeze_end", _RESHAPE, lambda a: a.unsqueeze(-1), [((3, 4),), ((),)], torch=S),
    OpCase("view_as_expand", ("BroadcastTo",), lambda a, b: a.view(4, 1).expand(-1, 3) + b.expand_as(b),
           [((2, 2), (4, 3))], torch=S),
    OpCase("view_as_reshape_as", _RESHAPE, lambda a, b: a.view_as(b) + a.reshape_as(b) * b, [((2, 6), (3, 4))],
           torch=S),
    OpCase("swapdims_noncontiguous", ("Transpose",), lambda a: a.t().swapdims(0, 1).sum(0), [((3, 4),)], torch=S),
    OpCase("expand_new_dims", ("BroadcastTo",), lambda a: a.expand(2, 3, 4), [((3, 1),)], torch=S),
    OpCase("contiguous", ("Contiguous",), lambda a: a.t().contiguous() * 2, [((3, 4),)], torch=S),
    OpCase("split_size_uneven", ("Split",), lambda a: a.split(2, dim=1), [((3, 5),)], torch=S, int_dtypes=("int64",)),
    OpCase("split_sections", ("Split",), lambda a: a.split([1, 0, 2]), [((3, 2),)], torch=S),
    OpCase("chunk", ("Split",), lambda a: a.chunk(3, 1), [((2, 7),), ((2, 2),)], torch=S, int_dtypes=("int64",)),
    OpCase("narrow", ("GetItem", "IndexAdd"), lambda a: a.narrow(1, 1, 2), [((3, 4),)], torch=S),
    OpCase("stack_neg_dim", ("Concatenate", "Reshape"), lambda a, b: engine.stack([a, b], -1), [((3, 4), (3, 4))],
           torch=lambda a, b: _T().stack([a, b], -1)),
    OpCase("cat_promotes", ("Concatenate", "AsType"), lambda a, b: engine.cat([a, b.float()]), [((2, 3), (1, 3))],
           torch=lambda a, b: _T().cat([a, b.float()]), gradcheck=False),
]


def _pad(pad, mode="constant", value=None):
    kw = {} if value is None else {"value": value}
    return OpCase(f"pad_{mode}_{'_'.join(str(p) for p in pad)}", ("Pad", "GetItem", "IndexAdd"),
                  lambda a: F.pad(a, pad, mode=mode, **kw), [((2, 3, 5) if len(pad) == 2 else (2, 3, 4, 5),)],
                  torch=lambda a: _T().nn.functional.pad(a, pad, mode=mode, **kw))


PAD_CASES = [
    _pad((1, 2)),
    _pad((1, 2, 0, 1), value=0.5),
    _pad((-1, 2, 1, -1)),
    _pad((1, 0, 2, 3, 1, 1)),
    _pad((2, 3), "reflect"),
    _pad((1, 2, 2, 1), "reflect"),
    _pad((2, 3), "replicate"),
    _pad((1, 2, 3, 0), "replicate"),
    _pad((2, 4), "circular"),
    _pad((1, 2, 3, 1), "circular"),
]

MISC_CASES = [
    OpCase("F_softmax_dim0", ("Softmax",), lambda a: F.softmax(a, dim=0), [((3, 4),), ((),)],
           torch=lambda a: _T().nn.functional.softmax(a, dim=0)),
    OpCase("F_log_softmax", ("LogSoftmax",), lambda a: F.log_softmax(a, 1), [((2, 3, 4),)],
           torch=lambda a: _T().nn.functional.log_softmax(a, 1)),
    OpCase("F_softmin", ("Softmax", "Neg"), lambda a: F.softmin(a, dim=-1), [((3, 4),)],
           torch=lambda a: _T().nn.functional.softmin(a, dim=-1)),
    OpCase("mm", ("MatMul",), lambda a, b: a.mm(b), [((3, 4), (4, 2))], torch=S),
    OpCase("bmm", ("MatMul",), lambda a, b: a.bmm(b), [((2, 3, 4), (2, 4, 5))], torch=S),
    OpCase("addmm", ("MatMul", "Mul", "Add"), lambda c, a, b: engine.addmm(c, a, b, beta=0.5, alpha=2.0),
           [((3, 2), (3, 4), (4, 2)), ((2,), (3, 4), (4, 2))],
           torch=lambda c, a, b: _T().addmm(c, a, b, beta=0.5, alpha=2.0)),
    OpCase("remainder", ("Remainder",), lambda a, b: a % b, [((3, 4), (3, 4)), ((3, 4), (4,))],
           inputs=_nonzero_divisor, torch=S, int_dtypes=("int64",)),
    OpCase("remainder_scalar", ("Remainder",), lambda a: a % 1.5, [((3, 4),)], domain="away0", torch=S,
           extra={"avoid": (-1.5, 0, 1.5)}),
    OpCase("rremainder_values", ("Remainder",), lambda a: -7.0 % a, [((3, 4),)], domain="away0",
           torch=lambda a: (-7.0 % a).detach(), gradcheck=False),
    OpCase("floor_divide_values", (), lambda a, b: a // b, [((3, 4), (3, 4))], inputs=_nonzero_divisor,
           torch=lambda a, b: (a // b).detach(), int_dtypes=("int64",)),
    # ** at the edges: torch's gradients (0 where the exponent is 0; 0 for the exponent where x == 0)
    OpCase("pow_at_zero", ("Pow", "Where"), lambda a, b: a**b, [((3, 4), (3, 4))], inputs=_zeros_and_ints,
           torch=S, gradcheck=False),
    OpCase("pow_zero_exponent", ("Pow",), lambda a: a**0 + a**0.0, [((6,),)], inputs=_with_zeros, torch=S),
    OpCase("pow_square_at_zero", ("Pow",), lambda a: a**2, [((6,),)], inputs=_with_zeros, torch=S),
    OpCase("rpow_negative_base", ("Pow",), lambda a: (-2.0) ** a, [((6,),)], domain="int", torch=S,
           gradcheck=False),
    OpCase("rpow_zero_base", ("Pow", "Where"), lambda a: 0.0**a, [((6,),)], domain="away0", torch=S,
           gradcheck=False),
    OpCase("relu_abs_max_0d", ("Relu", "Abs", "Max", "Mul"), lambda a: (a.relu() * a.abs()).max() + a.maximum(a * 2),
           [((),)], domain="away0", torch=S),
]

SEMANTIC_CASES = REDUCE_CASES + SHAPE_CASES + PAD_CASES + MISC_CASES
