"""Op-table cases for the fused activations and the fused softmax cross-entropy.

Each row has a NumPy/float64 reference formula (``ref``).  Both ops are once differentiable by design (their backward runs on raw arrays; a second
differentiation raises a clear error, tested in tests/engine/test_ops_conv_pool_act.py), so
``second_order=False`` throughout.  Inputs are kept away from kinks and jumps (``away0``, ``avoid``).
"""
import numpy as np

import engine
from engine.ops import activation as act
from engine.ops import softmax_ce

from .op_table import OpCase

_A = ("FusedActivation",)
_LABELS = np.array([0, 3, -100, 1, 4])


def _case(name, fn, shapes=((3, 4),), domain="real", ref=None, **extra):
    """A fused-activation row; one-input rows also run on 0-d and empty inputs (derived samples)."""
    derive = ("0d", "empty") if len(shapes) == 1 else ()
    return OpCase(name, _A, fn, [tuple(shapes)], domain=domain, second_order=False, extra=extra, ref=ref,
                  derive=derive)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _prelu(x, w, axis=1):  # NumPy references below: float64 formulas of each activation
    return np.where(x > 0, x, np.reshape(w, (-1,) + (1,) * (x.ndim - axis - 1)) * x)


def _xent(x, reduction="mean"):
    ls = x - x.max(1, keepdims=True)
    ls = ls - np.log(np.exp(ls).sum(1, keepdims=True))
    kept = _LABELS != -100
    per = np.where(kept, -ls[np.arange(len(x)), np.where(kept, _LABELS, 0)], 0.0)
    return {"none": per, "sum": per.sum(), "mean": per.sum() / kept.sum()}[reduction]


ACTIVATION_CASES = [
    _case("leaky_relu", lambda x: act.leaky_relu(x, 0.1), domain="away0", ref=lambda x: np.where(x > 0, x, 0.1 * x)),
    _case("prelu_channels", lambda x, w: act.prelu(x, w), ((2, 3, 4, 2), (3,)), domain="away0", ref=_prelu),
    _case("prelu_single", lambda x, w: act.prelu(x, w), ((3, 5), (1,)), domain="away0", ref=_prelu),
    _case("elu", lambda x: act.elu(x, 0.7), domain="away0", ref=lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    _case("silu", lambda x: act.silu(x), ref=lambda x: x * _sig(x)),
    _case("mish", lambda x: act.mish(x), ref=lambda x: x * np.tanh(np.logaddexp(0, x))),
    _case("softplus", lambda x: act.softplus(x, 2.0, 3.0), domain="away0", avoid=(1.5,),
          ref=lambda x: np.where(2 * x > 3, x, np.logaddexp(0, 2 * x) / 2)),
    _case("softsign", lambda x: act.softsign(x), domain="away0", ref=lambda x: x / (1 + np.abs(x))),
    _case("log_sigmoid", lambda x: act.log_sigmoid(x), ref=lambda x: -np.logaddexp(0, -x)),
    _case("sinc", lambda x: act.sinc(x), ref=lambda x: np.sinc(x / np.pi)),  # sin(x) / x, 1 at 0
    _case("hard_threshold", lambda x: act.hard_threshold(x, 0.0) * x, domain="away0", ref=lambda x: (x >= 0) * x),
    _case("abs_rectifier", lambda x: act.abs_rectifier(x), domain="away0", ref=np.abs),
    _case("bias_act_nchw", lambda x, b: act.bias_act(x, b, "silu"), ((2, 3, 2, 3), (3,)),
          ref=lambda x, b: (x + b[:, None, None]) * _sig(x + b[:, None, None])),
    _case("bias_act_linear", lambda x, b: act.bias_act(x, b, "tanh", axis=-1), ((4, 5), (5,)),
          ref=lambda x, b: np.tanh(x + b)),
    _case("bias_act_sigmoid", lambda x, b: act.bias_act(x, b, "sigmoid"), ((2, 3, 4), (3,)),
          ref=lambda x, b: _sig(x + b[:, None])),
    _case("bias_prelu", lambda x, b, w: act.bias_act(x, b, "prelu", weight=w), ((2, 3, 5), (3,), (3,)),
          domain="away0", ref=lambda x, b, w: _prelu(x + b[:, None], w)),
    OpCase("softmax_cross_entropy", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS), [((5, 6),)], ref=_xent),
    OpCase("softmax_cross_entropy_none", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS, reduction="none") * 1.5, [((5, 6),)],
           ref=lambda x: _xent(x, "none") * 1.5),
    OpCase("softmax_cross_entropy_sum", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS, reduction="sum"), [((5, 6),)],
           inputs=lambda rng, shapes: [rng.standard_normal(shapes[0]) * 10], ref=lambda x: _xent(x, "sum")),
]

_ = engine  # the cases call the ops through their modules; engine re-exports them
