"""``TorchOpMethods``: the Tensor methods that are torch ops — ``x.tan()``, ``x.sum(1)``, ``x.cumsum(1)``,
``x.gather(1, idx)``, ``x + y``, ``x << 1`` ... — as a mixin that ``Tensor`` inherits, so that engine/tensor.py
keeps the core (storage, graph, dtype, device, views) and stays readable.

Most of these methods ARE their op: the tables below name them, and ``install`` (run at the end of
engine/ops/__init__.py, since the ops import Tensor and cannot be imported here) attaches each op function to
the class as it is, so ``x.tan()`` calls ``ops.math.tan(x)`` with no wrapper in between and shows the op's
signature and docstring.  The few methods that adapt their arguments (``add``'s ``alpha``, ``flip(*dims)``,
``where``) are written out below."""
from __future__ import annotations

import importlib

ops = None  # engine.ops, set by install()

# Methods that ARE their op: ``x.tan()`` is ``ops.math.tan(x)``.  Each op's parameters after the first are
# torch's method parameters (same names, defaults and order), so the op function itself is attached to the
# class: a plain function, bound like any method, with no extra call in between.  {engine.ops module: names}
OP_METHODS = {
    "elementwise": ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "neg", "maximum",
                    "minimum", "remainder", "floor_divide"),
    "shape": ("contiguous", "t", "flatten", "unflatten", "transpose", "broadcast_to", "chunk", "narrow", "permute",
              "expand", "view", "squeeze", "unsqueeze", "split"),
    "reduce": ("sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp", "any",
               "all"),
    "linalg": ("matmul", "mm", "bmm", "addmm"),
    "softmax": ("softmax", "log_softmax"),
    "arith": ("div", "fmod", "atan2", "copysign", "logaddexp", "lerp", "clamp"),
    "math": ("round", "trunc", "floor", "ceil", "sign", "rsqrt", "reciprocal", "tan", "sinc", "asin", "acos", "atan",
             "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erfinv", "log2", "log10", "log1p", "exp2",
             "expm1"),
    "logic": ("isclose", "allclose", "equal", "logical_not", "logical_and", "logical_or", "logical_xor",
              "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
              "bitwise_right_shift", "isinf", "isnan", "isfinite", "eq", "ne", "lt", "le", "gt", "ge"),
    "scan": ("prod", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"),
    "sort": ("sort", "argsort", "msort", "topk", "kthvalue"),
    "layout": ("repeat", "tile", "repeat_interleave", "fliplr", "flipud", "roll", "tril", "triu", "diagonal", "diag",
               "diag_embed", "unfold", "movedim"),
    "index": ("gather", "scatter", "scatter_add", "index_select", "masked_fill", "masked_select", "nonzero",
              "argwhere", "take_along_dim"),
    "basics": ("clone", "ravel", "unbind", "square", "addcmul", "addcdiv", "count_nonzero", "nansum", "nanmean", "diff",
               "rot90", "take"),
    "basics_more": ("frac", "deg2rad", "rad2deg", "clamp_min", "clamp_max", "positive", "hypot", "xlogy", "logit",
                    "heaviside", "nan_to_num", "float_power", "ldexp", "signbit", "lgamma", "digamma"),
    "stats": ("median", "nanmedian", "mode", "quantile", "nanquantile", "unique", "unique_consecutive", "bincount",
              "histc", "histogram"),
    "sampling": ("bernoulli", "bernoulli_", "multinomial", "exponential_", "random_"),
    "products": ("dot", "vdot", "inner", "outer", "mv", "addmv", "addr", "baddbmm", "addbmm", "kron", "trace",
                 "norm", "dist", "renorm", "cross", "diagflat", "cov", "corrcoef", "det", "logdet", "slogdet",
                 "inverse", "pinverse", "svd", "matrix_power"),
}

# torch's other names for the methods above: {alias: method}
ALIASES = {
    "divide": "div", "true_divide": "div", "negative": "neg", "fix": "trunc", "sgn": "sign",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "clip": "clamp",
    "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne",
    "moveaxis": "movedim", "swapaxes": "transpose", "swapdims": "transpose", "expand_dims": "unsqueeze",
    "ger": "outer",
}

# Python's operators: {name: (engine.ops module, op)} gives ``__name__`` (the op itself) and, for a binary op,
# the reflected ``__rname__`` (``o - x`` with a Tensor on the right is ``ops.elementwise.sub(o, x)``).
UNARY_OPERATORS = {"neg": ("elementwise", "neg"), "abs": ("elementwise", "abs"), "invert": ("logic", "bitwise_not")}
BINARY_OPERATORS = {
    "add": ("elementwise", "add"), "sub": ("elementwise", "sub"), "mul": ("elementwise", "mul"),
    "truediv": ("elementwise", "div"), "floordiv": ("elementwise", "floor_divide"),
    "mod": ("elementwise", "remainder"), "pow": ("elementwise", "power"), "matmul": ("linalg", "matmul"),
    "lshift": ("logic", "bitwise_left_shift"), "rshift": ("logic", "bitwise_right_shift"),
    "and": ("logic", "bitwise_and"), "or": ("logic", "bitwise_or"), "xor": ("logic", "bitwise_xor"),
}


def _reflected(op, name):
    """``__rname__``: the binary ``op`` with the Tensor as its right operand."""

    def method(self, o):
        return op(o, self)

    method.__name__ = method.__qualname__ = name
    return method


def install():
    """Attach the tables above to ``TorchOpMethods``, importing the op modules they name (called at the end of
    engine/ops/__init__.py: the ops import Tensor, so this module cannot import them at its top)."""
    global ops
    ops = importlib.import_module("engine.ops")
    for module in {**OP_METHODS, **dict(UNARY_OPERATORS.values()), **dict(BINARY_OPERATORS.values())}:
        importlib.import_module(f"engine.ops.{module}")
    cls = TorchOpMethods
    for module, names in OP_METHODS.items():
        for name in names:
            setattr(cls, name, getattr(getattr(ops, module), name))
    for alias, name in ALIASES.items():
        setattr(cls, alias, getattr(cls, name))
    for name, (module, op) in UNARY_OPERATORS.items():
        setattr(cls, f"__{name}__", getattr(getattr(ops, module), op))
    for name, (module, op) in BINARY_OPERATORS.items():
        fn = getattr(getattr(ops, module), op)
        setattr(cls, f"__{name}__", fn)
        setattr(cls, f"__r{name}__", _reflected(fn, f"__r{name}__"))


class TorchOpMethods:
    """Mixin of ``Tensor``: the methods that take more than passing their arguments on; ``install`` adds the
    tables above (see the module docstring)."""

    __slots__ = ()

    def add(self, other, alpha=1):
        return ops.elementwise.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return ops.elementwise.sub(self, other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other):
        return ops.elementwise.mul(self, other)

    multiply = mul

    def flip(self, *dims):
        return ops.layout.flip(self, dims[0] if len(dims) == 1 else dims)

    def where(self, condition, other):
        return ops.index.where(condition, self, other)
