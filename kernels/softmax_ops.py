"""Softmax, log-softmax and softmax cross-entropy, device-agnostic wrappers around the twin kernels.

Stable (computed around the maximum; the log-sum-exp of a row of -inf... is taken as -inf, and a row
of huge logits does not overflow).  float16 input is upcast and reduced in float32 (the GPU kernels accumulate in float64) and the
result returned in float16.

Cross-entropy: ``softmax_cross_entropy_forward(logits (N, C), labels (N,) int) -> (loss (N,), lse (N,))``
with PyTorch's ``ignore_index`` (-100) giving loss 0 and zero gradient; the backward takes the upstream
per-row gradient and the saved ``lse``.
"""
import kernels as _k


def _axis_view(x, axis, op):
    if x.ndim == 0:
        raise ValueError(f"{op}: needs at least one dimension")
    ax = axis % x.ndim if -x.ndim <= axis < x.ndim else None
    if ax is None:
        raise ValueError(f"{op}: axis {axis} out of range for shape {x.shape}")
    a = 1
    for s in x.shape[:ax]:
        a *= s
    b = 1
    for s in x.shape[ax + 1:]:
        b *= s
    return (a, x.shape[ax], b)


def _compute(x, xp, op):
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating-point logits, got {x.dtype}")
    if x.dtype == xp.float16:
        return xp.ascontiguousarray(x, dtype=xp.float32)
    return xp.ascontiguousarray(x)


def softmax(x, axis=-1, log=False):
    """softmax (or log-softmax with ``log=True``) of ``x`` along ``axis``."""
    op = "log_softmax" if log else "softmax"
    xp = _k.array_module(x)
    dt = x.dtype
    shape3 = _axis_view(x, axis, op)
    xc = _compute(x, xp, op).reshape(shape3)
    y = xp.empty_like(xc)
    if x.size:
        _k._impl(x, "softmax").softmax_fwd(xc, y, bool(log))
    y = y.reshape(x.shape)
    return y if y.dtype == dt else y.astype(dt)


def softmax_backward(gy, y, axis=-1, log=False):
    """Input gradient of softmax / log-softmax from the output ``y``."""
    op = "log_softmax backward" if log else "softmax backward"
    xp = _k.array_module(y)
    dt = y.dtype
    if gy.shape != y.shape:
        raise ValueError(f"{op}: gradient {gy.shape} and output {y.shape} differ in shape")
    shape3 = _axis_view(y, axis, op)
    yc = _compute(y, xp, op).reshape(shape3)
    gc = _compute(gy, xp, op).reshape(shape3)
    gx = xp.empty_like(yc)
    if y.size:
        _k._impl(y, "softmax").softmax_bwd(gc, yc, gx, bool(log))
    gx = gx.reshape(y.shape)
    return gx if gx.dtype == dt else gx.astype(dt)


def _check_labels(logits, labels, ignore_index, op):
    xp = _k.array_module(logits)
    if logits.ndim != 2:
        raise ValueError(f"{op}: expected logits of shape (N, C), got {logits.shape}")
    if labels.shape != (logits.shape[0],):
        raise ValueError(f"{op}: labels of shape {labels.shape} do not match logits {logits.shape}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{op}: labels must be integers, got {labels.dtype}")
    labels = xp.ascontiguousarray(labels, dtype=xp.int64)
    if labels.size:
        valid = labels[labels != ignore_index]
        if valid.size and (int(valid.min()) < 0 or int(valid.max()) >= logits.shape[1]):
            raise ValueError(
                f"{op}: labels must lie in [0, {logits.shape[1]}) (or equal ignore_index={ignore_index}); "
                f"got values in [{int(valid.min())}, {int(valid.max())}]"
            )
    return labels


def softmax_cross_entropy_forward(logits, labels, ignore_index=-100):
    """(per-row loss, per-row log-sum-exp) of ``cross_entropy(logits, labels)``, stable."""
    op = "softmax_cross_entropy"
    xp = _k.array_module(logits)
    dt = logits.dtype
    labels = _check_labels(logits, labels, ignore_index, op)
    x = _compute(logits, xp, op)
    n = x.shape[0]
    acc = xp.float32 if x.dtype == xp.float16 else x.dtype
    loss = xp.empty(n, dtype=acc)
    lse = xp.empty(n, dtype=acc)
    if n and x.shape[1] == 0:
        raise ValueError(f"{op}: logits have no classes")
    if n:
        _k._impl(logits, "softmax").xent_fwd(x, labels, loss, lse, int(ignore_index))
    return (loss if loss.dtype == dt else loss.astype(dt)), lse


def softmax_cross_entropy_backward(g, logits, labels, lse, ignore_index=-100):
    """``g[n] * (softmax(logits[n]) - onehot(labels[n]))``; ``g`` is the per-row upstream gradient."""
    op = "softmax_cross_entropy backward"
    xp = _k.array_module(logits)
    dt = logits.dtype
    labels = _check_labels(logits, labels, ignore_index, op)
    x = _compute(logits, xp, op)
    gx = xp.empty_like(x)
    acc = lse.dtype
    gc = xp.array(xp.broadcast_to(g, (x.shape[0],)), dtype=acc)  # writable copy
    if x.shape[0]:
        _k._impl(logits, "softmax").xent_bwd(gc, x, labels, xp.ascontiguousarray(lse), gx, int(ignore_index))
    return gx if gx.dtype == dt else gx.astype(dt)
