"""Dispatch for the fused optimiser updates: NumPy arrays go to ``kernels.cpu.optim_updates`` (Numba
``@njit``), CuPy arrays to ``kernels.cuda.optim_updates`` (Numba ``@cuda.jit``).

Callers (``optim``) pass arrays of any shape and Python-number hyperparameters; this module checks
the dtypes, casts the scalars to the parameter's dtype (float32 parameters are updated in float32
arithmetic, float64 in float64), flattens the arrays to 1-D views and runs one fused pass per
parameter.  A parameter that is not C-contiguous is updated through a contiguous copy that is then
written back, so the update always lands in ``p`` itself.  The CUDA module is imported only when a
CuPy array arrives, so this file imports cleanly without a GPU.
"""
import importlib

import numpy as np

__all__ = ["sgd_update", "adagrad_update", "rmsprop_update", "adam_update", "SUPPORTED_DTYPES"]

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _twin(a):
    on_gpu = type(a).__module__.split(".", 1)[0] == "cupy"
    return importlib.import_module(f"kernels.{'cuda' if on_gpu else 'cpu'}.optim_updates")


def _flat(a, dtype, name, op):
    """A 1-D contiguous view of state array ``a`` (which must already have the parameter's dtype)."""
    if a.dtype != dtype:
        raise TypeError(f"{op}: {name} has dtype {a.dtype}, the parameter {dtype}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{op}: state array {name} must be C-contiguous")
    return a.reshape(-1)


def _run(op, kernel_name, p, g, states, scalars, flags):
    dtype = p.dtype
    if dtype not in SUPPORTED_DTYPES:
        raise TypeError(f"{op}: parameters of dtype {dtype} are not supported (float32 or float64)")
    if g.shape != p.shape:
        raise ValueError(f"{op}: gradient shape {g.shape} does not match parameter shape {p.shape}")
    xp_mod = type(p).__module__.split(".", 1)[0]
    if type(g).__module__.split(".", 1)[0] != xp_mod:
        raise TypeError(f"{op}: parameter and gradient live on different devices")
    if g.dtype != dtype:
        g = g.astype(dtype)
    work = p if p.flags.c_contiguous else p.copy()
    gf = g.reshape(-1) if g.flags.c_contiguous else g.copy().reshape(-1)
    flat_states = [s if s.size == 0 else _flat(s, dtype, name, op) for name, s in states]
    cast = dtype.type
    kernel = getattr(_twin(p), kernel_name)
    kernel(work.reshape(-1), gf, *flat_states, *[cast(x) for x in scalars], *[bool(f) for f in flags])
    if work is not p:
        p[...] = work


def sgd_update(p, g, buf, *, lr, weight_decay=0.0, momentum=0.0, dampening=0.0, nesterov=False,
               maximize=False, first=False):
    """SGD step in place on ``p`` (and momentum buffer ``buf``; pass an empty array without momentum)."""
    _run("sgd_update", "sgd_update", p, g, [("momentum_buffer", buf)],
         [lr, weight_decay, momentum, 1.0 - dampening], [nesterov, maximize, first])


def adagrad_update(p, g, state_sum, *, clr, weight_decay=0.0, eps=1e-10, maximize=False):
    """Adagrad step in place on ``p`` and ``state_sum`` with the decayed learning rate ``clr``."""
    _run("adagrad_update", "adagrad_update", p, g, [("sum", state_sum)], [clr, weight_decay, eps], [maximize])


def rmsprop_update(p, g, square_avg, grad_avg, momentum_buffer, *, lr, alpha=0.99, eps=1e-8, weight_decay=0.0,
                   momentum=0.0, centered=False, maximize=False):
    """RMSprop step in place (``grad_avg`` / ``momentum_buffer`` may be empty when unused)."""
    _run("rmsprop_update", "rmsprop_update", p, g,
         [("square_avg", square_avg), ("grad_avg", grad_avg), ("momentum_buffer", momentum_buffer)],
         [lr, alpha, 1.0 - alpha, eps, weight_decay, momentum], [centered, maximize])


def adam_update(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, beta1=0.9, beta2=0.999, eps=1e-8,
                weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False):
    """Adam (``decoupled=False``: L2 added to the gradient) or AdamW (``decoupled=True``: ``p *= 1 - lr * wd``)
    step number ``step`` (1-based) in place; ``max_exp_avg_sq`` may be empty without amsgrad."""
    bc1 = 1.0 - beta1 ** step
    bc2 = 1.0 - beta2 ** step
    decay_scale = 1.0 - lr * weight_decay if decoupled else 1.0
    wd = 0.0 if decoupled else weight_decay
    _run("adam_update", "adam_update", p, g,
         [("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq), ("max_exp_avg_sq", max_exp_avg_sq)],
         [beta1, 1.0 - beta1, beta2, 1.0 - beta2, lr / bc1, bc2 ** 0.5, eps, wd, decay_scale], [amsgrad, maximize])
