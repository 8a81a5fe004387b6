"""Loss functions in functional form (re-exported by ``nn.functional``), PyTorch's semantics.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``.  Every loss also takes torch's deprecated
``size_average``/``reduce`` in torch's positions: when either is given, ``legacy_reduction`` turns them into a
reduction by torch's rule and warns as torch does.  Shapes are checked at the door:
elementwise losses need ``input.shape == target.shape`` exactly (no silent broadcasting), and a
mismatch raises ``ValueError`` naming both shapes.

- ``cross_entropy(logits, target)``: logits (N, C) or (N, C, d1, ...) (or (C,) unbatched); integer
  class labels (N, d1, ...) — or class probabilities of the logits' shape.  ``weight`` (C,) rescales
  classes and ``mean`` then divides by the sum of the target weights; ``label_smoothing`` mixes the
  one-hot target with the uniform distribution, as ``torch.nn.functional.cross_entropy`` does;
  ``ignore_index`` labels contribute nothing.  One fused graph node (``engine/ops/loss.py``).
- ``nll_loss(log_probs, target)``: the same on log-probabilities.
- ``binary_cross_entropy``: on probabilities; logs are clamped at -100 as PyTorch does.
- ``binary_cross_entropy_with_logits``: on logits, computed stably (never ``log(sigmoid)``), with
  ``weight`` and ``pos_weight``.  Targets of the binary losses get no gradient.
"""
from __future__ import annotations

import warnings

import numpy as np

import engine
from engine import Tensor
from engine.backend import get_array_module

from engine.ops.loss import BCEWithLogitsFn, BinaryCrossEntropyFn, SoftTargetCEFn
from engine.ops.softmax_ce import check_labels

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


def _t(x, name, what):
    if isinstance(x, Tensor):
        return engine.amp.autocast_mode.float32_operand(x)  # losses run in float32 under autocast (as torch)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return engine.amp.autocast_mode.float32_operand(Tensor._wrap(x))
    raise TypeError(f"{name}: {what} must be a Tensor or an array, got {type(x).__name__}")


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def legacy_reduction(name, size_average, reduce, reduction):
    """The reduction a loss runs: ``reduction`` itself unless torch's deprecated ``size_average`` or ``reduce``
    is given; then torch's rule (None counts as True): ``reduce=False`` gives ``"none"``, else ``"mean"`` if
    ``size_average`` else ``"sum"`` (overriding ``reduction``), with torch's UserWarning.  A string in either
    slot (a reduction passed positionally where torch has ``size_average``) is a TypeError naming ``name``:
    torch would silently read it as True."""
    if size_average is None and reduce is None:
        return reduction
    for arg, value in (("size_average", size_average), ("reduce", reduce)):
        if isinstance(value, str):
            raise TypeError(f"{name}: {arg} must be a bool or None, got {value!r}; torch's order puts the "
                            f"deprecated size_average and reduce before reduction: pass reduction={value!r} "
                            "by keyword")
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{legacy}' instead.",
                  UserWarning, stacklevel=3)
    return legacy


def _reduction(name, size_average, reduce, reduction):
    """``legacy_reduction`` then the check of the result: the reduction a functional loss runs."""
    reduction = legacy_reduction(name, size_average, reduce, reduction)
    _check_reduction(name, reduction)
    return reduction


def _same_shape(name, x, y):
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError(
            f"{name}: input of shape {tuple(x.shape)} and target of shape {tuple(y.shape)} differ; "
            "they must have the same shape"
        )


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def weighted_reduce(name, loss, weight, reduction, weighted_mean=True):
    """``loss * weight`` reduced as torch's ``l1_loss``/``mse_loss``/``huber_loss`` with ``weight`` do: ``weight``
    must have the loss's shape (ValueError otherwise); ``"mean"`` divides by the weights' sum
    (``weighted_mean``) or by the element count (huber).  ``weight=None``: plain ``_reduce``."""
    if weight is None:
        return _reduce(loss, reduction)
    w = _t(weight, name, "weight")
    if tuple(w.shape) != tuple(loss.shape):
        raise ValueError(f"{name}: weight of shape {tuple(w.shape)} and input of shape {tuple(loss.shape)} "
                         "differ; they must have the same shape")
    loss = loss * w
    if reduction == "mean" and weighted_mean:
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean squared error ``(input - target) ** 2``; ``weight`` as torch's (see ``weighted_reduce``)."""
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    x, y = _t(input, "mse_loss", "input"), _t(target, "mse_loss", "target")
    _same_shape("mse_loss", x, y)
    d = x - y
    return weighted_reduce("mse_loss", d * d, weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean absolute error ``|input - target|``; ``weight`` as torch's (see ``weighted_reduce``)."""
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    x, y = _t(input, "l1_loss", "input"), _t(target, "l1_loss", "target")
    _same_shape("l1_loss", x, y)
    return weighted_reduce("l1_loss", (x - y).abs(), weight, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """Huber-like loss: ``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``."""
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    x, y = _t(input, "smooth_l1_loss", "input"), _t(target, "smooth_l1_loss", "target")
    _same_shape("smooth_l1_loss", x, y)
    d = x - y
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(engine.where(a.array < beta, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """``-w (y log p + (1 - y) log(1 - p))`` on probabilities ``p`` in [0, 1]."""
    name = "binary_cross_entropy"
    reduction = _reduction(name, size_average, reduce, reduction)
    p, y = _t(input, name, "input"), _t(target, name, "target")
    _same_shape(name, p, y)
    if p.numel() and (float(p.array.min()) < 0 or float(p.array.max()) > 1):
        raise ValueError(f"{name}: all elements of input should be between 0 and 1 (got values outside)")
    loss = BinaryCrossEntropyFn.apply(p, Tensor._wrap(y.array.astype(p.dtype, copy=False)))
    if weight is not None:
        loss = loss * _t(weight, name, "weight")
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable step; ``pos_weight`` (broadcast along the last
    axis) weighs the positive term, ``weight`` every element."""
    name = "binary_cross_entropy_with_logits"
    reduction = _reduction(name, size_average, reduce, reduction)
    x, y = _t(input, name, "input"), _t(target, name, "target")
    _same_shape(name, x, y)
    xp = get_array_module(x.array)
    yd = y.array.astype(x.dtype, copy=False)
    w = None if weight is None else xp.broadcast_to(_t(weight, name, "weight").array.astype(x.dtype), x.shape)
    pw = None if pos_weight is None else _t(pos_weight, name, "pos_weight").array.astype(x.dtype)
    if pw is not None:
        try:
            np.broadcast_shapes(pw.shape, x.shape)
        except ValueError:
            raise ValueError(f"{name}: pos_weight of shape {pw.shape} does not broadcast to input {x.shape}") from None
    return BCEWithLogitsFn.apply(x, yd, w, pw, reduction)


def _label_array(name, x, t):
    """``t``'s dtype (integer) and shape ((N, d1, ...) for ``x`` (N, C, d1, ...)), from metadata only."""
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class labels or float probabilities, got dtype {t.dtype}")
    expected = (x.shape[0],) + tuple(x.shape[2:])
    if tuple(t.shape) != expected:
        raise ValueError(
            f"{name}: target of shape {tuple(t.shape)} does not match input of shape {tuple(x.shape)} "
            f"(expected target shape {expected})"
        )
    return t


def _batched(name, input, target):
    """(logits, target, unbatched): an unbatched (C,) input and its 0-d target get a batch dim of 1."""
    x = _t(input, name, "input")
    unbatched = x.ndim == 1
    if unbatched:
        x = x.reshape(1, -1)
        tt = target.array if isinstance(target, Tensor) else np.asarray(target)
        target = tt.reshape((1,) + tuple(tt.shape))
    if x.ndim < 2:
        raise ValueError(f"{name}: input must be (C,), (N, C) or (N, C, d1, ...), got shape {x.shape}")
    return x, target, unbatched


def _class_targets(name, x, target, weight, ignore_index, label_smoothing):
    """Build the constant target matrix ``q`` (the logits' shape) and the mean-reduction divisor."""
    xp = get_array_module(x.array)
    c = x.shape[1]
    t = target.array if isinstance(target, Tensor) else target
    t = xp.asarray(t)  # labels follow the logits to their device
    expected = (x.shape[0],) + tuple(x.shape[2:])
    w = None
    if weight is not None:
        w = _t(weight, name, "weight").array
        if w.shape != (c,):
            raise ValueError(f"{name}: weight of shape {w.shape} does not match {c} classes of input {x.shape}")
        w = w.astype(x.dtype, copy=False)
    if t.dtype.kind == "f":  # class probabilities
        if tuple(t.shape) != tuple(x.shape):
            raise ValueError(
                f"{name}: probability targets must have the input's shape {tuple(x.shape)}, got {tuple(t.shape)}"
            )
        q = t.astype(x.dtype, copy=False)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / c
        if w is not None:
            q = q * w.reshape((1, c) + (1,) * (x.ndim - 2))
        return q, float(np.prod(expected))
    t = xp.ascontiguousarray(_label_array(name, x, t), dtype=xp.int64)
    bad = check_labels(t, c, ignore_index, name)  # raises on the CPU; on a GPU at the next read (no read here)
    valid = t != ignore_index
    safe = xp.where(valid & ~bad, t, 0)
    # q in class-last layout, then moved to axis 1
    ql = xp.zeros(expected + (c,), dtype=x.dtype)
    wy = w[safe] if w is not None else xp.ones(expected, dtype=x.dtype)
    wy = xp.where(bad, xp.nan, wy * valid).astype(x.dtype, copy=False)  # a bad label on a GPU: NaN until raised
    flat = ql.reshape(-1, c)  # a view: write the label weights through it (works on NumPy and CuPy)
    flat[xp.arange(flat.shape[0]), safe.reshape(-1)] = ((1 - label_smoothing) * wy).reshape(-1)
    if label_smoothing:
        smooth = (label_smoothing / c) * (w if w is not None else xp.ones(c, dtype=x.dtype))
        ql += smooth * valid[..., None]
    q = xp.moveaxis(ql, -1, 1) if x.ndim > 2 else ql
    return q, wy.sum()  # the mean's divisor, a 0-d array: it stays on the device


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """Softmax cross-entropy between logits and integer labels (or class probabilities).

    Integer labels without ``weight`` or ``label_smoothing`` on (N, C) / (C,) logits run the fused kernel
    (``engine.softmax_cross_entropy``): no blocking read from a GPU, its label range checked by the kernel
    (on a GPU a bad label gives a NaN loss and raises at the next read from the device, as torch's
    device-side assert; see that op)."""
    name = "cross_entropy"
    reduction = _reduction(name, size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x, target, unbatched = _batched(name, input, target)
    labels = target.array if isinstance(target, Tensor) else target
    labels = get_array_module(x.array).asarray(labels)
    if weight is None and not label_smoothing and x.ndim == 2 and labels.dtype.kind in "iu":
        out = engine.softmax_cross_entropy(x, _label_array(name, x, labels), ignore_index, reduction)
    else:
        q, denom = _class_targets(name, x, target, weight, ignore_index, label_smoothing)
        out = SoftTargetCEFn.apply(x, q, denom, reduction, False)
    return out.reshape(()) if unbatched and reduction == "none" else out


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean"):
    """Negative log-likelihood of integer labels under log-probabilities ``input`` (N, C, ...)."""
    name = "nll_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    x, target, unbatched = _batched(name, input, target)
    t = target.array if isinstance(target, Tensor) else target
    if getattr(t, "dtype", np.dtype("f")).kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class labels")
    q, denom = _class_targets(name, x, target, weight, ignore_index, 0.0)
    out = SoftTargetCEFn.apply(x, q, denom, reduction, True)
    return out.reshape(()) if unbatched and reduction == "none" else out
