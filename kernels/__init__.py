"""Kiln's custom kernels: plain arrays in, arrays out (no autograd, no Tensor).

Each public function here picks the CPU twin (``kernels/cpu``, NumPy + Numba ``@njit``) or the CUDA twin
(``kernels/cuda``, Numba ``@cuda.jit`` on CuPy arrays) from the type of its array arguments.  This file
is, with ``engine/backend.py``, the only place that asks "NumPy or CuPy?"; it asks by the array type's
module name, so ``import kernels`` never imports Numba, ``numba.cuda`` or CuPy (the twins are imported
on first use).

Families: convolution (``conv2d_forward`` / ``conv2d_backward``, ``im2col`` / ``col2im``, the depthwise
``depthwise_conv2d_*`` direct kernels), pooling,
activations (fused, with optional bias), batch norm (``batch_norm_forward`` / ``batch_norm_backward``),
softmax / log-softmax / softmax cross-entropy (with the error flags through which kernels report bad data,
such as a label out of range, without a blocking read from the GPU), the fused optimiser updates, and the
tiled CUDA matmul.  ``set_memory_budget`` caps the im2col column buffer.
"""
import importlib
import sys

from kernels._chunks import get_memory_budget, set_memory_budget  # noqa: F401


def _on_gpu(a) -> bool:
    """True for CuPy arrays (checked by type module, so CuPy is never imported here) and for arrays whose
    type declares ``__kiln_device_array__`` (the simulated CUDA device's stand-in, whose defining module
    plays CuPy's part)."""
    t = type(a)
    return t.__module__.split(".", 1)[0] == "cupy" or getattr(t, "__kiln_device_array__", False)


def array_module(a):
    """``numpy`` or ``cupy``, whichever owns ``a`` (for the simulated device: its stand-in module)."""
    t = type(a)
    if t.__module__.split(".", 1)[0] == "cupy":
        import cupy

        return cupy
    if getattr(t, "__kiln_device_array__", False):
        return importlib.import_module(t.__module__)
    import numpy

    return numpy


def kernel_argument(a):
    """What a Numba-CUDA kernel is handed for argument ``a``.

    CuPy arrays go as they are (Numba reads ``__cuda_array_interface__``).  The simulated device's arrays
    are NumPy underneath: they go as plain NumPy views of the same memory, which is what Numba's simulator
    runs on.  A host NumPy array next to device arrays would be copied to the GPU and back by Numba on
    every launch, a hidden transfer: ``has_host_array`` lets the launch helper refuse it.
    """
    if getattr(type(a), "__kiln_device_array__", False):
        import numpy

        return a.view(numpy.ndarray)
    return a


def is_host_array(a) -> bool:
    """True for a plain ``numpy.ndarray`` (not a device array, not the simulated stand-in)."""
    import numpy

    return type(a) is numpy.ndarray


def _impl(a, family: str):
    """The twin module ``kernels.cpu.<family>`` or ``kernels.cuda.<family>`` for array ``a``."""
    return importlib.import_module(f"kernels.{'cuda' if _on_gpu(a) else 'cpu'}.{family}")


# ---- convolution -------------------------------------------------------------------------------
# ``params`` is a ``Conv2dParams`` (engine/ops/conv_params.py), checked at the op's door, never here.
def conv2d_forward(x, w, b, params):
    """2-D cross-correlation (PyTorch's conv2d): x (N, C, H, W), w (C_out, C, kh, kw), b (C_out,) or None."""
    from kernels.conv2d import forward as f

    return f(x, w, b, params)[0]


def conv2d_forward_keeping_columns(x, w, b, params):
    """``(y, columns)``: conv2d, plus the im2col columns for ``conv2d_backward`` where the twin keeps them
    (the CUDA twin, when the whole batch's columns fit the memory budget; else ``columns`` is None)."""
    from kernels.conv2d import forward as f

    return f(x, w, b, params, True)


def conv2d_backward(gy, x, w, params, need_input=True, need_weight=True, need_bias=True, columns=None):
    """(gx, gw, gb) of conv2d; gradients not asked for come back as None and cost nothing.  ``x`` may be
    None when no weight gradient is asked for, ``w`` when no input gradient is."""
    from kernels.conv2d import backward as f

    return f(gy, x, w, params, need_input, need_weight, need_bias, columns)


def im2col(x, params):
    """torch's unfold: patches of x (N, C, H, W) as (N, C*kh*kw, OH*OW), taps in (c, i, j) order."""
    from kernels.conv2d import im2col as f

    return f(x, params)


def col2im(cols, params):
    """torch's fold, the adjoint of im2col (a deterministic gather); returns (N, C, H, W)."""
    from kernels.conv2d import col2im as f

    return f(cols, params)


def depthwise_conv2d_forward(x, w, b, params):
    """conv2d with groups == C (``params.groups``): x (N, C, H, W), w (C*m, 1, kh, kw), b (C*m,) or None."""
    from kernels.conv2d import depthwise_forward as f

    return f(x, w, b, params)


def depthwise_conv2d_input_grad(gy, w, params):
    """d<gy, depthwise_conv2d(x, w)>/dx (the depthwise transposed convolution of gy)."""
    from kernels.conv2d import depthwise_input_grad as f

    return f(gy, w, params)


def depthwise_conv2d_weight_grad(gy, x, params):
    """d<gy, depthwise_conv2d(x, w)>/dw."""
    from kernels.conv2d import depthwise_weight_grad as f

    return f(gy, x, params)


# ---- pooling -------------------------------------------------------------------------------------
# ``p`` is a Pool2dParams (engine/ops/pool_params.py), checked at the op's door: nothing is checked here.
# Buffers are allocated here; float16 is computed in float32 and cast back.  Max pooling's indexes are the
# int32 flat position ``h * W + w`` of each output's input within its (n, c) plane.
def _pool_operand(a):
    xp = array_module(a)
    a = xp.ascontiguousarray(a)
    return (a.astype(xp.float32) if a.dtype == xp.float16 else a), xp


def _pool_result(a, dtype):
    return a if a.dtype == dtype else a.astype(dtype)


def max_pool2d_forward(x, p):
    """(values, int32 argmax indexes) of 2-D max pooling."""
    x32, xp = _pool_operand(x)
    out = tuple(x.shape[:2]) + p.out_size
    y, idx = xp.empty(out, dtype=x32.dtype), xp.empty(out, dtype=xp.int32)
    _impl(x, "pool").max_pool2d_fwd(x32, y, idx, p.window)
    return _pool_result(y, x.dtype), idx


def max_pool2d_backward(gy, idx, p):
    """Input gradient of max pooling from the forward's argmax indexes (a deterministic gather)."""
    g32, xp = _pool_operand(gy)
    gx = xp.empty(tuple(gy.shape[:2]) + p.in_size, dtype=g32.dtype)
    _impl(gy, "pool").max_pool2d_bwd(g32, xp.ascontiguousarray(idx), gx, p.window)
    return _pool_result(gx, gy.dtype)


def avg_pool2d_forward(x, p):
    """2-D average pooling (``p.count_include_pad`` as torch's)."""
    x32, xp = _pool_operand(x)
    y = xp.empty(tuple(x.shape[:2]) + p.out_size, dtype=x32.dtype)
    _impl(x, "pool").avg_pool2d_fwd(x32, y, p.window, p.count_include_pad)
    return _pool_result(y, x.dtype)


def avg_pool2d_backward(gy, p):
    g32, xp = _pool_operand(gy)
    gx = xp.empty(tuple(gy.shape[:2]) + p.in_size, dtype=g32.dtype)
    _impl(gy, "pool").avg_pool2d_bwd(g32, gx, p.window, p.count_include_pad)
    return _pool_result(gx, gy.dtype)


def adaptive_avg_pool2d_forward(x, out_size):
    """PyTorch's adaptive average pooling of x (N, C, H, W) to ``out_size`` (OH, OW); (1, 1) takes the
    global-average kernel."""
    if tuple(out_size) == (1, 1):
        return global_avg_pool_forward(x).reshape(tuple(x.shape[:2]) + (1, 1))
    x32, xp = _pool_operand(x)
    y = xp.empty(tuple(x.shape[:2]) + tuple(out_size), dtype=x32.dtype)
    _impl(x, "pool").adaptive_avg_pool2d_fwd(x32, y)
    return _pool_result(y, x.dtype)


def adaptive_avg_pool2d_backward(gy, x_shape):
    if tuple(gy.shape[2:]) == (1, 1):
        return global_avg_pool_backward(gy.reshape(gy.shape[:2]), x_shape)
    g32, xp = _pool_operand(gy)
    gx = xp.empty(tuple(x_shape), dtype=g32.dtype)
    _impl(gy, "pool").adaptive_avg_pool2d_bwd(g32, gx)
    return _pool_result(gx, gy.dtype)


def global_avg_pool_forward(x):
    """Mean over H and W: (N, C, H, W) -> (N, C)."""
    x32, xp = _pool_operand(x)
    y = xp.empty(tuple(x.shape[:2]), dtype=x32.dtype)
    _impl(x, "pool").global_avg_pool_fwd(x32, y)
    return _pool_result(y, x.dtype)


def global_avg_pool_backward(gy, x_shape):
    g32, xp = _pool_operand(gy)
    gx = xp.empty(tuple(x_shape), dtype=g32.dtype)
    _impl(gy, "pool").global_avg_pool_bwd(g32, gx)
    return _pool_result(gx, gy.dtype)


# ---- activations ---------------------------------------------------------------------------------
def activation_forward(x, name, alpha=None, beta=None, bias=None, weight=None, axis=1):
    """Fused ``act(x + bias)``; names, aliases and parameters (``alpha``, ``beta``: a row's first and second)
    in the activation spec, kernels/act_spec.py."""
    from kernels.activation import activation_forward as f

    return f(x, name, alpha, beta, bias, weight, axis)


def activation_backward(gy, x, name, y=None, alpha=None, beta=None, bias=None, weight=None, axis=1,
                        need_bias=False, need_weight=False):
    """(gx, gbias, gweight) of the fused activation in one pass; pass ``y`` (the output) when you have it."""
    from kernels.activation import activation_backward as f

    return f(gy, x, name, y, alpha, beta, bias, weight, axis, need_bias, need_weight)


# ---- softmax and cross-entropy -------------------------------------------------------------------
# The engine's softmax / log_softmax / softmax_cross_entropy ops (engine/ops/softmax.py, softmax_ce.py) call
# these, with arguments already checked there: ``axis`` an int in range (0 for a 0-d array), floating
# input, int64 labels of shape (N,) for logits (N, C).  The twins see the input as (A, K, B) with the
# softmax axis in the middle; float16 / bfloat16 are computed in float32 and returned in their own dtype.
LABEL_OUT_OF_RANGE = 1  # error-flag codes (code, the label, the class count), see error_flags: cross_entropy's
NLL_LABEL_OUT_OF_RANGE = 2  # and nll_loss's


def _softmax_layout(x, xp):
    """``x`` as a contiguous float32/float64 array (a copy only when it is not one already)."""
    if x.dtype == xp.float32 or x.dtype == xp.float64:
        return xp.ascontiguousarray(x)
    return xp.ascontiguousarray(x, dtype=xp.float32)


def _axis_shape(shape, axis):
    """(A, K, B): ``shape`` around ``axis`` (a 0-d array is (1, 1, 1))."""
    if not shape:
        return (1, 1, 1)
    axis %= len(shape)
    a = b = 1
    for s in shape[:axis]:
        a *= s
    for s in shape[axis + 1:]:
        b *= s
    return (a, shape[axis], b)


def _softmax(x, axis, log):
    xp = array_module(x)
    xc = _softmax_layout(x, xp).reshape(_axis_shape(x.shape, axis))
    y = xp.empty_like(xc)
    if x.size:
        _impl(x, "softmax").softmax_fwd(xc, y, log)
    y = y.reshape(x.shape)
    return y if y.dtype == x.dtype else y.astype(x.dtype)


def _softmax_grad(gy, y, axis, log):
    xp = array_module(y)
    shape3 = _axis_shape(y.shape, axis)
    yc = _softmax_layout(y, xp).reshape(shape3)
    gx = xp.empty_like(yc)
    if y.size:
        _impl(y, "softmax").softmax_bwd(_softmax_layout(gy, xp).reshape(shape3), yc, gx, log)
    gx = gx.reshape(y.shape)
    return gx if gx.dtype == y.dtype else gx.astype(y.dtype)


def softmax(x, axis=-1):
    """Stable softmax along ``axis`` (computed around the maximum)."""
    return _softmax(x, axis, False)


def log_softmax(x, axis=-1):
    """Stable log-softmax along ``axis``."""
    return _softmax(x, axis, True)


def softmax_backward(gy, y, axis=-1):
    """Input gradient of softmax from its output ``y``: ``y * (gy - sum(gy * y))``."""
    return _softmax_grad(gy, y, axis, False)


def log_softmax_backward(gy, y, axis=-1):
    """Input gradient of log-softmax from its output ``y``: ``gy - exp(y) * sum(gy)``."""
    return _softmax_grad(gy, y, axis, True)


def error_flags(ref):
    """A (3,) int64 buffer into which a kernel writes ``(code, a, b)`` when it meets bad data (``code`` 0:
    none).  For a NumPy ``ref``: fresh host memory, for the caller to read at once (``flagged_now``).  For a
    device ``ref``: its GPU's one host-mapped buffer, which the engine reads after the next read from the
    device (``take_device_errors``), so that checking costs no device-to-host transfer."""
    if _on_gpu(ref):
        return importlib.import_module("kernels.cuda._device_flags").flags_for(ref)
    import numpy

    return numpy.zeros(3, numpy.int64)


def flagged_now(flags):
    """``(code, a, b)`` when a CPU kernel flagged bad data in ``flags``, else None (always None for a GPU's
    buffer: those are read after the next read from the device, see ``take_device_errors``)."""
    if is_host_array(flags) and flags[0]:
        return int(flags[0]), int(flags[1]), int(flags[2])
    return None


def take_device_errors():
    """``[(code, a, b), ...]`` flagged by GPU kernels since the last call (cleared); call it only after a
    synchronising read from the device.  Empty, and nothing imported, when no GPU kernel has flags."""
    mod = sys.modules.get("kernels.cuda._device_flags")
    return mod.take() if mod is not None else []


def flag_labels(labels, classes, ignore_index, flags, code=LABEL_OUT_OF_RANGE):
    """Write ``(code, label, classes)`` into ``flags`` (``error_flags``) when an int64 label is neither
    ``ignore_index`` nor in [0, classes): the label check of the losses that do not run the fused kernel,
    done where the labels live."""
    if labels.size:
        _impl(labels, "softmax").flag_labels(labels.reshape(-1), classes, ignore_index, flags, code)


def softmax_cross_entropy_forward(logits, labels, ignore_index=-100, flags=None):
    """(per-row loss, per-row log-sum-exp) for logits (N, C) and int64 labels (N,).  A row whose label is
    ``ignore_index`` has loss 0; a label outside [0, C) gets a NaN loss and is written into ``flags``
    (``(LABEL_OUT_OF_RANGE, label, C)``; a scratch buffer when None)."""
    xp = array_module(logits)
    x = _softmax_layout(logits, xp)
    n = x.shape[0]
    loss = xp.empty(n, dtype=x.dtype)
    lse = xp.empty(n, dtype=x.dtype)
    if n:
        flags = error_flags(logits) if flags is None else flags
        _impl(logits, "softmax").xent_fwd(x, labels, loss, lse, ignore_index, flags)
    return (loss if loss.dtype == logits.dtype else loss.astype(logits.dtype)), lse


def softmax_cross_entropy_backward(g, logits, labels, lse, ignore_index=-100):
    """``g[n] * (softmax(logits[n]) - onehot(labels[n]))`` for the per-row upstream gradient ``g`` (or a
    scalar); zero rows for ``ignore_index``, NaN rows for labels outside [0, C)."""
    xp = array_module(logits)
    x = _softmax_layout(logits, xp)
    gx = xp.empty_like(x)
    if x.size:
        gc = xp.array(xp.broadcast_to(g, (x.shape[0],)), dtype=lse.dtype)  # contiguous, the lse's dtype
        _impl(logits, "softmax").xent_bwd(gc, x, labels, lse, gx, ignore_index)
    return gx if gx.dtype == logits.dtype else gx.astype(logits.dtype)


# ---- batch norm ------------------------------------------------------------------------------------
def batch_norm_forward(x, weight=None, bias=None, mean=None, var=None, eps=1e-5):
    """Fused batch norm over every axis but 1 of x (N, C, *spatial).  Training (mean/var None):
    (y, batch_mean, batch_var_biased, invstd); evaluation: (y, mean, var, invstd) with the given stats."""
    from kernels.batchnorm import batch_norm_forward as f

    return f(x, weight, bias, mean, var, eps)


def batch_norm_backward(gy, x, weight, mean, invstd, training, need_input=True, need_weight=True, need_bias=True):
    """(gx, gw, gb) of batch norm from the forward's mean and invstd (xhat recomputed); None where not asked."""
    from kernels.batchnorm import batch_norm_backward as f

    return f(gy, x, weight, mean, invstd, training, need_input, need_weight, need_bias)


# ---- optimiser updates (contract: kernels/optim_updates.py's docstring) --------------------------------
def sgd_update(p, grads, buf, hp, flags):
    """SGD step in place on the flat ``p`` and momentum buffer ``buf`` (flags: MAXIMIZE, NESTEROV, FIRST);
    ``grads``: a list of 1-D gradient arrays whose sizes add up to ``p``'s, in order."""
    _impl(p, "optim_updates").sgd_update(p, grads, buf, hp, flags)


def adagrad_update(p, grads, state_sum, hp, flags):
    """Adagrad step in place on the flat ``p`` and ``state_sum`` (flags: MAXIMIZE)."""
    _impl(p, "optim_updates").adagrad_update(p, grads, state_sum, hp, flags)


def rmsprop_update(p, grads, square_avg, grad_avg, momentum_buffer, hp, flags):
    """RMSprop step in place on flat arrays (flags: MAXIMIZE, CENTERED)."""
    _impl(p, "optim_updates").rmsprop_update(p, grads, square_avg, grad_avg, momentum_buffer, hp, flags)


def adam_update(p, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, hp, flags):
    """Adam / AdamW step in place on flat arrays (flags: MAXIMIZE, AMSGRAD)."""
    _impl(p, "optim_updates").adam_update(p, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, hp, flags)


# ---- matmul ----------------------------------------------------------------------------------------
def matmul_tiled(a, b):
    """``a @ b`` (float32, 2-D) with the hand-written shared-memory tiled CUDA kernel.

    For the benchmark: on CuPy arrays it runs our kernel (cuBLAS is normally faster and is what the
    engine uses); on NumPy arrays it is plain ``numpy.matmul`` (BLAS).
    """
    xp = array_module(a)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul_tiled: shapes {a.shape} and {b.shape} do not multiply")
    if a.dtype != xp.float32 or b.dtype != xp.float32:
        raise TypeError(f"matmul_tiled: float32 only, got {a.dtype} and {b.dtype}")
    if not _on_gpu(a):
        return xp.matmul(a, b)
    if a.shape[0] == 0 or b.shape[1] == 0 or a.shape[1] == 0:  # nothing to launch (K == 0: zeros, as NumPy)
        return xp.zeros((a.shape[0], b.shape[1]), dtype=xp.float32)
    out = xp.empty((a.shape[0], b.shape[1]), dtype=xp.float32)
    importlib.import_module("kernels.cuda.matmul").matmul_tiled(xp.ascontiguousarray(a), xp.ascontiguousarray(b), out)
    return out


def __getattr__(name):
    """Lazy re-exports: ``knapsack_dp`` from ``kernels.knapsack`` (owned by the combinatorics code)."""
    if name == "knapsack_dp":
        try:
            mod = importlib.import_module("kernels.knapsack")
        except ImportError as e:  # pragma: no cover - depends on the other package being present
            raise AttributeError(f"kernels.knapsack_dp is not available: {e}") from None
        return getattr(mod, name)
    raise AttributeError(f"module 'kernels' has no attribute {name!r}")
