"""``TorchOpMethods``: the Tensor methods of the torch ops that live in engine/ops/{math, arith, logic, scan,
sort, index, layout} — ``x.tan()``, ``x.cumsum(1)``, ``x.gather(1, idx)``, ``x % 3``, ``x << 1`` ... — as a mixin
that ``Tensor`` inherits, so that engine/tensor.py keeps the core (storage, graph, dtype, device, the
arithmetic and shape methods) and stays readable.  Each method is one call into its op; ``ops`` is bound by
engine/tensor.py once engine.ops has imported (the ops import Tensor, so it cannot be imported here)."""
from __future__ import annotations

ops = None  # engine.ops, set by engine/tensor.py after the class exists


class TorchOpMethods:
    """Mixin of ``Tensor`` (see the module docstring)."""

    __slots__ = ()

    def __lshift__(self, o):
        return ops.logic.bitwise_left_shift(self, o)

    def __rlshift__(self, o):
        return ops.logic.bitwise_left_shift(o, self)

    def __rshift__(self, o):
        return ops.logic.bitwise_right_shift(self, o)

    def __rrshift__(self, o):
        return ops.logic.bitwise_right_shift(o, self)

    def __and__(self, o):
        return ops.logic.bitwise_and(self, o)

    def __rand__(self, o):
        return ops.logic.bitwise_and(o, self)

    def __or__(self, o):
        return ops.logic.bitwise_or(self, o)

    def __ror__(self, o):
        return ops.logic.bitwise_or(o, self)

    def __xor__(self, o):
        return ops.logic.bitwise_xor(self, o)

    def __rxor__(self, o):
        return ops.logic.bitwise_xor(o, self)

    def __invert__(self):
        return ops.logic.bitwise_not(self)

    def add(self, other, alpha=1):
        return ops.elementwise.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return ops.elementwise.sub(self, other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other):
        return ops.elementwise.mul(self, other)

    multiply = mul

    def div(self, other, rounding_mode=None):
        return ops.arith.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def fmod(self, other):
        return ops.arith.fmod(self, other)

    def square(self):
        return ops.elementwise.mul(self, self)

    def neg(self):
        return ops.elementwise.neg(self)

    negative = neg

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.logic.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.logic.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return ops.logic.equal(self, other)

    def round(self, decimals=0):
        return ops.math.round(self, decimals)

    def trunc(self):
        return ops.math.trunc(self)

    fix = trunc

    def floor(self):
        return ops.math.floor(self)

    def ceil(self):
        return ops.math.ceil(self)

    def sign(self):
        return ops.math.sign(self)

    sgn = sign

    def rsqrt(self):
        return ops.math.rsqrt(self)

    def reciprocal(self):
        return ops.math.reciprocal(self)

    def tan(self):
        return ops.math.tan(self)

    def sinc(self):
        return ops.math.sinc(self)

    def asin(self):
        return ops.math.asin(self)

    def acos(self):
        return ops.math.acos(self)

    def atan(self):
        return ops.math.atan(self)

    arcsin, arccos, arctan = asin, acos, atan

    def atan2(self, other):
        return ops.arith.atan2(self, other)

    arctan2 = atan2

    def sinh(self):
        return ops.math.sinh(self)

    def cosh(self):
        return ops.math.cosh(self)

    def asinh(self):
        return ops.math.asinh(self)

    def acosh(self):
        return ops.math.acosh(self)

    def atanh(self):
        return ops.math.atanh(self)

    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def erf(self):
        return ops.math.erf(self)

    def erfc(self):
        return ops.math.erfc(self)

    def erfinv(self):
        return ops.math.erfinv(self)

    def log2(self):
        return ops.math.log2(self)

    def log10(self):
        return ops.math.log10(self)

    def log1p(self):
        return ops.math.log1p(self)

    def exp2(self):
        return ops.math.exp2(self)

    def expm1(self):
        return ops.math.expm1(self)

    def copysign(self, other):
        return ops.arith.copysign(self, other)

    def logaddexp(self, other):
        return ops.arith.logaddexp(self, other)

    def lerp(self, end, weight):
        return ops.arith.lerp(self, end, weight)

    def clamp(self, min=None, max=None):  # noqa: A002  (torch's argument names)
        return ops.arith.clamp(self, min, max)

    clip = clamp

    def logical_not(self):
        return ops.logic.logical_not(self)

    def logical_and(self, other):
        return ops.logic.logical_and(self, other)

    def logical_or(self, other):
        return ops.logic.logical_or(self, other)

    def logical_xor(self, other):
        return ops.logic.logical_xor(self, other)

    def bitwise_not(self):
        return ops.logic.bitwise_not(self)

    def bitwise_and(self, other):
        return ops.logic.bitwise_and(self, other)

    def bitwise_or(self, other):
        return ops.logic.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return ops.logic.bitwise_xor(self, other)

    def bitwise_left_shift(self, other):
        return ops.logic.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return ops.logic.bitwise_right_shift(self, other)

    def isinf(self):
        return ops.logic.isinf(self)

    def isnan(self):
        return ops.logic.isnan(self)

    def isfinite(self):
        return ops.logic.isfinite(self)

    def eq(self, other):
        return ops.logic.eq(self, other)

    def ne(self, other):
        return ops.logic.ne(self, other)

    def lt(self, other):
        return ops.logic.lt(self, other)

    def le(self, other):
        return ops.logic.le(self, other)

    def gt(self, other):
        return ops.logic.gt(self, other)

    def ge(self, other):
        return ops.logic.ge(self, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def prod(self, dim=None, keepdim=False, dtype=None):
        return ops.scan.prod(self, dim, keepdim, dtype)

    def cumsum(self, dim, dtype=None):
        return ops.scan.cumsum(self, dim, dtype)

    def cumprod(self, dim, dtype=None):
        return ops.scan.cumprod(self, dim, dtype)

    def cummax(self, dim):
        return ops.scan.cummax(self, dim)

    def cummin(self, dim):
        return ops.scan.cummin(self, dim)

    def logcumsumexp(self, dim):
        return ops.scan.logcumsumexp(self, dim)

    def sort(self, dim=-1, descending=False, stable=False):
        return ops.sort.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return ops.sort.argsort(self, dim, descending, stable)

    def msort(self):
        return ops.sort.msort(self)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        return ops.sort.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return ops.sort.kthvalue(self, k, dim, keepdim)

    def repeat(self, *sizes):
        return ops.layout.repeat(self, *sizes)

    def tile(self, dims):
        return ops.layout.tile(self, dims)

    def repeat_interleave(self, repeats, dim=None, output_size=None):
        return ops.layout.repeat_interleave(self, repeats, dim, output_size)

    def flip(self, *dims):
        return ops.layout.flip(self, dims[0] if len(dims) == 1 else dims)

    def fliplr(self):
        return ops.layout.fliplr(self)

    def flipud(self):
        return ops.layout.flipud(self)

    def roll(self, shifts, dims=None):
        return ops.layout.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return ops.layout.tril(self, diagonal)

    def triu(self, diagonal=0):
        return ops.layout.triu(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return ops.layout.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return ops.layout.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return ops.layout.diag_embed(self, offset, dim1, dim2)

    def unfold(self, dimension, size, step):
        return ops.layout.unfold(self, dimension, size, step)

    def movedim(self, source, destination):
        return ops.layout.movedim(self, source, destination)

    moveaxis = movedim

    def gather(self, dim, index):
        return ops.index.gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None):
        return ops.index.scatter(self, dim, index, src, value)

    def scatter_add(self, dim, index, src):
        return ops.index.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return ops.index.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return ops.index.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return ops.index.masked_select(self, mask)

    def nonzero(self, as_tuple=False):
        return ops.index.nonzero(self, as_tuple)

    def argwhere(self):
        return ops.index.argwhere(self)

    def take_along_dim(self, indices, dim=None):
        return ops.index.take_along_dim(self, indices, dim)

    def where(self, condition, other):
        return ops.index.where(condition, self, other)
