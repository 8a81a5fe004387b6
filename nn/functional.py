"""``nn.functional`` (import it as ``F``): the stateless forms of every layer, activation and loss.

Layers (``linear``, ``batch_norm``, ``layer_norm``, ``embedding``) run on the fused ops of
``engine/ops/layers.py`` (``dropout`` and the torch-complete convolution and pooling forms come from
``nn/functional_extra.py``); convolution and pooling forward to the engine's kernel-backed ops; activations are in
``nn._activations`` and losses in ``nn._losses_functional`` and are re-exported here, so ``F.relu``,
``F.cross_entropy`` and friends all live in one namespace.  Arguments are torch's: ``F.pad`` takes the flat
last-dim-first tuple and four modes; ``F.softmax``/``log_softmax``/``softmin`` take ``dim=`` (NumPy's
``axis=`` accepted) and, without it, torch's legacy implicit dim.
"""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module

from engine.ops import layers as _fused
from ._activations import *  # noqa: F401,F403  (re-exported: relu, leaky_relu, ... from the activation spec)
from ._activations import __all__ as _act_all
from ._losses_functional import *  # noqa: F401,F403  (re-exported: mse_loss, cross_entropy, ...)
from ._losses_functional import __all__ as _loss_all

__all__ = [
    "linear",
    "batch_norm",
    "layer_norm",
    "rms_norm",
    "embedding",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "pad",
    "softmax",
    "log_softmax",
    "softmin",
]
__all__ = list(dict.fromkeys(__all__ + list(_act_all) + list(_loss_all)))


def _t(x, name):
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return Tensor._wrap(x)
    raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` with ``weight`` of shape (out, in); one graph node."""
    x = _t(x, "linear")
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1] or weight.ndim != 2:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape {weight.shape} "
            f"(expected input (..., {weight.shape[-1] if weight.ndim else '?'}))"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}")
    if x.dtype != weight.dtype and not engine.amp.autocast_mode.autocasting(x):
        raise TypeError(f"linear: input dtype {x.dtype} differs from weight dtype {weight.dtype}")
    return _fused.LinearFn.apply(x, weight, bias)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over every axis but axis 1 (PyTorch's signature).

    In training mode the batch statistics normalise, and ``running_mean``/``running_var`` (when given)
    are updated in place: ``r = (1 - momentum) * r + momentum * stat`` with the unbiased batch variance.
    ``momentum=None`` gives a cumulative average; the caller passes the factor then (see BatchNorm).
    Otherwise the running statistics normalise.
    """
    x = _t(x, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input with at least 2 dimensions (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.shape != (c,):
            raise ValueError(f"batch_norm: {name} of shape {t.shape} does not match {c} channels of input {x.shape}")
    if training:
        n = x.numel() // c
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input {x.shape}")
        y, bmean, bvar = _fused.BatchNormFn.apply(x, weight, bias, None, None, eps)
        if running_mean is not None and running_var is not None:
            m = momentum
            rm, rv = running_mean.array, running_var.array
            rm *= 1 - m
            rm += m * bmean.array.astype(rm.dtype, copy=False)
            rv *= 1 - m
            rv += (m * n / (n - 1)) * bvar.array.astype(rv.dtype, copy=False)
        return y
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    return _fused.BatchNormFn.apply(x, weight, bias, running_mean.array, running_var.array, eps)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` axes, then scale by ``weight`` and add ``bias``."""
    x = _t(x, "layer_norm")
    ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(ns)
    if tuple(x.shape[x.ndim - k :]) != ns or x.ndim < k:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end with normalized_shape {ns}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise ValueError(f"layer_norm: {name} of shape {t.shape} does not match normalized_shape {ns}")
    return _fused.LayerNormFn.apply(x, weight, bias, k, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002  (torch's names)
    """torch's RMS norm: ``x / sqrt(mean(x^2 over the trailing normalized_shape axes) + eps) * weight``.

    ``eps=None`` is torch's default: the machine epsilon of the computation type (float32's for float16,
    bfloat16 and float32 input, float64's for float64).  A composition of differentiable ops."""
    x = _t(input, "rms_norm")
    ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(ns)
    if x.ndim < k or tuple(x.shape[x.ndim - k:]) != ns:
        raise ValueError(f"rms_norm: input of shape {x.shape} does not end with normalized_shape {ns}")
    if weight is not None and tuple(weight.shape) != ns:
        raise ValueError(f"rms_norm: weight of shape {weight.shape} does not match normalized_shape {ns}")
    if eps is None:
        eps = float(np.finfo(np.float64 if x.array.dtype == np.float64 else np.float32).eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x * engine.rsqrt((x * x).mean(dim=axes, keepdim=True) + eps)
    return y if weight is None else y * weight


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer tensor/array ``input`` (any shape), as torch.

    ``padding_idx``: that row receives no gradient.  ``max_norm``: before the lookup, every row that ``input``
    picks and whose ``norm_type``-norm exceeds ``max_norm`` is rescaled IN PLACE (under no_grad, bumping
    ``weight``'s version) to ``max_norm / (norm + 1e-7)`` times itself, as torch's ``embedding_renorm_``.
    ``scale_grad_by_freq``: each row's gradient is divided by how often its index occurs in ``input``.
    ``sparse=True`` raises NotImplementedError: Kiln has no sparse tensors, so gradients are always dense.
    """
    if sparse:
        raise NotImplementedError("embedding: sparse=True asks for sparse gradients, which Kiln does not have "
                                  "(its gradients are dense); pass sparse=False")
    arr = input.array if isinstance(input, Tensor) else input
    xp = get_array_module(weight.array)
    arr = xp.asarray(arr)  # indices follow the table to its device
    if arr.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {arr.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-d (num_embeddings, embedding_dim), got shape {weight.shape}")
    num = weight.shape[0]
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= num):
        raise IndexError(
            f"embedding: index out of range: indices span [{int(arr.min())}, {int(arr.max())}] "
            f"but there are {num} embeddings"
        )
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {num} embeddings")
        padding_idx %= num
    if max_norm is not None:
        _renorm_rows_(weight, arr, float(max_norm), float(norm_type))
    out = _fused.EmbeddingFn.apply(weight, arr, padding_idx)
    if scale_grad_by_freq and arr.size and out.requires_grad:
        per_lookup = 1.0 / xp.bincount(arr.reshape(-1), minlength=num)[arr]
        scale = Tensor._wrap(per_lookup.astype(out.array.dtype)[..., None])
        fixed = out.detach()
        out = fixed + (out - fixed) * scale  # the same values; the gradient reaching each row is divided by its count
    return out


def _renorm_rows_(weight, idx, max_norm, norm_type):
    """torch's ``embedding_renorm_``: rows of ``weight`` named in ``idx`` whose ``norm_type``-norm exceeds
    ``max_norm`` are scaled in place by ``max_norm / (norm + 1e-7)``."""
    xp = get_array_module(weight.array)
    rows = xp.unique(idx.reshape(-1))
    if rows.size == 0:
        return
    picked = weight.array[rows]
    norms = xp.linalg.norm(picked, ord=norm_type, axis=1)
    over = norms > max_norm
    if bool(over.any()):
        with engine.no_grad():
            scale = (max_norm / (norms[over] + 1e-7)).astype(weight.array.dtype)
            weight.array[rows[over]] = picked[over] * scale[:, None]
            weight._bump_version()


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-d convolution, NCHW input and (out, in, kh, kw) weight (engine.conv2d)."""
    return engine.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1):
    """Transposed 2-d convolution, weight (in, out, kh, kw) as PyTorch (engine.conv_transpose2d)."""
    return engine.conv_transpose2d(
        x, weight, bias, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )


def max_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    return engine.max_pool2d(x, kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    return engine.avg_pool2d(x, kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode)


def adaptive_avg_pool2d(x, output_size):
    return engine.adaptive_avg_pool2d(x, output_size)


def pad(input, pad, mode="constant", value=None):  # noqa: A002  (torch's names)
    """torch's F.pad: ``pad`` is a flat tuple of (before, after) pairs, last dim first; ``mode`` is
    "constant" (with ``value``, 0 by default), "reflect", "replicate" or "circular" (engine.pad)."""
    return engine.pad(input, pad, mode=mode, value=value)


def _implicit_softmax_dim(name, ndim):
    """torch's legacy choice when ``dim`` is not given (0 for 0-, 1- and 3-d input, else 1), with its warning."""
    import warnings

    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):  # noqa: A002
    """Softmax along ``dim`` (NumPy's ``axis=`` accepted); without either, torch's legacy implicit dim."""
    x = _t(input, "softmax")
    if dim is None and axis is None:
        dim = _implicit_softmax_dim("softmax", x.ndim)
    return engine.softmax(x, dim, dtype, axis=axis)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):  # noqa: A002
    """Log-softmax along ``dim`` (NumPy's ``axis=`` accepted); without either, torch's legacy implicit dim."""
    x = _t(input, "log_softmax")
    if dim is None and axis is None:
        dim = _implicit_softmax_dim("log_softmax", x.ndim)
    return engine.log_softmax(x, dim, dtype, axis=axis)


def softmin(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):  # noqa: A002
    """``softmax(-input)`` along ``dim``; without it, torch's legacy implicit dim."""
    x = _t(input, "softmin")
    if dim is None and axis is None:
        dim = _implicit_softmax_dim("softmin", x.ndim)
    return engine.softmin(x, dim, dtype, axis=axis)


from engine.ops.attention import scaled_dot_product_attention  # noqa: E402,F401  (torch's F name)


# ---- torch.nn.functional beyond the layers above (nn/functional_extra.py, nn/losses_extra.py) ----------
# conv2d, conv_transpose2d, max_pool2d and avg_pool2d are replaced by the torch-complete forms there
# (groups=, padding="same", dilation=, return_indices=, count_include_pad=), with torch's argument order.
from .functional_extra import *  # noqa: E402,F401,F403
from .functional_extra import __all__ as _extra_all  # noqa: E402
from .losses_extra import *  # noqa: E402,F401,F403
from .losses_extra import __all__ as _loss_extra_all  # noqa: E402

__all__ = __all__ + [n for n in list(_extra_all) + list(_loss_extra_all) if n not in __all__]

# ---- F.conv_transpose3d (a composition of conv_transpose2d), F.group_norm and F.instance_norm
# (nn/functional_norms.py)
from engine.ops.conv_transpose3d import conv_transpose3d  # noqa: E402,F401
from .functional_norms import group_norm, instance_norm  # noqa: E402,F401

__all__ += ["conv_transpose3d", "group_norm", "instance_norm"]

# ---- inplace=True is honoured: the result is written into the input (nn/_inplace.py) ------------------
from ._inplace import honouring_inplace as _honouring_inplace  # noqa: E402

for _name in ("relu", "elu", "leaky_relu", "hardtanh", "relu6", "threshold", "selu", "celu", "rrelu", "silu", "mish",
              "hardswish", "hardsigmoid", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
              "feature_alpha_dropout"):
    globals()[_name] = _honouring_inplace(globals()[_name], _name)
