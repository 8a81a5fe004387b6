"""The fused optimiser updates' host side: the option bits and the packing of hyperparameters.

The updates themselves are ``kernels.sgd_update(p, grads, buf, hp, flags)``, ``adagrad_update(p, grads,
sum, hp, flags)``, ``rmsprop_update(p, grads, square_avg, grad_avg, momentum_buffer, hp, flags)`` and
``adam_update(p, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, hp, flags)``, dispatched by
``kernels/__init__.py`` to the Numba ``@njit`` twin in ``kernels/cpu/optim_updates.py`` or the Numba CUDA
twin in ``kernels/cuda/optim_updates.py``.  Their contract, which the caller (``optim/fused.py``)
guarantees and nothing here re-checks:

- ``p`` and each used state array are 1-D C-contiguous arrays of one length, of the parameter's dtype
  (float32 or float64) and on its device: the flat per-group buffers of ``optim/_flat.py``, or slices;
- ``grads`` is a list of 1-D C-contiguous gradient arrays of that dtype and device whose sizes add up to
  ``p``'s, in order (one per parameter: the CPU twin reads them where they lie, the CUDA twin
  concatenates them, once, before its single launch);
- a state array the configuration does not use (no momentum, no amsgrad) is a 0-element placeholder of
  the same dtype and device; the kernels never touch it;
- ``hp`` is a small host array in the parameter's dtype, built once per group and step by the
  ``*_hparams`` functions below (derived constants such as ``1 - beta``, the bias corrections and AdamW's
  ``1 - lr * wd`` computed in float64 and rounded once); ``flags`` the option bitmask.

float32 parameters are updated in float32 arithmetic, float64 in float64 (as PyTorch does).
"""
import numpy as np

__all__ = ["sgd_hparams", "adagrad_hparams", "rmsprop_hparams", "adam_hparams",
           "MAXIMIZE", "NESTEROV", "FIRST", "CENTERED", "AMSGRAD", "SUPPORTED_DTYPES"]

MAXIMIZE = 1
NESTEROV = 2  # sgd
FIRST = 4  # sgd: the momentum buffer is initialised with this step's direction
CENTERED = 2  # rmsprop
AMSGRAD = 2  # adam

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _pack(dtype, values):
    return np.array(values, dtype=dtype)


def sgd_hparams(dtype, *, lr, weight_decay=0.0, momentum=0.0, dampening=0.0):
    return _pack(dtype, [lr, weight_decay, momentum, 1.0 - dampening])


def adagrad_hparams(dtype, *, clr, weight_decay=0.0, eps=1e-10):
    return _pack(dtype, [clr, weight_decay, eps])


def rmsprop_hparams(dtype, *, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0):
    return _pack(dtype, [lr, alpha, 1.0 - alpha, eps, weight_decay, momentum])


def adam_hparams(dtype, *, step, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    """Adam (``decoupled=False``: L2 added to the gradient) or AdamW (``decoupled=True``: ``p *= 1 - lr * wd``)
    at step number ``step`` (1-based), as PyTorch computes the bias corrections."""
    bc1 = 1.0 - beta1**step
    bc2 = 1.0 - beta2**step
    decay_scale = 1.0 - lr * weight_decay if decoupled else 1.0
    wd = 0.0 if decoupled else weight_decay
    return _pack(dtype, [beta1, 1.0 - beta1, beta2, 1.0 - beta2, lr / bc1, bc2**0.5, eps, wd, decay_scale])
