"""The door every pooling op goes through: its arguments normalised and checked once, into ``Pool2dParams``.

``pool2d_params(op, x, kernel_size, stride, padding, dilation, ceil_mode, count_include_pad)`` checks an
(N, C, H, W) floating-point input and the window (PyTorch's rules: kernel, stride and dilation >= 1,
padding >= 0 and at most half the kernel size, an output of at least one element) and returns a frozen
``Pool2dParams`` holding the normalised pairs and the output size, computed once.  The kernels
(``kernels.max_pool2d_forward`` & co.) read its fields and check nothing again.  ``pool_window`` is the
same check for any number of spatial axes (engine/ops/pool_nd.py's 3-d pools use it); ``adaptive_size``
checks an adaptive pool's output size.  Output sizes follow PyTorch, ``ceil_mode`` included (the last
window must start inside the input or the left padding).
"""
from __future__ import annotations

from dataclasses import dataclass

from ._util import ntuple


def pool_output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length along one axis."""
    num = size + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return num // s + 1
    out = -(-num // s) + 1
    return out - 1 if (out - 1) * s >= size + p else out


@dataclass(frozen=True)
class Pool2dParams:
    """A checked 2-d pooling window over an input plane of ``in_size`` (H, W), giving ``out_size``."""

    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    ceil_mode: bool
    count_include_pad: bool
    in_size: tuple
    out_size: tuple

    @property
    def window(self) -> tuple:
        """(kh, kw, sh, sw, ph, pw, dh, dw): the flat geometry the kernels take."""
        return self.kernel + self.stride + self.padding + self.dilation


def is_floating(dtype) -> bool:
    """NumPy floats and bfloat16 (``ml_dtypes.bfloat16`` has NumPy kind 'V'; autocast casts it for the kernels)."""
    return dtype.kind == "f" or str(dtype).endswith("bfloat16")


def check_input(op: str, x, ndim: int, layout: str) -> None:
    """``x`` (a Tensor or an array) must be a floating-point array of ``ndim`` dimensions."""
    if x.ndim != ndim:
        raise ValueError(f"{op}: expected a {ndim}-d input {layout}, got shape {tuple(x.shape)}")
    if not is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")


def pool_window(op: str, spatial: tuple, kernel_size, stride, padding, dilation, ceil_mode: bool):
    """Checked ``(kernel, stride, padding, dilation, out_size)`` tuples for the spatial sizes ``spatial``;
    ``stride`` None (or torch's ``[]``) means ``kernel_size``."""
    n = len(spatial)
    k = ntuple(kernel_size, n, "kernel_size", op)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else ntuple(stride, n, "stride", op)
    p = ntuple(padding, n, "padding", op)
    d = ntuple(dilation, n, "dilation", op)
    if min(k + s + d) < 1 or min(p) < 0:
        raise ValueError(f"{op}: kernel_size {k}, stride {s}, dilation {d} must be >= 1, padding {p} >= 0")
    if any(2 * pi > ki for pi, ki in zip(p, k)):
        raise ValueError(f"{op}: padding {p} should be at most half of kernel size {k}")
    out = tuple(pool_output_size(*a, ceil_mode) for a in zip(spatial, k, s, p, d))
    if min(out) < 1:
        raise ValueError(f"{op}: input of spatial size {tuple(spatial)} is too small for kernel {k} "
                         f"(output would be {'x'.join(map(str, out))})")
    return k, s, p, d, out


def pool2d_params(op: str, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                  count_include_pad=True) -> Pool2dParams:
    """``Pool2dParams`` for pooling the (N, C, H, W) input ``x`` (a Tensor or an array), checked."""
    check_input(op, x, 4, "(N, C, H, W)")
    spatial = tuple(int(v) for v in x.shape[2:])
    k, s, p, d, out = pool_window(op, spatial, kernel_size, stride, padding, dilation, bool(ceil_mode))
    return Pool2dParams(k, s, p, d, bool(ceil_mode), bool(count_include_pad), spatial, out)


def adaptive_size(op: str, output_size) -> tuple:
    """An adaptive pool's (OH, OW), each >= 1."""
    out = ntuple(output_size, 2, "output_size", op)
    if min(out) < 1:
        raise ValueError(f"{op}: output_size must be >= 1, got {output_size!r}")
    return out


def window_counts(xp, dtype, in_size, kernel, stride, padding, out_size, include_pad):
    """Per output position, the element count of each pooling window, as torch divides by: its real input
    elements, or with ``include_pad`` also its padding (a ceil_mode window cut at the padded border counts
    only what is left).  One 1-d array per axis; the window's count is their outer product."""
    def count(n, k, s, p, o):
        start = o * s - p
        end = min(start + k, n + p)
        return end - start if include_pad else min(end, n) - max(start, 0)
    return [xp.asarray([count(n, k, s, p, o) for o in range(m)], dtype=dtype)
            for n, k, s, p, m in zip(in_size, kernel, stride, padding, out_size)]
