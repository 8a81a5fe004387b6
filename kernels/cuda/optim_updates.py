"""Fused optimiser updates on the GPU: one Numba CUDA kernel per update rule, one thread per element.

The CUDA twins of ``kernels.cpu.optim_updates`` (same public signatures ``(arrays..., hp, flags)``, same
arithmetic, see that module's docstring; the host array ``hp`` is unpacked into typed scalar kernel
arguments, so no device copy of it is needed); one launch updates a whole parameter and its optimiser
state in a single pass over memory, instead of the chain of ~10 elementwise array ops an unfused Adam
costs.  Launches go on CuPy's current stream when CuPy arrays come in; under the CUDA simulator the arrays are NumPy and the
default stream is used.  Results agree with the CPU twins to rounding: the CUDA compiler may contract
``a * b + c`` into a fused multiply-add, the CPU does not.

Not measured on a real GPU yet (no GPU was lent to the session that wrote this): one launch per
parameter costs Numba's launch overhead (tens of microseconds) per parameter, so a ResNet-20 step of 59
parameters is launch-bound; a multi-tensor kernel (one launch per group over a table of pointers) is the
next step if ``bench`` shows it.
"""
import math

from numba import cuda

from kernels.cuda._launch import launch

__all__ = ["sgd_update", "adagrad_update", "rmsprop_update", "adam_update"]

MAXIMIZE, NESTEROV, FIRST, CENTERED, AMSGRAD = 1, 2, 4, 2, 2  # as in kernels.cpu.optim_updates


def _launch(kernel, p, *args):
    """Run the grid-stride ``kernel`` over ``p``'s elements on ``p``'s stream (nothing for an empty parameter)."""
    launch(kernel, p.size, p, p, *args)


@cuda.jit(cache=True)
def _sgd(p, g, buf, lr, wd, momentum, damp_c, flags):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = g[i]
        if flags & MAXIMIZE:
            gi = -gi
        if wd != 0:
            gi = gi + wd * p[i]
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
        gi = g[i]
        if flags & MAXIMIZE:
            gi = -gi
        if wd != 0:
            gi = gi + wd * p[i]
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] - clr * (gi / (math.sqrt(si) + eps))


@cuda.jit(cache=True)
def _rmsprop(p, g, sq, gavg, buf, lr, alpha, oma, eps, wd, momentum, flags):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = g[i]
        if flags & MAXIMIZE:
            gi = -gi
        if wd != 0:
            gi = gi + wd * p[i]
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


def sgd_update(p, g, buf, hp, flags):
    """See ``kernels.cpu.optim_updates.sgd_update``."""
    _launch(_sgd, p, g, buf, *hp, flags)


def adagrad_update(p, g, s, hp, flags):
    """See ``kernels.cpu.optim_updates.adagrad_update``."""
    _launch(_adagrad, p, g, s, *hp, flags)


def rmsprop_update(p, g, sq, gavg, buf, hp, flags):
    """See ``kernels.cpu.optim_updates.rmsprop_update``."""
    _launch(_rmsprop, p, g, sq, gavg, buf, *hp, flags)


def adam_update(p, g, m, v, vmax, hp, flags):
    """See ``kernels.cpu.optim_updates.adam_update``."""
    _launch(_adam, p, g, m, v, vmax, *hp, flags)
