"""Fused optimiser updates on the CPU: one Numba loop per update rule, in place over flat arrays.

The CPU twins of ``kernels.cuda.optim_updates``; ``kernels/__init__.py`` picks between them, and
``kernels/optim_updates.py`` states the arguments' contract (the optimisers pass a whole parameter group's
flat buffers and the list of its gradients, so one call updates the group). The entry points read the
gradients where they lie, each over its slice of the flat buffers, CHUNK gradients per compiled call
(gathering them into one array first would cost a copy, as much memory traffic as half an update; a compiled
call per gradient costs 2-4 us of dispatch each). Each compiled loop walks its arrays once, reading the
parameter, its gradient and the optimiser state and writing the new parameter and state in the same pass.
The arithmetic follows PyTorch's single-tensor implementations term by term (``p + (-lr) * d`` written as
``p - lr * d``, which IEEE arithmetic rounds identically), so a float64 run matches a NumPy float64 reference to the last few
ulps and a checkpoint resumes bit for bit.

Hyperparameters arrive packed in a small 1-D array ``hp`` of the parameter's dtype (float32 parameters are
updated in float32 arithmetic, as PyTorch does), built once per param group per step by
``kernels/optim_updates.py``, with derived constants (``1 - beta``, bias corrections) already computed;
boolean options arrive as the bitmask ``flags`` (``MAXIMIZE`` and one bit per rule option).  Packing
cuts the per-call dispatch cost of Numba from ~10 us (ten typed scalar arguments) to ~1.5 us, which is
what matters for networks of many small parameters.

``error_model='numpy'`` drops Python's zero-division check, which otherwise blocks vectorisation: measured
3-4x faster than the same rule as NumPy in-place ufuncs with ``out=`` on 270k float32 elements (Adam
0.22 ms vs 0.74 ms; SGD+momentum 0.065 ms vs 0.23 ms).
State arrays that a configuration does not use (``buf`` without momentum, ``vmax`` without amsgrad)
may be empty; they are never touched.
"""
import math

from numba import njit

from kernels.optim_updates import AMSGRAD, CENTERED, FIRST, MAXIMIZE, NESTEROV

__all__ = ["sgd_update", "adagrad_update", "rmsprop_update", "adam_update"]


@njit(cache=True, inline="always")
def _direction(gi, pi, wd, maximize):
    """The gradient as the L2-regularised rules use it: negated for ``maximize``, plus ``wd * p``."""
    if maximize:
        gi = -gi
    if wd != 0:
        gi = gi + wd * pi
    return gi


@njit(cache=True, error_model="numpy")
def _sgd(p, g, buf, hp, flags):
    """SGD with heavy-ball momentum, ``hp = [lr, weight_decay, momentum, 1 - dampening]``:
    ``buf = momentum * buf + (1 - dampening) * d`` (``buf = d`` on the first step),
    ``d = d + momentum * buf`` (nesterov) or ``d = buf``, ``p -= lr * d``."""
    lr, wd, momentum, damp_c = hp[0], hp[1], hp[2], hp[3]
    maximize, nesterov, first = flags & MAXIMIZE, flags & NESTEROV, flags & FIRST
    for i in range(p.size):
        gi = _direction(g[i], p[i], wd, maximize)
        if momentum != 0:
            if first:
                b = gi
            else:
                b = momentum * buf[i] + damp_c * gi
            buf[i] = b
            if nesterov:
                gi = gi + momentum * b
            else:
                gi = b
        p[i] = p[i] - lr * gi


@njit(cache=True, error_model="numpy")
def _adagrad(p, g, s, hp, flags):
    """Adagrad, ``hp = [clr, weight_decay, eps]`` (``clr`` already holds the lr decay):
    ``s += d * d``, ``p -= clr * d / (sqrt(s) + eps)``."""
    clr, wd, eps = hp[0], hp[1], hp[2]
    maximize = flags & MAXIMIZE
    for i in range(p.size):
        gi = _direction(g[i], p[i], wd, maximize)
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] - clr * (gi / (math.sqrt(si) + eps))


@njit(cache=True, error_model="numpy")
def _rmsprop(p, g, sq, gavg, buf, hp, flags):
    """RMSprop, ``hp = [lr, alpha, 1 - alpha, eps, weight_decay, momentum]``:
    ``sq = alpha * sq + (1 - alpha) * d * d``; centred: ``gavg = alpha * gavg + (1 - alpha) * d`` and
    ``avg = sqrt(sq - gavg**2) + eps``, else ``avg = sqrt(sq) + eps``; momentum:
    ``buf = momentum * buf + d / avg``, ``p -= lr * buf``; else ``p -= lr * d / avg``."""
    lr, alpha, oma, eps, wd, momentum = hp[0], hp[1], hp[2], hp[3], hp[4], hp[5]
    maximize, centered = flags & MAXIMIZE, flags & CENTERED
    for i in range(p.size):
        gi = _direction(g[i], p[i], wd, maximize)
        sqi = alpha * sq[i] + oma * gi * gi
        sq[i] = sqi
        if centered:
            ga = alpha * gavg[i] + oma * gi
            gavg[i] = ga
            avg = math.sqrt(sqi - ga * ga) + eps
        else:
            avg = math.sqrt(sqi) + eps
        if momentum > 0:
            b = momentum * buf[i] + gi / avg
            buf[i] = b
            p[i] = p[i] - lr * b
        else:
            p[i] = p[i] - lr * (gi / avg)


@njit(cache=True, error_model="numpy")
def _adam(p, g, m, v, vmax, hp, flags):
    """Adam / AdamW, ``hp = [b1, 1 - b1, b2, 1 - b2, step_size, bc2_sqrt, eps, weight_decay, decay_scale]``:
    ``p *= decay_scale`` (AdamW's decoupled ``1 - lr * wd``; 1 for Adam), ``d += wd * p`` (Adam's L2 term;
    0 for AdamW), ``m = b1 * m + (1 - b1) * d``, ``v = b2 * v + (1 - b2) * d * d``,
    ``vmax = max(vmax, v)`` (amsgrad), ``p -= step_size * m / (sqrt(v or vmax) / bc2_sqrt + eps)``
    with ``step_size = lr / (1 - b1**t)`` and ``bc2_sqrt = sqrt(1 - b2**t)``."""
    b1, omb1, b2, omb2, step_size, bc2_sqrt, eps, wd, decay_scale = (
        hp[0], hp[1], hp[2], hp[3], hp[4], hp[5], hp[6], hp[7], hp[8])
    maximize, amsgrad = flags & MAXIMIZE, flags & AMSGRAD
    for i in range(p.size):
        pi = p[i]
        if decay_scale != 1:
            pi = pi * decay_scale
        gi = g[i]
        if maximize:
            gi = -gi
        if wd != 0:
            gi = gi + wd * pi
        mi = b1 * m[i] + omb1 * gi
        m[i] = mi
        vi = b2 * v[i] + omb2 * gi * gi
        v[i] = vi
        if amsgrad:
            vm = max(vmax[i], vi)
            vmax[i] = vm
            vi = vm
        p[i] = pi - step_size * (mi / (math.sqrt(vi) / bc2_sqrt + eps))


# ---- the entry points: the gradients in tuples of CHUNK (one compiled call each), each gradient ----
# ---- updating its own slice of the flat buffers, where it lies                                  ----
CHUNK = 8


def _chunks(p, grads):
    """``(gradients, starts)``: tuples of CHUNK covering ``p`` in order, padded with empty arrays (one compiled
    signature per dtype); a read-only gradient is copied (Numba types it apart, and a tuple holds one type)."""
    empty = p[:0]
    start = 0
    for c in range(0, len(grads), CHUNK):
        gs, starts = [], []
        for g in grads[c:c + CHUNK]:
            gs.append(g if g.flags.writeable else g.copy())
            starts.append(start)
            start += g.size
        pad = CHUNK - len(gs)
        yield tuple(gs) + (empty,) * pad, tuple(starts) + (0,) * pad


@njit(cache=True)
def _sgd_chunk(p, gs, starts, buf, hp, flags):
    for k in range(CHUNK):
        a, b = starts[k], starts[k] + gs[k].size
        _sgd(p[a:b], gs[k], buf[a:b], hp, flags)


@njit(cache=True)
def _adagrad_chunk(p, gs, starts, s, hp, flags):
    for k in range(CHUNK):
        a, b = starts[k], starts[k] + gs[k].size
        _adagrad(p[a:b], gs[k], s[a:b], hp, flags)


@njit(cache=True)
def _rmsprop_chunk(p, gs, starts, sq, gavg, buf, hp, flags):
    for k in range(CHUNK):
        a, b = starts[k], starts[k] + gs[k].size
        _rmsprop(p[a:b], gs[k], sq[a:b], gavg[a:b], buf[a:b], hp, flags)


@njit(cache=True)
def _adam_chunk(p, gs, starts, m, v, vmax, hp, flags):
    for k in range(CHUNK):
        a, b = starts[k], starts[k] + gs[k].size
        _adam(p[a:b], gs[k], m[a:b], v[a:b], vmax[a:b], hp, flags)


def sgd_update(p, grads, buf, hp, flags):
    """See ``_sgd``."""
    for gs, starts in _chunks(p, grads):
        _sgd_chunk(p, gs, starts, buf, hp, flags)


def adagrad_update(p, grads, s, hp, flags):
    """See ``_adagrad``."""
    for gs, starts in _chunks(p, grads):
        _adagrad_chunk(p, gs, starts, s, hp, flags)


def rmsprop_update(p, grads, sq, gavg, buf, hp, flags):
    """See ``_rmsprop``."""
    for gs, starts in _chunks(p, grads):
        _rmsprop_chunk(p, gs, starts, sq, gavg, buf, hp, flags)


def adam_update(p, grads, m, v, vmax, hp, flags):
    """See ``_adam``."""
    for gs, starts in _chunks(p, grads):
        _adam_chunk(p, gs, starts, m, v, vmax, hp, flags)
