"""3-d pooling and adaptive max pooling, as compositions: ``max_pool3d``, ``avg_pool3d``,
``adaptive_max_pool2d`` (with ``return_indices``).

Max pooling finds each window's argmax on the raw array (the first maximum in window order, as
torch) and then gathers the values from the flattened input, so the gradient goes to that one
element, exactly as torch's; average pooling sums windows taken with integer indexing and divides by
the window size (``count_include_pad``) or by the count of real elements, ``ceil_mode`` and
``divisor_override`` as torch.  No custom kernel: these are for completeness, not speed (the 2-d pools
have kernels).
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand
from .index import Gather
from .pool_params import check_input, pool_window, window_counts
from .reduce import Sum
from .shape import GetItem, Reshape, flat_pad, pad as _pad


def _params(name, x, kernel_size, stride, padding, dilation, ceil_mode):
    check_input(name, x, 5, "(N, C, D, H, W)")
    return pool_window(name, tuple(int(v) for v in x.shape[2:]), kernel_size, stride, padding, dilation, ceil_mode)


def _window_index(o, k, s, d):
    return np.arange(o)[:, None] * s + np.arange(k)[None, :] * d  # (out, k) positions in the padded input


def _pad_widths(shape, k, s, p, d, out):
    """Pad widths of an (N, C, *spatial) input: ``p`` each side, and at the end what ceil_mode's last
    windows reach beyond that."""
    extra = [max((o - 1) * st + dl * (kk - 1) + 1 - (n + 2 * pp), 0)
             for n, kk, st, pp, dl, o in zip(shape[2:], k, s, p, d, out)]
    return [(0, 0), (0, 0)] + [(pp, pp + e) for pp, e in zip(p, extra)]


def _windows(a, k, s, p, d, out, fill):
    """Raw windows (N, C, od, kd, oh, kh, ow, kw) of ``a`` padded with ``fill``."""
    xp = get_array_module(a)
    a = xp.pad(a, _pad_widths(a.shape, k, s, p, d, out), constant_values=fill)
    for axis, (o, kk, st, dl) in enumerate(zip(out, k, s, d)):
        idx = xp.asarray(_window_index(o, kk, st, dl))
        a = a[(slice(None),) * (2 + 2 * axis) + (idx,)]
    return a


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """torch's max_pool3d; ``return_indices`` gives flat positions in each input volume (int64)."""
    x = operand(input)
    k, s, p, d, out = _params("max_pool3d", x, kernel_size, stride, padding, dilation, ceil_mode)
    xp = get_array_module(x.array)
    n, c, D, H, W = x.shape
    pos = xp.arange(D * H * W, dtype=np.int64).reshape(1, 1, D, H, W)
    vals = _windows(x.array, k, s, p, d, out, -np.inf)
    where = _windows(pos, k, s, p, d, out, -1)
    vals = vals.transpose(0, 1, 2, 4, 6, 3, 5, 7).reshape(n, c, *out, -1)
    where = xp.broadcast_to(where.transpose(0, 1, 2, 4, 6, 3, 5, 7).reshape(1, 1, *out, -1), vals.shape)
    best = xp.argmax(vals, axis=-1)[..., None]
    idx = xp.take_along_axis(where, best, axis=-1)[..., 0]
    flat = Reshape.apply(x, (n, c, D * H * W))
    y = Reshape.apply(Gather.apply(flat, 2, idx.reshape(n, c, -1)), (n, c) + out)
    return (y, Tensor._wrap(idx)) if return_indices else y


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """torch's avg_pool3d: each window's sum over its real elements, divided by ``divisor_override``, or by
    the window's size (``count_include_pad``; a ceil_mode window cut at the padded border counts what is
    left), or by its count of real elements."""
    x = operand(input)
    if divisor_override is not None and int(divisor_override) == 0:
        raise ValueError("avg_pool3d: divisor_override must be non-zero")
    k, s, p, d, out = _params("avg_pool3d", x, kernel_size, stride, padding, 1, ceil_mode)
    xp = get_array_module(x.array)
    widths = _pad_widths(x.shape, k, s, p, d, out)
    win = _pad(x, flat_pad(widths)) if any(sum(w) for w in widths) else x
    for axis, (o, kk, st) in enumerate(zip(out, k, s)):
        idx = xp.asarray(_window_index(o, kk, st, 1))
        win = GetItem.apply(win, (slice(None),) * (2 + 2 * axis) + (idx,))
    total = Sum.apply(win, (3, 5, 7), False)
    if divisor_override is not None:
        return total * (1.0 / float(divisor_override))
    cd, ch, cw = window_counts(xp, x.dtype, tuple(x.shape[2:]), k, s, p, out, count_include_pad)
    return total / Tensor._wrap(cd[:, None, None] * ch[None, :, None] * cw[None, None, :])


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max over torch's adaptive windows ``[floor(i in / out), ceil((i + 1) in / out))``."""
    x = operand(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_max_pool2d: expected a 3-d or 4-d input, got shape {tuple(x.shape)}")
    squeeze = x.ndim == 3
    if squeeze:
        x = Reshape.apply(x, (1,) + tuple(x.shape))
    osz = (output_size,) * 2 if isinstance(output_size, (int, np.integer)) else tuple(output_size)
    n, c, h, w = x.shape
    oh = h if osz[0] is None else int(osz[0])
    ow = w if osz[1] is None else int(osz[1])
    if oh <= 0 or ow <= 0:
        raise ValueError(f"adaptive_max_pool2d: output size {(oh, ow)} must be positive")
    a = x.array
    xp = get_array_module(a)
    idx = xp.empty((n, c, oh, ow), dtype=np.int64)
    for i in range(oh):
        h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        for j in range(ow):
            w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            win = a[:, :, h0:h1, w0:w1].reshape(n, c, -1)
            best = xp.argmax(win, axis=-1)
            idx[:, :, i, j] = (h0 + best // (w1 - w0)) * w + w0 + best % (w1 - w0)
    y = Reshape.apply(Gather.apply(Reshape.apply(x, (n, c, h * w)), 2, idx.reshape(n, c, -1)), (n, c, oh, ow))
    ind = Tensor._wrap(idx)
    if squeeze:
        y, ind = Reshape.apply(y, (c, oh, ow)), Tensor._wrap(idx.reshape(c, oh, ow))
    return (y, ind) if return_indices else y
