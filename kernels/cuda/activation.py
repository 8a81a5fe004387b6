"""CUDA twin of ``kernels.cpu.activation``: the same ``forward`` / ``backward`` entry points and formulas.

One thread per element; the channel of element ``t`` is ``(t // B) % C`` (``B = 1`` for the channel-last
``rc`` layout).  The activation code is a kernel argument (uniform across a warp, so the branch chain
costs little).  Backward writes ``gx`` and, when parameter gradients are asked for, the per-element
terms of the bias and PReLU-slope sums in full-size arrays, which the caller reduces (CuPy's reductions
are deterministic) — no atomics.
"""
import math

from numba import cuda

from kernels._act_codes import (
    ABS, ELU, HARD_THRESHOLD, LEAKY_RELU, LOG_SIGMOID, MISH, PRELU, RELU, SIGMOID, SILU, SINC, SOFTPLUS,
    SOFTSIGN, TANH,
)
from kernels.cuda._launch import launch


@cuda.jit(device=True)
def _sigmoid(z, one):
    e = math.exp(-abs(z))
    d = one + e
    return one / d if z >= 0 else e / d


@cuda.jit(device=True)
def _softplus(z, one):
    zero = one - one
    return max(z, zero) + math.log1p(math.exp(-abs(z)))


@cuda.jit(device=True)
def _act(op, z, a, b, one):
    zero = one - one
    if op == RELU:
        return zero if z <= zero else z
    if op == LEAKY_RELU or op == PRELU:
        return z * a if z <= zero else z
    if op == SIGMOID:
        return _sigmoid(z, one)
    if op == TANH:
        return math.tanh(z)
    if op == SILU:
        return z * _sigmoid(z, one)
    if op == ELU:
        return z if z > zero else a * math.expm1(z)
    if op == MISH:
        return z * math.tanh(_softplus(z, one))
    if op == SOFTPLUS:
        bz = z * a
        return z if bz > b else _softplus(bz, one) / a
    if op == SOFTSIGN:
        return z / (one + abs(z))
    if op == LOG_SIGMOID:
        return min(z, zero) - math.log1p(math.exp(-abs(z)))
    if op == SINC:
        return one if z == zero else math.sin(z) / z
    if op == HARD_THRESHOLD:
        return one if z >= a else zero
    if op == ABS:
        return abs(z)
    return z


@cuda.jit(device=True)
def _dact(op, z, y, a, b, one):
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
        s = _sigmoid(z, one)
        return s * (one + z * (one - s))
    if op == ELU:
        return one if z > zero else y + a
    if op == MISH:
        t = math.tanh(_softplus(z, one))
        return t + z * _sigmoid(z, one) * (one - t * t)
    if op == SOFTPLUS:
        bz = z * a
        return one if bz > b else _sigmoid(bz, one)
    if op == SOFTSIGN:
        d = one + abs(z)
        return one / (d * d)
    if op == LOG_SIGMOID:
        return _sigmoid(-z, one)
    if op == SINC:
        if abs(z) < 0.1:
            z2 = z * z
            return z * (-one / 3 + z2 * (one / 30 + z2 * (-one / 840 + z2 * (one / 45360))))
        return (math.cos(z) - math.sin(z) / z) / z
    if op == HARD_THRESHOLD:
        return zero
    if op == ABS:
        return one if z > zero else (-one if z < zero else zero)
    return one


@cuda.jit(cache=True)
def _fwd(x, bias, weight, y, op, a, b, one, C, B):
    for t in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        c = (t // B) % C
        ac = weight[c] if op == PRELU else a
        y[t] = _act(op, x[t] + bias[c], ac, b, one)


@cuda.jit(cache=True)
def _bwd(gy, x, y, bias, weight, gx, part_b, part_w, op, a, b, one, C, B, sums):
    for t in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        c = (t // B) % C
        ac = weight[c] if op == PRELU else a
        z = x[t] + bias[c]
        g = gy[t] * _dact(op, z, y[t], ac, b, one)
        gx[t] = g
        if sums:
            part_b[t] = g
            part_w[t] = gy[t] * z if z <= 0 else g * 0


def _cb(shape):
    if len(shape) == 3:
        return shape[1], shape[2]
    return shape[1], 1


def forward(layout, op, x, bias, weight, y, a, b):
    C, B = _cb(x.shape)
    one = x.dtype.type(1)
    launch(_fwd, x.size, x, x.reshape(-1), bias, weight, y.reshape(-1), op, x.dtype.type(a), x.dtype.type(b), one, C, B)


def backward(layout, op, gy, x, y, bias, weight, gx, a, b, sums):
    """Per-element terms for the bias and slope sums (shaped like ``x``) when ``sums``, else (None, None)."""
    C, B = _cb(x.shape)
    one = x.dtype.type(1)
    if sums:
        part_b = _empty_like(x)
        part_w = _empty_like(x)
    else:
        part_b = part_w = x.reshape(-1)[:1]
    launch(_bwd, x.size, x, gy.reshape(-1), x.reshape(-1), y.reshape(-1), bias, weight, gx.reshape(-1),
           part_b.reshape(-1), part_w.reshape(-1), op, x.dtype.type(a), x.dtype.type(b), one, C, B, bool(sums))
    return (part_b, part_w) if sums else (None, None)


def _empty_like(x):
    import kernels

    return kernels.array_module(x).empty_like(x)
