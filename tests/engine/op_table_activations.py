"""Op-table cases for the activations, generated from the activation spec (``kernels/act_spec.py``), and for
the fused softmax cross-entropy.

Every spec row gives one case per parameter example: gradcheck and gradgradcheck (every activation is twice
differentiable: ``ActivationGrad``'s backward is built from differentiable ops), the twin test on the
simulated device, and, where the row names torch's function, values and gradients against torch.  Inputs
stay away from the kinks of the rows that are not smooth (``away0``; softplus also from its threshold).
The rows below the generated ones say what the spec cannot: bias-add fused (``bias_act``) and PReLU's
slope, per channel and single.
"""
import functools

import numpy as np

from engine.ops import activation as act
from engine.ops import softmax_ce
from kernels.act_spec import ACTIVATIONS

from .op_table import OpCase, torch_module

_A = ("FusedActivation", "ActivationGrad")
_LABELS = np.array([0, 3, -100, 1, 4])
_CORE = {"relu": ("Relu",), "sigmoid": ("Sigmoid",), "tanh": ("Tanh",), "abs": ("Abs",)}


def _torch_fn(path):
    return functools.reduce(getattr, path.split("."), torch_module())


def _row_case(row, params):
    fn = act.FUNCTIONS[row.name]
    kw = {p.name: v for p, v in zip(row.params, params)}  # by keyword, as torch's gelu requires
    shapes = [((2, 3, 4, 2), (3,)), ((3, 5), (1,))] if row.slope_weight else [((3, 4),), ((),), ((0, 3),)]
    if row.name == "hard_threshold":  # its gradient is 0: multiply by x so that gradcheck sees the mask
        call = lambda x: fn(x, **kw) * x  # noqa: E731
    else:
        call = lambda *xs: fn(*xs, **kw)  # noqa: E731
    ref = None
    if row.torch:
        ref = lambda *ts, _r=row: _torch_fn(_r.torch)(*ts, **kw)  # noqa: E731
    avoid = (params[1] / params[0],) if row.name == "softplus" and params else ()
    name = "act_" + row.name + "".join(f"_{p}" for p in params)
    return OpCase(name, _CORE.get(row.core, _A), call, shapes, domain="real" if row.smooth and not avoid else "away0",
                  extra={"avoid": avoid}, torch=ref)


ACTIVATION_CASES = [_row_case(row, params) for row in ACTIVATIONS for params in row.examples] + [
    OpCase("bias_act_nchw", _A, lambda x, b: act.bias_act(x, b, "silu"), [((2, 3, 2, 3), (3,))]),
    OpCase("bias_act_linear", _A, lambda x, b: act.bias_act(x, b, "tanh", axis=-1), [((4, 5), (5,))]),
    OpCase("bias_act_sigmoid", _A, lambda x, b: act.bias_act(x, b, "sigmoid"), [((2, 3, 4), (3,))]),
    OpCase("bias_act_softplus", _A, lambda x, b: act.bias_act(x, b, "softplus", alpha=2.0, beta=3.0),
           [((2, 3, 4), (3,))], domain="away0", extra={"avoid": (1.5,)}),
    OpCase("bias_prelu", _A, lambda x, b, w: act.bias_act(x, b, "prelu", weight=w), [((2, 3, 5), (3,), (3,))],
           domain="away0"),
    OpCase("softmax_cross_entropy", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS), [((5, 6),)]),
    OpCase("softmax_cross_entropy_none", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS, reduction="none") * 1.5, [((5, 6),)]),
    OpCase("softmax_cross_entropy_sum", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS, reduction="sum"), [((5, 6),)]),
]
