"""Vectorisable float32 ``exp``, ``expm1``, ``log1p``, ``sin``/``cos`` and ``erf`` for the activation loops
(CPU, Numba).

Numba calls libm's scalar ``expf`` / ``log1pf`` / ``sinf`` once per element (no SVML here), which made
exp-based activations 3-6x slower than NumPy's SIMD ufuncs (sinc 9x).  These are branch-free polynomial
versions (Cephes-style range reduction; the power of two is built from bits through an LLVM bitcast)
that LLVM vectorises; max error about 2 ulp on float32 (``erf``: a rational fit, 4.2e-7 relative; libm's ``erff`` cost 10x
more).  For float64 they are plain ``math.exp`` / ``math.expm1`` / ``math.log1p`` / ``math.sin`` /
``math.erf`` (chosen at compile time by ``@overload``), so float64 gradchecks keep full precision.
"""
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload


@intrinsic
def _bits_to_f32(typingctx, i):
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


def fexp(z):
    """exp(z)."""
    return math.exp(z)


def fexpm1(z):
    """exp(z) - 1, accurate near 0."""
    return math.expm1(z)


def flog1p01(z):
    """log(1 + z) for z in [0, 1] (the softplus tail)."""
    return math.log1p(z)


def fsincos(z):
    """(sin(z), cos(z))."""
    return math.sin(z), math.cos(z)


def ferf(z):
    """erf(z)."""
    return math.erf(z)


@njit(inline="always", error_model="numpy")
def _horner(x, coeffs):
    """``coeffs[0] x^n + ... + coeffs[n]`` (a constant tuple: the loop unrolls)."""
    p = coeffs[0]
    for i in range(1, len(coeffs)):
        p = p * x + coeffs[i]
    return p


def _f32s(*values):
    return tuple(np.float32(v) for v in values)


_EXPM1_TAYLOR = _f32s(1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1.0)  # (e^z - 1) / z near 0
_ATANH_SERIES = _f32s(1 / 15, 1 / 13, 1 / 11, 1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0)  # atanh(s) / s in s^2
_ERF_P = _f32s(2.0015992265e-06, 2.8280881164e-04, 3.8024839003e-03, 5.2849716103e-02, 1.9165160101e-01,
               1.1283791597e+00)  # erf(z) = z P(z^2) / Q(z^2), |z| <= 4
_ERF_Q = _f32s(3.7483029254e-05, 1.1661407593e-03, 1.5044282543e-02, 1.1456604825e-01, 5.0317971175e-01, 1.0)
_EXP_POLY = _f32s(1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
                  5.0000001201e-1)  # Cephes expf on [-ln2/2, ln2/2]
_SIN_POLY = _f32s(-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)  # Cephes sinf on [-pi/4, pi/4]
_COS_POLY = _f32s(2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)  # Cephes cosf


def _is_f32(t):
    return isinstance(t, types.Float) and t.bitwidth == 32


def _float32_version(fn, exact):
    """Register the decorated function as ``fn``'s implementation for float32 (``@overload``, chosen at
    compile time); every other type gets ``exact`` (libm through ``math``)."""

    def register(impl):
        overload(fn)(lambda z: impl if _is_f32(z) else exact)
        return impl

    return register


@_float32_version(fexp, lambda z: math.exp(z))
def _fexp32(z):
    zc = min(max(z, np.float32(-87.33654)), np.float32(88.72284))
    n = np.floor(zc * np.float32(1.44269504) + np.float32(0.5))
    r = zc - n * np.float32(0.693359375) + n * np.float32(2.12194440e-4)
    y = _horner(r, _EXP_POLY) * r * r + r + np.float32(1.0)
    y = y * _bits_to_f32((np.int32(n) + np.int32(127)) << np.int32(23))
    y = np.float32(0.0) if z < np.float32(-87.33654) else y
    y = np.float32(np.inf) if z > np.float32(88.72284) else y
    return y if z == z else z


@_float32_version(fexpm1, lambda z: math.expm1(z))
def _fexpm1_32(z):
    # Taylor series near 0 (no cancellation), exp - 1 elsewhere
    small = _horner(z, _EXPM1_TAYLOR) * z
    return small if abs(z) < np.float32(0.35) else fexp(z) - np.float32(1.0)


@_float32_version(flog1p01, lambda z: math.log1p(z))
def _flog1p01_32(z):
    # log(1 + z) = 2 atanh(s), s = z / (2 + z) in [0, 1/3]
    s = z / (np.float32(2.0) + z)
    return np.float32(2.0) * s * _horner(s * s, _ATANH_SERIES)


@_float32_version(fsincos, lambda z: (math.sin(z), math.cos(z)))
def _fsincos32(z):
    # reduce by pi/2 in float64 (two-constant Cody-Waite: exact quadrant, r good to float32 far past
    # |z| = 1e6; beyond 2^53 / (2/pi) the quadrant is lost, where |sin z / z| < 1e-15 anyway), then
    # Cephes' float32 minimax polynomials on [-pi/4, pi/4]
    zd = np.float64(z)
    n = np.floor(zd * 0.6366197723675814 + 0.5)
    r = np.float32((zd - n * 1.5707963267948966) - n * 6.123233995736766e-17)
    q = n - 4.0 * np.floor(n * 0.25)  # quadrant 0..3
    r2 = r * r
    s = _horner(r2, _SIN_POLY) * r2 * r + r
    c = _horner(r2, _COS_POLY) * r2 * r2 - np.float32(0.5) * r2 + np.float32(1.0)
    odd = q == 1.0 or q == 3.0
    sv = c if odd else s
    cv = s if odd else c
    sv = -sv if q >= 2.0 else sv
    cv = -cv if (q == 1.0 or q == 2.0) else cv
    return sv, cv


@_float32_version(ferf, lambda z: math.erf(z))
def _ferf32(z):
    # erf(z) = z P(z^2) / Q(z^2) on |z| <= 4 (beyond, erf rounds to +-1 in float32): a (5, 5) rational fitted
    # here for relative error 3e-8 in float64 (3.5e-7 absolute after float32 rounding); no exp and no branch
    # between formulas, so the loop vectorises (the Taylor + Abramowitz-Stegun pair it replaced cost one exp
    # and both formulas per element: gelu's float32 forward on 2^22 values went 8.9 -> 3.8 ms, one thread)
    a = min(max(z, np.float32(-4.0)), np.float32(4.0))
    t = a * a
    r = a * _horner(t, _ERF_P) / _horner(t, _ERF_Q)
    return min(max(r, np.float32(-1.0)), np.float32(1.0))
