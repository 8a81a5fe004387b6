"""Scalar activation formulas (value and derivative), shared by the CPU activation kernels.

Written once, inlined into the loops: ``act(op, z, a, b, one)`` and ``dact(op, z, a, b, one)``, with
``one`` of the array's dtype so float32 stays float32.  Numerically stable forms throughout
(sigmoid and softplus never exponentiate a large positive number; sinc and its derivative switch to a
Taylor series near 0).  Codes in ``kernels._act_codes``.
"""

import numpy as np
from numba import njit

from kernels.cpu._fastmath import fexp, fexpm1, flog1p01, fsincos
from kernels._act_codes import (
    ABS, ELU, HARD_THRESHOLD, IDENTITY, LEAKY_RELU, LOG_SIGMOID, MISH, PRELU, RELU, SIGMOID, SILU, SINC,
    SOFTPLUS, SOFTSIGN, TANH,
)


@njit(inline="always", error_model="numpy")
def sigmoid(z, one):
    e = fexp(-abs(z))
    d = one + e
    return one / d if z >= 0 else e / d


@njit(inline="always", error_model="numpy")
def tanh(z, one):
    """tanh through one exp (libm's scalar tanhf is ~7x slower than expf here)."""
    e = fexp(-(abs(z) + abs(z)))
    t = (one - e) / (one + e)
    return t if z >= 0 else -t


@njit(inline="always", error_model="numpy")
def softplus(z, one):
    """log(1 + exp(z)) without overflow."""
    zero = one - one
    return max(z, zero) + flog1p01(fexp(-abs(z)))


@njit(inline="always", error_model="numpy")
def _tanh_softplus(z, one):
    """tanh(log(1 + e^z)) = n (n + 2) / (n (n + 2) + 2) with n = e^z: one exp, no log (Mish)."""
    n = fexp(min(z, one * np.float32(20)))
    m = n * (n + one + one)
    return m / (m + one + one)


@njit(inline="always", error_model="numpy")
def act(op, z, a, b, one):
    zero = one - one
    if op == RELU:
        return zero if z <= zero else z
    if op == LEAKY_RELU or op == PRELU:
        return z * a if z <= zero else z
    if op == SIGMOID:
        return sigmoid(z, one)
    if op == TANH:
        return tanh(z, one)
    if op == SILU:
        return z * sigmoid(z, one)
    if op == ELU:
        return z if z > zero else a * fexpm1(z)
    if op == MISH:
        return z * _tanh_softplus(z, one)
    if op == SOFTPLUS:
        bz = z * a
        return z if bz > b else softplus(bz, one) / a
    if op == SOFTSIGN:
        return z / (one + abs(z))
    if op == LOG_SIGMOID:
        return min(z, zero) - flog1p01(fexp(-abs(z)))
    if op == SINC:
        return one if z == zero else fsincos(z)[0] / z
    if op == HARD_THRESHOLD:
        return one if z >= a else zero
    if op == ABS:
        return abs(z)
    return z  # IDENTITY


@njit(inline="always", error_model="numpy")
def dact(op, z, y, a, b, one):
    """d act / d z, given z and (for sigmoid, tanh and ELU, which read it) the output y = act(z)."""
    zero = one - one
    if op == RELU:
        return one if z > zero else zero
    if op == LEAKY_RELU or op == PRELU:
        return one if z > zero else a
    if op == SIGMOID:
        return y * (one - y)
    if op == TANH:
        return one - y * y
    if op == SILU:
        s = sigmoid(z, one)
        return s * (one + z * (one - s))
    if op == ELU:
        return one if z > zero else y + a
    if op == MISH:
        t = _tanh_softplus(z, one)
        return t + z * sigmoid(z, one) * (one - t * t)
    if op == SOFTPLUS:
        bz = z * a
        return one if bz > b else sigmoid(bz, one)
    if op == SOFTSIGN:
        d = one + abs(z)
        return one / (d * d)
    if op == LOG_SIGMOID:
        return sigmoid(-z, one)
    if op == SINC:
        if abs(z) < np.float32(0.1):
            z2 = z * z
            return z * (-one / np.float32(3) + z2 * (one / np.float32(30) + z2 * (-one / np.float32(840) + z2 * (one / np.float32(45360)))))
        sn, cs = fsincos(z)
        return (cs - sn / z) / z
    if op == HARD_THRESHOLD:
        return zero
    if op == ABS:
        return one if z > zero else (-one if z < zero else zero)
    return one  # IDENTITY
