"""torch's ``conv_transpose3d`` as a composition of ``conv_transpose2d`` (so it is differentiable as often as
that is): the input's depth slices go through one transposed 2-d convolution per kernel depth tap, each
result is spread along the output depth (slice ``i`` lands at ``i * stride + tap * dilation``: zeros inserted
between slices by padding, then shifted by padding), the taps are summed, and the depth ``padding`` is
cropped from both ends (``output_padding`` adds zeros at the end), exactly as the adjoint of ``conv3d``.
"""
from __future__ import annotations

from ._util import ntuple, operand
from .conv_grouped import _check_groups, _operands, conv_transpose2d
from .shape import Reshape, Transpose, flat_pad, getitem, pad

__all__ = ["conv_transpose3d"]


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """torch's conv_transpose3d: (N, C_in, D, H, W) with weight (C_in, C_out / groups, kd, kh, kw)."""
    name = "conv_transpose3d"
    x, w = _operands(name, input, weight, 5)
    (sd, sh, sw), (pd, ph, pw), (od, oh, ow), (dd, dh, dw) = (
        ntuple(v, 3, what, name) for v, what in ((stride, "stride"), (padding, "padding"),
                                                 (output_padding, "output_padding"), (dilation, "dilation")))
    groups = _check_groups(name, x, w, groups, 0)
    if od >= max(sd, dd):
        raise ValueError(f"{name}: output_padding {(od, oh, ow)} must be smaller than stride {(sd, sh, sw)} or "
                         f"dilation {(dd, dh, dw)}")
    n, _, depth, h, wd = x.shape
    kd = w.shape[2]
    spread = (depth - 1) * sd + 1  # the input slices, stride apart
    full = spread + dd * (kd - 1)  # every depth a tap reaches
    if full - 2 * pd + od <= 0:
        raise ValueError(f"{name}: input {tuple(x.shape)} with weight {tuple(w.shape)} and padding {pd} gives an "
                         f"empty output depth ({full - 2 * pd + od})")
    planes = Reshape.apply(Transpose.apply(x, (0, 2, 1, 3, 4)), (n * depth, x.shape[1], h, wd))
    total = None
    for tap in range(kd):
        y = conv_transpose2d(planes, getitem(w, (slice(None), slice(None), tap)), None, (sh, sw), (ph, pw),
                             (oh, ow), groups, (dh, dw))
        c, ho, wo = y.shape[1:]
        y = Reshape.apply(y, (n, depth, 1, c, ho, wo))
        if sd > 1:  # stride - 1 zero slices after each slice, the last ones dropped
            y = pad(y, flat_pad([(0, 0), (0, 0), (0, sd - 1), (0, 0), (0, 0), (0, 0)]))
        y = getitem(Reshape.apply(y, (n, depth * sd, c, ho, wo)), (slice(None), slice(0, spread)))
        y = pad(y, flat_pad([(0, 0), (tap * dd, full - spread - tap * dd), (0, 0), (0, 0), (0, 0)]))
        total = y if total is None else total + y
    total = pad(total, flat_pad([(0, 0), (-pd, od - pd), (0, 0), (0, 0), (0, 0)]))  # crop padding, add output pad
    out = Transpose.apply(total, (0, 2, 1, 3, 4))
    if bias is not None:
        out = out + Reshape.apply(operand(bias), (1, -1, 1, 1, 1))
    return out
