"""erf and its inverse on the host, exact to double precision without SciPy: ``math.erf`` per element,
and the inverse from Giles' single-precision approximation refined by Newton steps on ``math.erf``.
Arrays on a GPU are copied to the host and back (these are not hot-path ops).
"""
from __future__ import annotations

import math as _m

import numpy as np

from ..backend import device_of, get_array_module, to_device, to_numpy


def erf_host(x):
    xp_ = get_array_module(x)
    out = np.asarray(np.frompyfunc(_m.erf, 1, 1)(to_numpy(x)), dtype=np.float64)  # 0-d: a Python float
    return out if xp_ is np else to_device(out, device_of(x))


def erfinv_host(y):
    """Inverse erf: Giles' single-precision approximation, then Newton steps on ``math.erf``."""
    yn = to_numpy(y).astype(np.float64)
    w = -np.log(np.maximum((1.0 - yn) * (1.0 + yn), 1e-300))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(w) - 3.0
    p1 = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
          -0.00417768164, 0.246640727, 1.50140941]
    p2 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
          0.00943887047, 1.00167406, 2.83297682]
    a, b = np.full_like(yn, p1[0]), np.full_like(yn, p2[0])
    for c1, c2 in zip(p1[1:], p2[1:]):
        a, b = c1 + a * ws, c2 + b * wl
    x = np.where(small, a, b) * yn
    erf = np.frompyfunc(_m.erf, 1, 1)
    inner = np.abs(yn) < 1
    for _ in range(3):
        err = np.asarray(erf(x), dtype=np.float64) - yn
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = err / (2.0 / _m.sqrt(_m.pi) * np.exp(-x * x))
        x = np.where(inner, x - step, x)
    x = np.where(yn == 1, np.inf, np.where(yn == -1, -np.inf, x))
    x = np.where(np.abs(yn) > 1, np.nan, x)
    return x if get_array_module(y) is np else to_device(x, device_of(y))


