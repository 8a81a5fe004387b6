"""Fused optimiser updates on the GPU: one Numba CUDA kernel per update rule, one thread per element.

The CUDA twins of ``kernels.cpu.optim_updates`` (same signatures ``(arrays..., hp, flags)``, same contract,
see ``kernels/optim_updates.py``, same arithmetic; the host array ``hp`` is unpacked into typed scalar
kernel arguments, so no device copy of it is needed); one launch updates a whole parameter and its optimiser
state in a single pass over memory, instead of the chain of ~10 elementwise array ops an unfused Adam
costs.  Results agree with the CPU twins to rounding: the CUDA compiler may contract
``a * b + c`` into a fused multiply-add, the CPU does not.

The optimisers hand these kernels a whole parameter group's flat buffers (``optim/_flat.py``), so a step
costs one launch per group, not one per parameter (Numba's launch overhead is tens of microseconds: a
ResNet-20 step of 59 parameters was launch-bound).  Launches go through ``kernels.cuda._launch.launch``,
on the current stream of the parameter array.  Not measured on a real GPU yet.
"""
import math

from numba import cuda

import kernels
from kernels.cuda._launch import launch
from kernels.optim_updates import AMSGRAD, CENTERED, FIRST, MAXIMIZE, NESTEROV

__all__ = ["sgd_update", "adagrad_update", "rmsprop_update", "adam_update"]


@cuda.jit(device=True, inline=True)
def _direction(gi, pi, wd, flags):
    """The gradient as the L2-regularised rules use it: negated for MAXIMIZE, plus ``wd * p``."""
    if flags & MAXIMIZE:
        gi = -gi
    if wd != 0:
        gi = gi + wd * pi
    return gi


@cuda.jit(cache=True)
def _sgd(p, g, buf, lr, wd, momentum, damp_c, flags):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = _direction(g[i], p[i], wd, flags)
        if momentum != 0:
            if flags & FIRST:
                b = gi
            else:
                b = momentum * buf[i] + damp_c * gi
            buf[i] = b
            if flags & NESTEROV:
                gi = gi + momentum * b
            else:
                gi = b
        p[i] = p[i] - lr * gi


@cuda.jit(cache=True)
def _adagrad(p, g, s, clr, wd, eps, flags):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = _direction(g[i], p[i], wd, flags)
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] - clr * (gi / (math.sqrt(si) + eps))


@cuda.jit(cache=True)
def _rmsprop(p, g, sq, gavg, buf, lr, alpha, oma, eps, wd, momentum, flags):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = _direction(g[i], p[i], wd, flags)
        sqi = alpha * sq[i] + oma * gi * gi
        sq[i] = sqi
        if flags & CENTERED:
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


@cuda.jit(cache=True)
def _adam(p, g, m, v, vmax, b1, omb1, b2, omb2, step_size, bc2_sqrt, eps, wd, decay_scale, flags):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        pi = p[i]
        if decay_scale != 1:
            pi = pi * decay_scale
        gi = g[i]
        if flags & MAXIMIZE:
            gi = -gi
        if wd != 0:
            gi = gi + wd * pi
        mi = b1 * m[i] + omb1 * gi
        m[i] = mi
        vi = b2 * v[i] + omb2 * gi * gi
        v[i] = vi
        if flags & AMSGRAD:
            vm = max(vmax[i], vi)
            vmax[i] = vm
            vi = vm
        p[i] = pi - step_size * (mi / (math.sqrt(vi) / bc2_sqrt + eps))


def _gathered(p, grads):
    """The gradients as one flat array (one CuPy concatenation where there are several)."""
    return grads[0] if len(grads) == 1 else kernels.array_module(p).concatenate(grads)


def sgd_update(p, grads, buf, hp, flags):
    """See ``kernels.cpu.optim_updates._sgd``."""
    if p.size:
        launch(_sgd, p.size, p, p, _gathered(p, grads), buf, *hp, flags)


def adagrad_update(p, grads, s, hp, flags):
    """See ``kernels.cpu.optim_updates._adagrad``."""
    if p.size:
        launch(_adagrad, p.size, p, p, _gathered(p, grads), s, *hp, flags)


def rmsprop_update(p, grads, sq, gavg, buf, hp, flags):
    """See ``kernels.cpu.optim_updates._rmsprop``."""
    if p.size:
        launch(_rmsprop, p.size, p, p, _gathered(p, grads), sq, gavg, buf, *hp, flags)


def adam_update(p, grads, m, v, vmax, hp, flags):
    """See ``kernels.cpu.optim_updates._adam``."""
    if p.size:
        launch(_adam, p.size, p, p, _gathered(p, grads), m, v, vmax, *hp, flags)
