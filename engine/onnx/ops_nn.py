"""ONNX mappings of the network ops: convolution, pooling, the fused activations (``engine.ops.activation``)
and the fused layers of ``engine/ops/layers.py`` (linear, batch norm, layer norm, embedding).

Attributes come from what each node recorded: the convolution's ``(stride, padding, dilation)``
arguments, its group count from the input and weight shapes, a transposed convolution's
``output_padding`` argument, the pooling ``Pool2dParams``, the activation's name and parameters.
"""
from __future__ import annotations

import numpy as np

from ._graph import converts


def _pads(padding):
    return [int(p) for p in padding] * 2  # ONNX: all begins, then all ends


def _conv_geometry(c):
    """stride, padding, dilation and the transposed output padding of the op's ``Conv2dParams`` (argument 3),
    which must agree between the two traces (its shapes follow the input's, dynamic axes included)."""
    def geometry(p):
        out_pad = tuple(x - ((y - 1) * s - 2 * q + d * (k - 1) + 1) for x, y, k, s, q, d in
                        zip(p.x_shape[2:], p.out_hw, p.w_shape[2:], p.stride, p.padding, p.dilation))
        return p.stride, p.padding, p.dilation, out_pad

    a, b = geometry(c.args_a[3]), geometry(c.args_b[3])
    if a != b:
        c.fail(f"stride, padding, dilation and output padding {a} in one trace and {b} in the other")
    return a


@converts("Conv2d", "DepthwiseConv2d")
def conv2d(g, c):
    stride, padding, dilation, _ = _conv_geometry(c)
    w_shape = c.in_shape(1)
    groups = c.in_shape(0)[1] // w_shape[1]
    inputs = [c.x(0), c.x(1)] + ([] if c.is_none(2) else [c.x(2)])
    g.node("Conv", inputs, c.out(), kernel_shape=list(w_shape[2:]), strides=list(stride), pads=_pads(padding),
           dilations=list(dilation), group=groups)


@converts("ConvTranspose2d")
def conv_transpose2d(g, c):
    stride, padding, dilation, output_padding = _conv_geometry(c)
    w_shape = c.in_shape(1)
    groups = c.out_shape()[1] // w_shape[1]
    inputs = [c.x(0), c.x(1)] + ([] if c.is_none(2) else [c.x(2)])
    g.node("ConvTranspose", inputs, c.out(), kernel_shape=list(w_shape[2:]), strides=list(stride),
           pads=_pads(padding), output_padding=list(output_padding), dilations=list(dilation), group=groups)


@converts("MaxPool2d")
def max_pool2d(g, c):
    p = c.attr(1)  # engine.ops.pool_params.Pool2dParams
    g.node("MaxPool", [c.x(0)], c.out(), kernel_shape=list(p.kernel), strides=list(p.stride), pads=_pads(p.padding),
           dilations=list(p.dilation), ceil_mode=int(p.ceil_mode))


@converts("AvgPool2d")
def avg_pool2d(g, c):
    p = c.attr(1)  # engine.ops.pool_params.Pool2dParams
    g.node("AveragePool", [c.x(0)], c.out(), kernel_shape=list(p.kernel), strides=list(p.stride),
           pads=_pads(p.padding), ceil_mode=int(p.ceil_mode), count_include_pad=int(p.count_include_pad))


@converts("AdaptiveAvgPool2d")
def adaptive_avg_pool2d(g, c):
    out_hw = tuple(int(s) for s in c.attr(1))
    if out_hw == (1, 1):
        g.node("GlobalAveragePool", [c.x(0)], c.out())
        return
    in_hw, dyn = c.in_shape(0)[2:], c.in_dyn(0)[2:]
    if any(dyn) or any(i % o for i, o in zip(in_hw, out_hw)):
        c.fail(f"adaptive pooling of {tuple(in_hw)} to {out_hw} has uneven windows (or a dynamic size); ONNX "
               "has only fixed windows (AveragePool) and global pooling")
    kernel = [i // o for i, o in zip(in_hw, out_hw)]
    g.node("AveragePool", [c.x(0)], c.out(), kernel_shape=kernel, strides=kernel)


# ---- fused activations ------------------------------------------------------------------------------
_DIRECT = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "abs_rectifier": "Abs", "softsign": "Softsign"}


def _along(g, c, j, axis, ndim):
    """Parameter ``j`` (shape (C,) or (1,)) reshaped to broadcast along ``axis`` of an ``ndim``-d input."""
    v = c.x(j, c.out_dtype())
    n = int(np.prod(c.in_shape(j)))
    if n == 1:
        return v
    shape = [n] + [1] * (ndim - 1 - axis % ndim)
    return g.node("Reshape", [v, g.int64s(shape)])


@converts("FusedActivation")
def fused_activation(g, c):
    """``act(x + bias)`` with the activation's own parameters (``alpha``, ``beta``: the spec row's first and
    second, resolved to floats at the op's door); ``name`` is the row's own name (aliases resolved)."""
    name, alpha, beta, axis = c.attr(3), c.attr(4), c.attr(5), c.attr(6)
    dt, ndim = c.out_dtype(), len(c.in_shape(0))
    x = c.x(0)
    if not c.is_none(1):
        x = g.node("Add", [x, _along(g, c, 1, axis, ndim)])
    out = c.out()
    if name == "identity":
        g.node("Identity", [x], out)
    elif name in _DIRECT:
        g.node(_DIRECT[name], [x], out)
    elif name == "leaky_relu":
        g.node("LeakyRelu", [x], out, alpha=float(alpha))
    elif name == "elu":
        g.node("Elu", [x], out, alpha=float(alpha))
    elif name == "prelu":
        g.node("PRelu", [x, _along(g, c, 2, axis, ndim)], out)
    elif name == "silu":
        g.node("Mul", [x, g.node("Sigmoid", [x])], out)
    elif name == "mish":
        g.node("Mul", [x, g.node("Tanh", [g.node("Softplus", [x])])], out)
    elif name == "log_sigmoid":
        g.node("Neg", [g.node("Softplus", [g.node("Neg", [x])])], out)
    elif name == "softplus":  # log(1 + exp(beta x)) / beta, linear where beta x > threshold (PyTorch)
        z = x if alpha == 1 else g.node("Mul", [x, g.const(alpha, dt)])
        sp = g.node("Softplus", [z])
        if alpha != 1:
            sp = g.node("Div", [sp, g.const(alpha, dt)])
        g.node("Where", [g.node("Greater", [z, g.const(beta, dt)]), x, sp], out)
    elif name == "sinc":  # sin(x) / x, 1 at 0
        ratio = g.node("Div", [g.node("Sin", [x]), x])
        g.node("Where", [g.node("Equal", [x, g.const(0, dt)]), g.const(1, dt), ratio], out)
    elif name == "hard_threshold":
        g.node("Cast", [g.node("GreaterOrEqual", [x, g.const(alpha, dt)])], out, to=g.elem_type(dt))
    elif name == "gelu":  # x * Phi(x) through Erf, or torch's tanh form
        half_x = g.node("Mul", [x, g.const(0.5, dt)])
        if alpha == 0:
            inner = g.node("Erf", [g.node("Mul", [x, g.const(0.5 ** 0.5, dt)])])
        else:
            cube = g.node("Mul", [g.node("Mul", [x, x]), x])
            u = g.node("Add", [x, g.node("Mul", [cube, g.const(0.044715, dt)])])
            inner = g.node("Tanh", [g.node("Mul", [u, g.const((2.0 / np.pi) ** 0.5, dt)])])
        g.node("Mul", [half_x, g.node("Add", [inner, g.const(1.0, dt)])], out)
    else:
        c.fail(f"activation {name!r} has no ONNX mapping")


# ---- fused layers (engine/ops/layers.py) -----------------------------------------------------------------------
@converts("LinearFn")
def linear(g, c):
    x, w = c.x(0), c.x(1)
    if len(c.in_shape(0)) == 2:
        inputs = [x, w] + ([] if c.is_none(2) else [c.x(2)])
        g.node("Gemm", inputs, c.out(), transB=1)
        return
    y = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
    g.node("Identity" if c.is_none(2) else "Add", [y] if c.is_none(2) else [y, c.x(2)], c.out())


@converts("BatchNormFn")
def batch_norm(g, c):
    if c.is_none(3) or c.is_none(4):
        c.fail("normalises with batch statistics (training mode, or track_running_stats=False); export runs "
               "the model in eval mode, where only a BatchNorm with running statistics has an ONNX form")
    dt, channels = c.out_dtype(), c.in_shape(0)[1]
    scale = g.const(np.ones(channels), dt) if c.is_none(1) else c.x(1, dt)
    shift = g.const(np.zeros(channels), dt) if c.is_none(2) else c.x(2, dt)
    g.node("BatchNormalization", [c.x(0), scale, shift, c.x(3, dt), c.x(4, dt)], c.out(), epsilon=float(c.attr(5)))


@converts("LayerNormFn")
def layer_norm(g, c):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last ``k`` axes, as the Kiln op computes it."""
    k, eps, dt = int(c.attr(3)), float(c.attr(4)), c.out_dtype()
    ndim = len(c.in_shape(0))
    axes = list(range(ndim - k, ndim))
    x = c.x(0)
    xc = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [xc, xc]), axes, True)
    y = g.node("Div", [xc, g.node("Sqrt", [g.node("Add", [var, g.const(eps, dt)])])])
    c.output_after_optional(y, (("Mul", 1), ("Add", 2)))


@converts("EmbeddingFn")
def embedding(g, c):
    g.node("Gather", [c.x(0), c.x(1)], c.out(), axis=0)
