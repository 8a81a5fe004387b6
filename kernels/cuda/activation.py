"""CUDA twin of ``kernels.cpu.activation``: the same ``forward`` / ``backward`` entry points and formulas.

The formulas are ``kernels.act_formulas``' scalar functions, compiled here as CUDA device functions over
``math``'s primitives; one kernel per (activation, direction), made from one template with the activation's
compiled formula bound in (``specialise``: no activation code, no branch chain). One thread per element; the
channel of element ``t`` is ``(t // B) % C`` (``B = 1`` for the channel-last ``rc`` layout). Backward writes
``gx`` and, when parameter gradients are asked for, the per-element terms of the bias and PReLU-slope sums in
full-size arrays, which the caller reduces (CuPy's reductions are deterministic) — no atomics.
"""
import math

from numba import cuda

from kernels.act_formulas import compile_formulas, specialise
from kernels.act_spec import spec
from kernels.cuda._launch import launch


@cuda.jit(device=True)
def _sincos(z):
    return math.sin(z), math.cos(z)


@cuda.jit(device=True)
def _tanh(z, one):
    return math.tanh(z)


FORMULAS = compile_formulas(cuda.jit(device=True), {"exp": math.exp, "expm1": math.expm1, "log1p01": math.log1p,
                                                    "sincos": _sincos, "tanh": _tanh, "erf": math.erf})


def _fwd(x, bias, weight, y, a, b, one, C, B):
    for t in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        c = (t // B) % C
        ac = weight[c] if SLOPE else a  # noqa: F821  (F, SLOPE: bound by specialise)
        y[t] = F(x[t] + bias[c], ac, b, one)  # noqa: F821


def _bwd(gy, x, y, bias, weight, gx, part_b, part_w, a, b, one, C, B, sums):
    for t in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        c = (t // B) % C
        ac = weight[c] if SLOPE else a  # noqa: F821
        z = x[t] + bias[c]
        g = gy[t] * F(z, y[t], ac, b, one)  # noqa: F821
        gx[t] = g
        if sums:
            part_b[t] = g
            part_w[t] = gy[t] * z if z <= 0 else g * 0


_cache = {}


def _kernel(direction, name):
    row = spec(name)
    key = (direction, row.name)
    k = _cache.get(key)
    if k is None:
        formula = row.formula or row.name
        f = FORMULAS[formula if direction == "fwd" else "d_" + formula]
        k = _cache[key] = specialise(_fwd if direction == "fwd" else _bwd, cuda.jit(cache=True),
                                     f"{direction}_{row.name}", F=f, SLOPE=row.slope_weight)
    return k


def _cb(shape):
    if len(shape) == 3:
        return shape[1], shape[2]
    return shape[1], 1


def forward(layout, name, x, bias, weight, y, a, b):
    C, B = _cb(x.shape)
    d = x.dtype.type
    launch(_kernel("fwd", name), x.size, x, x.reshape(-1), bias, weight, y.reshape(-1), d(a), d(b), d(1), C, B)


def backward(layout, name, gy, x, y, bias, weight, gx, a, b, sums):
    """Per-element terms for the bias and slope sums (shaped like ``x``) when ``sums``, else (None, None)."""
    C, B = _cb(x.shape)
    d = x.dtype.type
    if sums:
        part_b = _empty_like(x)
        part_w = _empty_like(x)
    else:
        part_b = part_w = x.reshape(-1)[:1]
    launch(_kernel("bwd", name), x.size, x, gy.reshape(-1), x.reshape(-1), y.reshape(-1), bias, weight,
           gx.reshape(-1), part_b.reshape(-1), part_w.reshape(-1), d(a), d(b), d(1), C, B, bool(sums))
    return (part_b, part_w) if sums else (None, None)


def _empty_like(x):
    import kernels

    return kernels.array_module(x).empty_like(x)
