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

import engine
from engine.ops import activation as act
from engine.ops import softmax_ce
from kernels.act_spec import ACTIVATIONS

from .op_table import SAME, OpCase, torch_module

_torch = torch_module

_A = ("FusedActivation", "ActivationGrad")
_LABELS = np.array([0, 3, -100, 1, 4])
_CORE = {"relu": ("Relu",), "sigmoid": ("Sigmoid",), "tanh": ("Tanh",), "abs": ("Abs",)}


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


# NumPy/float64 references of the rows torch has no function for (keyword arguments as the row's parameters)
_NUMPY_REFS = {
    "identity": lambda: lambda x: x,
    "sinc": lambda: lambda x: np.sinc(x / np.pi),  # sin(x) / x, 1 at 0
    "hard_threshold": lambda threshold=0.0: lambda x: (x >= threshold) * x,  # the row multiplies by x
}


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
    np_ref = None if row.torch else _NUMPY_REFS[row.name](**kw)
    if row.torch:
        ref = lambda *ts, _r=row: _torch_fn(_r.torch)(*ts, **kw)  # noqa: E731
    avoid = (params[1] / params[0],) if row.name == "softplus" and params else ()
    name = "act_" + row.name + "".join(f"_{p}" for p in params)
    return OpCase(name, _CORE.get(row.core, _A), call, shapes, domain="real" if row.smooth and not avoid else "away0",
                  extra={"avoid": avoid}, torch=ref, ref=np_ref)


ACTIVATION_CASES = [_row_case(row, params) for row in ACTIVATIONS for params in row.examples] + [
    OpCase("bias_act_nchw", _A, lambda x, b: act.bias_act(x, b, "silu"), [((2, 3, 2, 3), (3,))],
           ref=lambda x, b: (x + b[:, None, None]) * _sig(x + b[:, None, None])),
    OpCase("bias_act_linear", _A, lambda x, b: act.bias_act(x, b, "tanh", axis=-1), [((4, 5), (5,))],
           ref=lambda x, b: np.tanh(x + b)),
    OpCase("bias_act_sigmoid", _A, lambda x, b: act.bias_act(x, b, "sigmoid"), [((2, 3, 4), (3,))],
           ref=lambda x, b: _sig(x + b[:, None])),
    OpCase("bias_act_softplus", _A, lambda x, b: act.bias_act(x, b, "softplus", alpha=2.0, beta=3.0),
           [((2, 3, 4), (3,))], domain="away0", extra={"avoid": (1.5,)},
           ref=lambda x, b: np.where(2 * (x + b[:, None]) > 3, x + b[:, None],
                                     np.logaddexp(0, 2 * (x + b[:, None])) / 2)),
    OpCase("bias_prelu", _A, lambda x, b, w: act.bias_act(x, b, "prelu", weight=w), [((2, 3, 5), (3,), (3,))],
           domain="away0", ref=lambda x, b, w: _prelu(x + b[:, None], w)),
    OpCase("softmax_cross_entropy", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS), [((5, 6),)], ref=_xent),
    OpCase("softmax_cross_entropy_none", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS, reduction="none") * 1.5, [((5, 6),)],
           ref=lambda x: _xent(x, "none") * 1.5),
    OpCase("softmax_cross_entropy_sum", ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad"),
           lambda x: softmax_ce.softmax_cross_entropy(x, _LABELS, reduction="sum"), [((5, 6),)],
           inputs=lambda rng, shapes: [rng.standard_normal(shapes[0]) * 10], ref=lambda x: _xent(x, "sum")),
    # softmax / log_softmax run the kernel twins (engine/ops/softmax.py): the (A, K, B) column layout (a middle or
    # first axis), empty and 0-d inputs; the *_grad rows differentiate the first derivative, so gradgradcheck
    # reaches the third derivative through SoftmaxGrad's own backward
    OpCase("softmax_middle_axis", ("Softmax", "SoftmaxGrad"), lambda x: x.softmax(1),
           [((2, 3, 4),), ((0, 3),)], torch=SAME),
    OpCase("log_softmax_first_axis", ("LogSoftmax", "SoftmaxGrad"), lambda x: x.log_softmax(0),
           [((3, 2, 2),), ((4,),), ((),)], torch=SAME),
    OpCase("softmax_grad", ("Softmax", "SoftmaxGrad"),
           lambda x, g: engine.autograd.grad(engine.softmax(x, -1), x, g, create_graph=True)[0], [((3, 4), (3, 4))],
           torch=lambda x, g: _torch().autograd.grad(_torch().softmax(x, -1), x, g, create_graph=True)[0]),
    OpCase("log_softmax_grad", ("LogSoftmax", "SoftmaxGrad"),
           lambda x, g: engine.autograd.grad(engine.log_softmax(x, 0), x, g, create_graph=True)[0],
           [((3, 2), (3, 2))],
           torch=lambda x, g: _torch().autograd.grad(_torch().log_softmax(x, 0), x, g, create_graph=True)[0]),
]
