"""Fused optimiser updates on the CPU: one Numba loop per update rule, in place over flat arrays.

The CPU twins of ``kernels.cuda.optim_updates``; ``kernels.optim_updates`` picks between them.  Each
function walks 1-D contiguous arrays once, reading the parameter, its gradient and the optimiser
state and writing the new parameter and state in the same pass.  The arithmetic follows PyTorch's
single-tensor implementations term by term (``p + (-lr) * d`` written as ``p - lr * d``, which IEEE
arithmetic rounds identically), so a float64 run matches a NumPy float64 reference to the last few
ulps and a checkpoint resumes bit for bit.

Scalars arrive already cast to the parameter dtype (float32 or float64), so float32 parameters are
updated in float32 arithmetic, as PyTorch does; derived constants (``1 - beta``, bias corrections) are
computed by the caller.  ``error_model='numpy'`` drops Python's zero-division check, which otherwise
blocks vectorisation: measured 3-4x faster than the same rule as NumPy in-place ufuncs with ``out=``
on 270k float32 elements (Adam 0.22 ms vs 0.74 ms; SGD+momentum 0.065 ms vs 0.23 ms).
State arrays that a configuration does not use (``buf`` without momentum, ``vmax`` without amsgrad)
may be empty; they are never touched.
"""
import math

from numba import njit

__all__ = ["sgd_update", "adagrad_update", "rmsprop_update", "adam_update"]


@njit(cache=True, error_model="numpy")
def sgd_update(p, g, buf, lr, wd, momentum, damp_c, nesterov, maximize, first):
    """SGD with heavy-ball momentum: ``buf = momentum * buf + (1 - dampening) * d`` (``buf = d`` on the
    first step), ``d = d + momentum * buf`` (nesterov) or ``d = buf``, ``p -= lr * d``."""
    for i in range(p.size):
        gi = g[i]
        if maximize:
            gi = -gi
        if wd != 0:
            gi = gi + wd * p[i]
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
def adagrad_update(p, g, s, clr, wd, eps, maximize):
    """Adagrad: ``s += d * d``, ``p -= clr * d / (sqrt(s) + eps)``; ``clr`` already holds the lr decay."""
    for i in range(p.size):
        gi = g[i]
        if maximize:
            gi = -gi
        if wd != 0:
            gi = gi + wd * p[i]
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] - clr * (gi / (math.sqrt(si) + eps))


@njit(cache=True, error_model="numpy")
def rmsprop_update(p, g, sq, gavg, buf, lr, alpha, oma, eps, wd, momentum, centered, maximize):
    """RMSprop: ``sq = alpha * sq + (1 - alpha) * d * d``; centred: ``gavg = alpha * gavg + (1 - alpha) * d``
    and ``avg = sqrt(sq - gavg**2) + eps``, else ``avg = sqrt(sq) + eps``; momentum:
    ``buf = momentum * buf + d / avg``, ``p -= lr * buf``; else ``p -= lr * d / avg``."""
    for i in range(p.size):
        gi = g[i]
        if maximize:
            gi = -gi
        if wd != 0:
            gi = gi + wd * p[i]
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
def adam_update(p, g, m, v, vmax, b1, omb1, b2, omb2, step_size, bc2_sqrt, eps, wd, decay_scale, amsgrad, maximize):
    """Adam / AdamW: ``p *= decay_scale`` (AdamW's decoupled ``1 - lr * wd``; 1 for Adam), ``d += wd * p``
    (Adam's L2 term; 0 for AdamW), ``m = b1 * m + (1 - b1) * d``, ``v = b2 * v + (1 - b2) * d * d``,
    ``vmax = max(vmax, v)`` (amsgrad), ``p -= step_size * m / (sqrt(v or vmax) / bc2_sqrt + eps)``
    with ``step_size = lr / (1 - b1**t)`` and ``bc2_sqrt = sqrt(1 - b2**t)``."""
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
