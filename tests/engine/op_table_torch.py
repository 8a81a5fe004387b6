"""Op-table cases for the torch ops of engine/ops/{math,arith,scan,sort,index,layout,einsum,pool_indices}.py.

Each new Function gets a gradcheck and a second-order check from ``test_op_table.py``.  Inputs come
from ``make_inputs`` (standard normal, or the ``domain``); ops with a narrower domain reshape their
input inside the lambda (``asin(tanh(x) * 0.9)``), and piecewise-constant ops are multiplied by a
smooth input so that the check is not trivially zero.
"""
import numpy as np

import engine

from .op_table import ELEMENTWISE as E, SAME as S, OpCase, torch_module

_IDX = np.array([[0, 2, 1, 0], [1, 1, 0, 2], [2, 0, 0, 1]])
_IDX_UNIQUE = np.array([[0, 2], [1, 3], [2, 0]])  # scatter: no repeats within a row (torch leaves those undefined)


def _T():
    return torch_module()


def _c(name, covers, fn, shapes, domain="real", **kw):
    return OpCase(name, covers if isinstance(covers, tuple) else (covers,), fn, shapes, domain=domain, **kw)


TORCH_CASES = [
    _c("hardtanh", "Clamp", lambda a: engine.ops.elementwise.hardtanh(a, -0.5, 0.7), [((3, 4),), ((),)],
       domain="away0", extra={"avoid": (-0.5, 0.7)},
       torch=lambda a: _T().nn.functional.hardtanh(a, -0.5, 0.7), derive=E),
    _c("tan", "Tan", lambda a: (a * 0.4).tan(), [((3, 4),)], torch=S, derive=E),
    _c("sinc", "Sinc", lambda a: a.sinc(), [((3, 4),)], torch=S, derive=E),  # torch's normalised sinc
    _c("sinc_at_zero", "Sinc",
       lambda a: engine.sinc(a * engine.tensor([0.0, 1.0, 1.0, 1.0], dtype="float64", device=a.device)), [((4,),)],
       torch=lambda a: _T().sinc(a * _T().tensor([0.0, 1.0, 1.0, 1.0], dtype=_T().float64))),
    _c("asin", "Asin", lambda a: (a.tanh() * 0.9).asin(), [((3, 4),)], torch=S, derive=E),
    _c("acos", "Acos", lambda a: engine.acos(a.tanh() * 0.9), [((3, 4),)],
       torch=lambda a: _T().acos(a.tanh() * 0.9), derive=E),
    _c("atan", "Atan", lambda a: a.atan(), [((3, 4),)], torch=S, derive=E),
    _c("sinh_cosh", ("Sinh", "Cosh"), lambda a: a.sinh() * a.cosh(), [((3, 4),)], torch=S, derive=E),
    _c("asinh", "Asinh", lambda a: a.asinh(), [((3, 4),)], torch=S, derive=E),
    _c("acosh", "Acosh", lambda a: (a + 1.0).acosh(), [((3, 4),)], domain="positive", torch=S, derive=E),
    _c("atanh", "Atanh", lambda a: (a.tanh() * 0.9).atanh(), [((3, 4),)], torch=S, derive=E),
    _c("erf_erfc", ("Erf", "Erfc"), lambda a: a.erf() + a.erfc() * a, [((3, 4),)], torch=S, derive=E),
    _c("erfinv", "Erfinv", lambda a: (a.tanh() * 0.9).erfinv(), [((3, 4),)], torch=S, derive=E),
    _c("log2_log10", ("Log2", "Log10"), lambda a: a.log2() + a.log10() * a, [((3, 4),)], domain="positive",
       torch=S, derive=E),
    _c("log1p", "Log1p", lambda a: a.log1p(), [((3, 4),)], domain="positive", torch=S, derive=E),
    _c("exp2_expm1", ("Exp2", "Expm1"), lambda a: a.exp2() + a.expm1() * a, [((3, 4),)], torch=S, derive=E),
    _c("rsqrt", "Rsqrt", lambda a: a.rsqrt(), [((3, 4),)], domain="positive", torch=S, derive=E),
    _c("reciprocal", "Reciprocal", lambda a: a.reciprocal(), [((3, 4),)], domain="away0", torch=S, derive=E),
    _c("rounding", ("Floor", "Ceil", "Trunc", "Round", "Sign"),
       lambda a: (a.floor() + a.ceil() + a.trunc() + a.round(1) + a.sign()) * a, [((3, 4),)], domain="away0",
       torch=lambda a: (a.floor() + a.ceil() + a.trunc() + a.round(decimals=1) + a.sign()) * a, derive=E),
    _c("atan2", "Atan2", lambda a, b: engine.atan2(a, b), [((3, 4), (3, 4)), ((3, 4), (4,))], domain="away0",
       torch=lambda a, b: _T().atan2(a, b), derive=E),
    _c("copysign", "Copysign", lambda a, b: engine.copysign(a, b) * b, [((3, 4), (4,))], domain="away0",
       torch=lambda a, b: _T().copysign(a, b) * b, derive=E),
    _c("logaddexp", "LogAddExp", lambda a, b: engine.logaddexp(a, b), [((3, 4), (3, 4)), ((3, 4), (1,))],
       torch=lambda a, b: _T().logaddexp(a, b), derive=E),
    _c("fmod", "Fmod", lambda a, b: engine.fmod(a * 3, b), [((3, 4), (4,))], domain="positive",
       torch=lambda a, b: _T().fmod(a * 3, b), derive=E),
    _c("remainder_fn", "Remainder", lambda a, b: engine.remainder(a * 3, b), [((3, 4), (4,))], domain="positive",
       torch=lambda a, b: _T().remainder(a * 3, b), derive=E),
    _c("div_rounded", "RoundedDiv", lambda a, b: engine.div(a, b, rounding_mode="floor") * a, [((3, 4), (4,))],
       domain="away0", torch=lambda a, b: _T().div(a, b, rounding_mode="floor") * a, derive=E),
    _c("clamp_tensor", "Clamp", lambda x, lo, hi: engine.clamp(x, lo - 1.0, hi + 1.0), [((3, 4), (4,), (3, 1))],
       domain="away0", torch=lambda x, lo, hi: _T().clamp(x, lo - 1.0, hi + 1.0), derive=E),
    _c("gather", ("Gather", "ScatterAdd"), lambda a: engine.gather(a, 1, _IDX), [((3, 5),)],
       torch=lambda a: _T().gather(a, 1, _T().tensor(_IDX))),
    _c("scatter_add", ("ScatterAdd", "Gather"), lambda a, s: engine.scatter_add(a, 0, _IDX, s), [((4, 4), (3, 5))],
       torch=lambda a, s: _T().scatter_add(a, 0, _T().tensor(_IDX), s[:, :4])),  # torch: src no larger than index
    _c("scatter", ("Scatter", "Gather"), lambda a, s: engine.scatter(a, 1, _IDX_UNIQUE, s), [((3, 4), (3, 3))],
       torch=lambda a, s: _T().scatter(a, 1, _T().tensor(_IDX_UNIQUE), s[:, :2])),
    _c("cumsum", "Cumsum", lambda a: engine.cumsum(a, 1), [((3, 4),), ((2, 3, 4),)],
       torch=lambda a: _T().cumsum(a, 1)),
    _c("cumprod", "Cumprod", lambda a: engine.cumprod(a, 0), [((4, 3),)], torch=lambda a: _T().cumprod(a, 0)),
    _c("cumprod_zero", "Cumprod",
       lambda a: engine.cumprod(a * engine.tensor([1.0, 0.0, 1.0, 1.0], dtype="float64", device=a.device), 0),
       [((4,),)],
       torch=lambda a: _T().cumprod(a * _T().tensor([1.0, 0.0, 1.0, 1.0], dtype=_T().float64), 0)),
    _c("logcumsumexp", "LogCumSumExp", lambda a: engine.logcumsumexp(a, -1), [((3, 4),)],
       torch=lambda a: _T().logcumsumexp(a, -1)),
    _c("prod", "Prod", lambda a: engine.prod(a, 1), [((3, 4),)], torch=lambda a: _T().prod(a, 1)),
    _c("prod_zero", "Prod", lambda a: (a * engine.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], dtype="float64",
                                                           device=a.device)).prod(),
       [((2, 3),)],
       torch=lambda a: (a * _T().tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], dtype=_T().float64)).prod()),
    _c("sort_topk", ("Gather", "ScatterAdd"), lambda a: (engine.sort(a, 0, descending=True).values,
                                                         engine.topk(a, 2).values), [((4, 3),)],
       torch=lambda a: (_T().sort(a, 0, descending=True).values, _T().topk(a, 2).values)),
    _c("cummax", ("Gather", "ScatterAdd"), lambda a: engine.cummax(a, 1).values, [((3, 4),)],
       torch=lambda a: _T().cummax(a, 1).values),
    _c("einsum_matmul", "Einsum", lambda a, b: engine.einsum("ij,jk->ik", a, b), [((2, 3), (3, 4))],
       torch=lambda a, b: _T().einsum("ij,jk->ik", a, b)),
    _c("einsum_ellipsis", "Einsum", lambda a, b: engine.einsum("...ij,...j->...i", a, b),
       [((2, 3, 4), (4,)), ((3, 4), (2, 4))], torch=lambda a, b: _T().einsum("...ij,...j->...i", a, b)),
    _c("einsum_trace_outer", "Einsum", lambda a, b: engine.einsum("ii,j->j", a, b), [((3, 3), (2,))],
       torch=lambda a, b: _T().einsum("ii,j->j", a, b)),
    _c("max_pool2d_indices", ("MaxPool2dWithIndices", "MaxPool2dBackward", "MaxPool2dGather"),
       lambda a: engine.ops.pool_indices.max_pool2d(a, 2, stride=1, dilation=2, return_indices=True)[0],
       [((1, 2, 5, 6),)],
       torch=lambda a: _T().nn.functional.max_pool2d(a, 2, stride=1, dilation=2, return_indices=True)[0]),
    _c("max_unpool2d", ("Scatter", "Gather"),
       lambda a: engine.ops.pool_indices.max_unpool2d(*engine.ops.pool_indices.max_pool2d(a, 2, return_indices=True), 2),
       [((1, 2, 4, 6),)],
       torch=lambda a: _T().nn.functional.max_unpool2d(*_T().nn.functional.max_pool2d(a, 2, return_indices=True), 2)),
    _c("layout", ("GetItem", "IndexAdd", "Transpose", "BroadcastTo", "Reshape", "Where"),
       lambda a: (a.repeat(2, 1) + 1.0, a.flip(0), a.roll(1, 1), a.tril(), a.diagonal(1), a.unfold(1, 2, 1),
                  engine.diag(a[0])), [((3, 4),)],
       torch=lambda a: (a.repeat(2, 1) + 1.0, a.flip(0), a.roll(1, 1), a.tril(), a.diagonal(1), a.unfold(1, 2, 1),
                        _T().diag(a[0]))),
]
