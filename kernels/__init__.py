"""Kiln's custom kernels: plain arrays in, arrays out (no autograd, no Tensor).

Each public function here picks the CPU twin (``kernels/cpu``, NumPy + Numba ``@njit``) or the CUDA twin
(``kernels/cuda``, Numba ``@cuda.jit`` on CuPy arrays) from the type of its array arguments.  This file
is, with ``engine/backend.py``, the only place that asks "NumPy or CuPy?"; it asks by the array type's
module name, so ``import kernels`` never imports Numba, ``numba.cuda`` or CuPy (the twins are imported
on first use).

Families: convolution (``conv2d_forward`` / ``conv2d_backward``, ``im2col`` / ``col2im``), pooling,
activations (fused, with optional bias), softmax / log-softmax / softmax cross-entropy, and the tiled
CUDA matmul.  ``set_memory_budget`` caps the im2col column buffer.
"""
import importlib

from kernels._chunks import get_memory_budget, set_memory_budget  # noqa: F401


def _on_gpu(a) -> bool:
    """True for CuPy arrays (checked by type module, so CuPy is never imported here)."""
    return type(a).__module__.split(".", 1)[0] == "cupy"


def array_module(a):
    """``numpy`` or ``cupy``, whichever owns ``a``."""
    if _on_gpu(a):
        import cupy

        return cupy
    import numpy

    return numpy


def _impl(a, family: str):
    """The twin module ``kernels.cpu.<family>`` or ``kernels.cuda.<family>`` for array ``a``."""
    return importlib.import_module(f"kernels.{'cuda' if _on_gpu(a) else 'cpu'}.{family}")


# ---- convolution -------------------------------------------------------------------------------
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation (PyTorch's conv2d): x (N, C, H, W), w (C_out, C, kh, kw), b (C_out,)."""
    from kernels.conv2d import conv2d_forward as f

    return f(x, w, b, stride, padding, dilation)


def conv2d_backward(gy, x, w, stride=1, padding=0, dilation=1, need_input=True, need_weight=True, need_bias=True):
    """(gx, gw, gb) of conv2d; gradients not asked for come back as None and cost nothing."""
    from kernels.conv2d import conv2d_backward as f

    return f(gy, x, w, stride, padding, dilation, need_input, need_weight, need_bias)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """Patches of x (N, C, H, W) as (N*OH*OW, kh*kw*C), taps in (i, j, c) order (see kernels/cpu/conv.py)."""
    from kernels.conv2d import im2col as f

    return f(x, kernel_size, stride, padding, dilation)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1):
    """Adjoint of im2col, as a deterministic gather; returns (N, C, H, W)."""
    from kernels.conv2d import col2im as f

    return f(cols, x_shape, kernel_size, stride, padding, dilation)


def conv_output_size(h, w, kernel_size, stride=1, padding=0, dilation=1):
    """(OH, OW) of a convolution, as PyTorch computes it."""
    from kernels.conv2d import conv_output_size as f, conv_params

    return f(h, w, *conv_params(kernel_size, stride, padding, dilation))


def __getattr__(name):
    """Lazy re-exports: ``knapsack_dp`` from ``kernels.knapsack`` (owned by the combinatorics code)."""
    if name == "knapsack_dp":
        try:
            mod = importlib.import_module("kernels.knapsack")
        except ImportError as e:  # pragma: no cover - depends on the other package being present
            raise AttributeError(f"kernels.knapsack_dp is not available: {e}") from None
        return getattr(mod, name)
    raise AttributeError(f"module 'kernels' has no attribute {name!r}")
