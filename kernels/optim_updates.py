"""Dispatch for the fused optimiser updates: NumPy arrays go to ``kernels.cpu.optim_updates`` (Numba
``@njit``), CuPy arrays (and the simulated device's) to ``kernels.cuda.optim_updates`` (Numba ``@cuda.jit``).

Two steps, so that per-parameter work stays small (networks have dozens of small parameters and each
call's Python overhead counts):

1. once per param group and step, ``*_hparams(dtype, ...)`` packs the hyperparameters into a small host
   array of the parameter dtype, with derived constants (``1 - beta``, bias corrections, AdamW's
   ``1 - lr * wd``) computed here in float64 and rounded once; ``flags(...)`` builds the option bitmask;
2. per parameter, ``*_update(p, g, state..., hp, flags)`` checks shapes, dtypes and devices, flattens to
   1-D views and runs one fused pass in place.

float32 parameters are updated in float32 arithmetic, float64 in float64; a gradient of another float
dtype is cast.  A parameter that is not C-contiguous is updated through a contiguous copy written back,
so the update always lands in ``p`` itself; state arrays must be C-contiguous (the optimisers allocate
them so).  State a configuration does not use (no momentum, no amsgrad) is passed as an empty array.
The CUDA module is imported only when a CuPy array arrives, so this file imports cleanly without a GPU.
"""
import importlib

import numpy as np

import kernels
from kernels.cpu.optim_updates import AMSGRAD, CENTERED, FIRST, MAXIMIZE, NESTEROV

__all__ = [
    "sgd_update", "adagrad_update", "rmsprop_update", "adam_update",
    "sgd_hparams", "adagrad_hparams", "rmsprop_hparams", "adam_hparams",
    "MAXIMIZE", "NESTEROV", "FIRST", "CENTERED", "AMSGRAD", "SUPPORTED_DTYPES",
]

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_twins = {}


def _twin(a):
    t = type(a)
    mod = _twins.get(t)
    if mod is None:
        on_gpu = kernels._on_gpu(a)
        mod = _twins[t] = importlib.import_module(f"kernels.{'cuda' if on_gpu else 'cpu'}.optim_updates")
    return mod


def _pack(op, dtype, values):
    dtype = np.dtype(dtype)
    if dtype not in SUPPORTED_DTYPES:
        raise TypeError(f"{op}: parameters of dtype {dtype} are not supported (float32 or float64)")
    return np.array(values, dtype=dtype)


def sgd_hparams(dtype, *, lr, weight_decay=0.0, momentum=0.0, dampening=0.0):
    return _pack("sgd_update", dtype, [lr, weight_decay, momentum, 1.0 - dampening])


def adagrad_hparams(dtype, *, clr, weight_decay=0.0, eps=1e-10):
    return _pack("adagrad_update", dtype, [clr, weight_decay, eps])


def rmsprop_hparams(dtype, *, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0):
    return _pack("rmsprop_update", dtype, [lr, alpha, 1.0 - alpha, eps, weight_decay, momentum])


def adam_hparams(dtype, *, step, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    """Adam (``decoupled=False``: L2 added to the gradient) or AdamW (``decoupled=True``: ``p *= 1 - lr * wd``)
    at step number ``step`` (1-based), as PyTorch computes the bias corrections."""
    bc1 = 1.0 - beta1**step
    bc2 = 1.0 - beta2**step
    decay_scale = 1.0 - lr * weight_decay if decoupled else 1.0
    wd = 0.0 if decoupled else weight_decay
    return _pack("adam_update", dtype, [beta1, 1.0 - beta1, beta2, 1.0 - beta2, lr / bc1, bc2**0.5, eps, wd,
                                        decay_scale])


def _run(op, p, g, states, hp, flags):
    if hp.dtype != p.dtype:
        raise TypeError(f"{op}: hyperparameters packed for {hp.dtype}, the parameter is {p.dtype}")
    if type(g) is not type(p):
        raise TypeError(f"{op}: parameter ({type(p).__module__}) and gradient ({type(g).__module__}) live on "
                        "different devices")
    if g.shape != p.shape:
        raise ValueError(f"{op}: gradient shape {g.shape} does not match parameter shape {p.shape}")
    if g.dtype != p.dtype:
        g = g.astype(p.dtype)
    flat = []
    for name, s in states:
        if s.size:
            if s.dtype != p.dtype or s.shape != p.shape or not s.flags.c_contiguous:
                raise ValueError(f"{op}: state {name} must be a C-contiguous {p.dtype} array of shape {p.shape}, "
                                 f"got {s.dtype} {s.shape}")
            s = s.reshape(-1)
        flat.append(s)
    work = p if p.flags.c_contiguous else p.copy()
    gf = g.reshape(-1) if g.flags.c_contiguous else g.ravel()
    getattr(_twin(p), op)(work.reshape(-1), gf, *flat, hp, int(flags))
    if work is not p:
        p[...] = work


def sgd_update(p, g, buf, hp, flags=0):
    """SGD step in place on ``p`` and the momentum buffer ``buf`` (flags: MAXIMIZE, NESTEROV, FIRST)."""
    _run("sgd_update", p, g, (("momentum_buffer", buf),), hp, flags)


def adagrad_update(p, g, state_sum, hp, flags=0):
    """Adagrad step in place on ``p`` and ``state_sum`` (flags: MAXIMIZE)."""
    _run("adagrad_update", p, g, (("sum", state_sum),), hp, flags)


def rmsprop_update(p, g, square_avg, grad_avg, momentum_buffer, hp, flags=0):
    """RMSprop step in place (flags: MAXIMIZE, CENTERED)."""
    _run("rmsprop_update", p, g,
         (("square_avg", square_avg), ("grad_avg", grad_avg), ("momentum_buffer", momentum_buffer)), hp, flags)


def adam_update(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, hp, flags=0):
    """Adam / AdamW step in place (flags: MAXIMIZE, AMSGRAD)."""
    _run("adam_update", p, g,
         (("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq), ("max_exp_avg_sq", max_exp_avg_sq)), hp, flags)
