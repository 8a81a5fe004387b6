"""Convolutions beyond the plain 2-d kernels: ``groups=``, ``padding="same"|"valid"``, ``conv1d`` /
``conv_transpose1d`` and ``conv3d``, as compositions of :func:`engine.ops.conv.conv2d` /
``conv_transpose2d``.  ``conv3d`` folds the output depth into the batch and sums one conv2d per
kernel depth tap.

A grouped convolution splits the input channels and the weight's output channels into ``groups``
slices, convolves each pair and concatenates the results (torch's definition); a depthwise one
(``groups == C``) runs on its own direct kernels instead (``engine/ops/conv_depthwise.py``); ``conv1d`` is
``conv2d`` on a unit-height image.  Being compositions of differentiable ops, they are as many times
differentiable as conv2d is.  ``padding="same"`` pads ``dilation * (k - 1)`` in total per dim,
the odd one on the right/bottom (as torch), and needs stride 1.
"""
from __future__ import annotations

import numpy as np

from ._util import ntuple, operand
from .conv import check_conv_args, conv2d as _conv2d, conv_transpose2d as _conv_transpose2d
from .conv_depthwise import DepthwiseConv2d
from .conv_params import conv2d_params
from .shape import Concatenate, Reshape, Transpose, flat_pad, getitem, pad as _pad


_LAYOUT = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def _operands(name, input, weight, ndim):  # noqa: A002
    """``(x, w)`` as Tensors, both ``ndim``-d, else a ValueError naming ``name`` and the shapes."""
    x, w = operand(input), operand(weight)
    if x.ndim != ndim or w.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d input {_LAYOUT[ndim]} and a {ndim}-d weight, got "
                         f"{tuple(x.shape)} and {tuple(w.shape)}")
    return x, w


def _split_channels(t, axis, groups):
    size = t.shape[axis] // groups
    return [getitem(t, (slice(None),) * axis + (slice(g * size, (g + 1) * size),)) for g in range(groups)]


def _per_group(conv, x, w, bias, groups):
    """torch's grouped convolution: ``conv`` on each (input channels, weight, bias) slice, concatenated."""
    xs, ws = _split_channels(x, 1, groups), _split_channels(w, 0, groups)
    bs = _split_channels(operand(bias), 0, groups) if bias is not None else [None] * groups
    return Concatenate.apply(*(conv(a, b, c) for a, b, c in zip(xs, ws, bs)), axis=1)


def _check_groups(name, x, w, groups, in_axis):
    groups = int(groups)
    if groups < 1:
        raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
    cin = x.shape[1]
    if cin % groups:
        raise ValueError(f"{name}: input channels {cin} are not divisible by groups {groups}")
    if in_axis == 1 and w.shape[0] % groups:
        raise ValueError(f"{name}: weight {tuple(w.shape)} has {w.shape[0]} output channels, not divisible by "
                         f"groups {groups}")
    expected = cin // groups if in_axis == 1 else cin
    if w.shape[0 if in_axis == 0 else 1] != expected:
        raise ValueError(f"{name}: input has {cin} channels, so with groups={groups} the weight {tuple(w.shape)} "
                         f"needs {expected} at dim {0 if in_axis == 0 else 1}")
    return groups


def _same_padding(name, x, w, stride, dilation, nd):
    if any(s != 1 for s in stride):
        raise ValueError(f"{name}: padding='same' is not supported for strided convolutions (stride {stride})")
    total = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
    left = [t // 2 for t in total]
    if all(t % 2 == 0 for t in total):
        return x, tuple(left)
    width = [(0, 0), (0, 0)] + [(0, t - 2 * l) for t, l in zip(total, left)]
    return _pad(x, flat_pad(width)), tuple(left)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """torch's conv2d: cross-correlation of (N, C, H, W) with (C_out, C / groups, kh, kw)."""
    x, w = _operands("conv2d", input, weight, 4)
    stride, dilation = ntuple(stride, 2, "stride", "conv2d"), ntuple(dilation, 2, "dilation", "conv2d")
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            x, padding = _same_padding("conv2d", x, w, stride, dilation, 2)
        else:
            raise ValueError(f"conv2d: padding must be 'valid', 'same', an int or a pair, got {padding!r}")
    groups = _check_groups("conv2d", x, w, groups, 1)
    if groups == 1:
        return _conv2d(x, w, bias, stride, padding, dilation)
    if groups == x.shape[1]:
        return _depthwise_conv2d(x, w, bias, stride, padding, dilation, groups)
    return _per_group(lambda a, b, c: _conv2d(a, b, c, stride, padding, dilation), x, w, bias, groups)


def _depthwise_conv2d(x, w, bias, stride, padding, dilation, groups):
    """groups == C: the direct depthwise kernels (``engine/ops/conv_depthwise.py``)."""
    b = operand(bias) if bias is not None else None
    check_conv_args("conv2d", x, w, b, w.shape[0])
    return DepthwiseConv2d.apply(x, w, b, conv2d_params("conv2d", x.shape, w.shape, stride, padding, dilation, groups))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """torch's conv_transpose2d: weight (C_in, C_out / groups, kh, kw)."""
    x, w = _operands("conv_transpose2d", input, weight, 4)
    groups = _check_groups("conv_transpose2d", x, w, groups, 0)
    if groups == 1:
        return _conv_transpose2d(x, w, bias, stride, padding, output_padding, dilation)
    return _per_group(lambda a, b, c: _conv_transpose2d(a, b, c, stride, padding, output_padding, dilation),
                      x, w, bias, groups)


def _unit_height(t):
    return Reshape.apply(t, tuple(t.shape[:2]) + (1,) + tuple(t.shape[2:]))


def _drop_height(t):
    return Reshape.apply(t, tuple(t.shape[:2]) + tuple(t.shape[3:]))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """torch's conv1d: (N, C, L) with weight (C_out, C / groups, k), as conv2d on a unit height."""
    x, w = _operands("conv1d", input, weight, 3)
    s, d = ntuple(stride, 1, "stride", "conv1d")[0], ntuple(dilation, 1, "dilation", "conv1d")[0]
    p = padding if isinstance(padding, str) else (0, ntuple(padding, 1, "padding", "conv1d")[0])
    if isinstance(p, str) and p == "same" and s != 1:
        raise ValueError(f"conv1d: padding='same' is not supported for strided convolutions (stride {s})")
    y = conv2d(_unit_height(x), _unit_height(w), bias, (1, s), p, (1, d), groups)
    return _drop_height(y)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """torch's conv_transpose1d: (N, C_in, L) with weight (C_in, C_out / groups, k)."""
    x, w = _operands("conv_transpose1d", input, weight, 3)
    one = lambda v, what: (int(np.ravel([v])[0]),)  # noqa: E731
    y = conv_transpose2d(_unit_height(x), _unit_height(w), bias, (1,) + one(stride, "stride"),
                         (0,) + one(padding, "padding"), (0,) + one(output_padding, "output_padding"), groups,
                         (1,) + one(dilation, "dilation"))
    return _drop_height(y)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """torch's conv3d: (N, C, D, H, W) with weight (C_out, C / groups, kd, kh, kw)."""
    x, w = _operands("conv3d", input, weight, 5)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"conv3d: padding must be 'valid', 'same', an int or a triple, got {padding!r}")
        if padding == "valid":
            padding = 0
        else:
            x, padding = _same_padding("conv3d", x, w, ntuple(stride, 3, "stride", "conv3d"),
                                       ntuple(dilation, 3, "dilation", "conv3d"), 3)
    (sd, sh, sw), (pd, ph, pw), (dd, dh, dw) = (ntuple(v, 3, n, "conv3d") for v, n in
                                                ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    groups = _check_groups("conv3d", x, w, groups, 1)
    if pd:
        x = _pad(x, flat_pad([(0, 0), (0, 0), (pd, pd), (0, 0), (0, 0)]))
    n, c, depth, h, wd = x.shape
    kd = w.shape[2]
    od = (depth - dd * (kd - 1) - 1) // sd + 1
    if od <= 0:
        raise ValueError(f"conv3d: input {tuple(input.shape)} is smaller than the kernel {tuple(w.shape)} in depth")
    total = None
    for t in range(kd):
        start = t * dd
        sl = getitem(x, (slice(None), slice(None), slice(start, start + sd * (od - 1) + 1, sd)))  # N, C, od, H, W
        planes = Reshape.apply(Transpose.apply(sl, (0, 2, 1, 3, 4)), (n * od, c, h, wd))
        wt = getitem(w, (slice(None), slice(None), t))
        y = conv2d(planes, wt, None, (sh, sw), (ph, pw), (dh, dw), groups)
        total = y if total is None else total + y
    o, oh, ow = total.shape[1:]
    out = Transpose.apply(Reshape.apply(total, (n, od, o, oh, ow)), (0, 2, 1, 3, 4))
    if bias is not None:
        out = out + Reshape.apply(operand(bias), (1, -1, 1, 1, 1))
    return out


def convolve2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """True 2-d convolution: the kernel flipped in both spatial dims, then :func:`conv2d`.

    ``conv2d`` (like torch's and every deep-learning library's) is a cross-correlation,
    ``y[i, j] = sum x[i + a, j + b] w[a, b]``; the convolution of signal processing is
    ``y[i, j] = sum x[i + a, j + b] w[kh - 1 - a, kw - 1 - b]``, i.e. the same with a flipped kernel
    (``scipy.signal.convolve2d(x, w, "valid")`` for one channel).  Gradients flow to the unflipped weight.
    """
    w = operand(weight)
    if w.ndim != 4:
        raise ValueError(f"convolve2d: expected a 4-d weight (C_out, C_in / groups, kh, kw), got {tuple(w.shape)}")
    flipped = getitem(w, (slice(None), slice(None), slice(None, None, -1), slice(None, None, -1)))
    return conv2d(input, flipped, bias, stride, padding, dilation, groups)
