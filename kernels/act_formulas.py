"""Scalar activation formulas, written once and compiled for both kernel twins.

Each activation has three formulas, plain Python:

- ``<name>(z, a, b, one)``: the value at ``z`` (``a``, ``b``: the activation's two scalar parameters, see
  ``kernels.act_spec``; ``one``: 1 in the array's dtype, so float32 stays float32);
- ``d_<name>(z, y, a, b, one)``: the derivative, given ``z`` and the value ``y`` (sigmoid, tanh and ELU
  read ``y``; the others ignore it);
- ``dd_<name>(z, a, b, m)``: the second derivative, vectorised over the namespace ``m`` (``exp``, ``tanh``,
  ``sigmoid``, ``sin``, ``cos``, ``erf``, ``abs``, ``where``): the engine passes itself, so the second
  derivative is built from differentiable ops (double backward); ``None`` in the spec where it is 0.

The scalar formulas call the primitives ``exp``, ``expm1``, ``log1p01`` (log(1 + u) for u in [0, 1]),
``sincos``, ``tanh`` and ``erf``, which are not defined here: :func:`compile_formulas` binds them per target
(the CPU twin binds the vectorisable float32 versions of ``kernels.cpu._fastmath``, the CUDA twin
``math``'s) and compiles every function of this module with that target's ``jit``.  Numerically stable
forms throughout: sigmoid and softplus never exponentiate a large positive number; sinc switches to a
Taylor series near 0.  Typed constants come from :func:`const` (``one * hi + one * lo``: a float32 pair
that gives the float32 value in float32 and about 1e-15 relative accuracy in float64).
"""
import math
import types

import numpy as np


def _split(v):
    hi = np.float32(v)
    return hi, np.float32(v - float(hi))


SQRT_HALF = _split(math.sqrt(0.5))
INV_SQRT_2PI = _split(1.0 / math.sqrt(2.0 * math.pi))
SQRT_2_OVER_PI = _split(math.sqrt(2.0 / math.pi))
GELU_KAPPA = _split(0.044715)


def const(c, one):
    return one * c[0] + one * c[1]


def sigmoid_of(z, one):
    e = exp(-abs(z))  # noqa: F821  (a primitive, bound per target)
    d = one + e
    return one / d if z >= 0 else e / d


def softplus_of(z, one):
    """log(1 + exp(z)) without overflow."""
    zero = one - one
    return max(z, zero) + log1p01(exp(-abs(z)))  # noqa: F821


def tanh_softplus(z, one):
    """tanh(log(1 + e^z)) = n (n + 2) / (n (n + 2) + 2) with n = e^z: one exp, no log (Mish)."""
    n = exp(min(z, one * np.float32(20)))  # noqa: F821
    m = n * (n + one + one)
    return m / (m + one + one)


# ---- the activations: value, derivative ---------------------------------------------------------
def identity(z, a, b, one):
    return z


def d_identity(z, y, a, b, one):
    return one


def relu(z, a, b, one):
    zero = one - one
    return zero if z <= zero else z


def d_relu(z, y, a, b, one):
    zero = one - one
    return one if z > zero else zero


def leaky_relu(z, a, b, one):
    return z * a if z <= one - one else z


def d_leaky_relu(z, y, a, b, one):
    return one if z > one - one else a


def elu(z, a, b, one):
    return z if z > one - one else a * expm1(z)  # noqa: F821


def d_elu(z, y, a, b, one):
    return one if z > one - one else y + a


def dd_elu(z, a, b, m):
    return m.where(z > 0, 0.0, m.exp(z) * a)


def silu(z, a, b, one):
    return z * sigmoid_of(z, one)


def d_silu(z, y, a, b, one):
    s = sigmoid_of(z, one)
    return s * (one + z * (one - s))


def dd_silu(z, a, b, m):
    s = m.sigmoid(z)
    return s * (1.0 - s) * (2.0 + z * (1.0 - 2.0 * s))


def mish(z, a, b, one):
    return z * tanh_softplus(z, one)


def d_mish(z, y, a, b, one):
    t = tanh_softplus(z, one)
    return t + z * sigmoid_of(z, one) * (one - t * t)


def dd_mish(z, a, b, m):
    s = m.sigmoid(z)
    t = m.tanh(m.softplus(z))
    return (1.0 - t * t) * s * (2.0 + z * (1.0 - s) - 2.0 * z * t * s)


def softplus(z, a, b, one):
    bz = z * a
    return z if bz > b else softplus_of(bz, one) / a


def d_softplus(z, y, a, b, one):
    bz = z * a
    return one if bz > b else sigmoid_of(bz, one)


def dd_softplus(z, a, b, m):
    s = m.sigmoid(z * a)
    return m.where(z * a > b, 0.0, s * (1.0 - s) * a)


def softsign(z, a, b, one):
    return z / (one + abs(z))


def d_softsign(z, y, a, b, one):
    d = one + abs(z)
    return one / (d * d)


def dd_softsign(z, a, b, m):
    d = m.abs(z) + 1.0
    return m.where(z > 0, -2.0, 2.0) / (d * d * d)


def sigmoid(z, a, b, one):
    return sigmoid_of(z, one)


def d_sigmoid(z, y, a, b, one):
    return y * (one - y)


def dd_sigmoid(z, a, b, m):
    s = m.sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def tanh_act(z, a, b, one):
    return tanh(z, one)  # noqa: F821


def d_tanh_act(z, y, a, b, one):
    return one - y * y


def dd_tanh_act(z, a, b, m):
    t = m.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def log_sigmoid(z, a, b, one):
    return min(z, one - one) - log1p01(exp(-abs(z)))  # noqa: F821


def d_log_sigmoid(z, y, a, b, one):
    return sigmoid_of(-z, one)


def dd_log_sigmoid(z, a, b, m):
    s = m.sigmoid(z)
    return s * (s - 1.0)


def sinc(z, a, b, one):
    return one if z == one - one else sincos(z)[0] / z  # noqa: F821


def d_sinc(z, y, a, b, one):
    if abs(z) < np.float32(0.1):
        z2 = z * z
        return z * (-one / np.float32(3) + z2 * (one / np.float32(30) + z2 * (-one / np.float32(840)
                                                                             + z2 * (one / np.float32(45360)))))
    sn, cs = sincos(z)  # noqa: F821
    return (cs - sn / z) / z


def dd_sinc(z, a, b, m):
    small = m.abs(z) < 0.1
    z2 = z * z
    series = -1.0 / 3.0 + z2 * (1.0 / 10.0 + z2 * (-1.0 / 168.0 + z2 * (1.0 / 6480.0)))
    zs = m.where(small, 1.0, z)
    exact = ((2.0 - zs * zs) * m.sin(zs) - 2.0 * zs * m.cos(zs)) / (zs * zs * zs)
    return m.where(small, series, exact)


def hard_threshold(z, a, b, one):
    return one if z >= a else one - one


def d_hard_threshold(z, y, a, b, one):
    return one - one


def abs_rectifier(z, a, b, one):
    return abs(z)


def d_abs_rectifier(z, y, a, b, one):
    zero = one - one
    return one if z > zero else (-one if z < zero else zero)


def gelu(z, a, b, one):
    """x * Phi(x) (``a`` = 0: approximate='none', through erf) or torch's tanh form (``a`` = 1)."""
    half = one / (one + one)
    if a == one - one:
        return half * z * (one + erf(z * const(SQRT_HALF, one)))  # noqa: F821
    u = const(SQRT_2_OVER_PI, one) * (z + const(GELU_KAPPA, one) * z * z * z)
    return half * z * (one + tanh(u, one))  # noqa: F821


def d_gelu(z, y, a, b, one):
    half = one / (one + one)
    if a == one - one:
        phi = exp(-half * z * z) * const(INV_SQRT_2PI, one)  # noqa: F821  (the normal density)
        return half * (one + erf(z * const(SQRT_HALF, one))) + z * phi  # noqa: F821
    k, c = const(SQRT_2_OVER_PI, one), const(GELU_KAPPA, one)
    t = tanh(k * (z + c * z * z * z), one)  # noqa: F821
    return half * (one + t) + half * z * (one - t * t) * k * (one + (one + one + one) * c * z * z)


def dd_gelu(z, a, b, m):
    if a == 0:
        return m.exp(z * z * -0.5) * (1.0 / math.sqrt(2.0 * math.pi)) * (2.0 - z * z)
    k, c = math.sqrt(2.0 / math.pi), 0.044715
    t = m.tanh((z + z * z * z * c) * k)
    du = (1.0 + z * z * (3.0 * c)) * k
    return (1.0 - t * t) * (du + z * 0.5 * (z * (6.0 * c * k) - 2.0 * t * du * du))


FORMULAS = [
    const, sigmoid_of, softplus_of, tanh_softplus,
    identity, d_identity, relu, d_relu, leaky_relu, d_leaky_relu, elu, d_elu, silu, d_silu, mish, d_mish,
    softplus, d_softplus, softsign, d_softsign, sigmoid, d_sigmoid, tanh_act, d_tanh_act, log_sigmoid,
    d_log_sigmoid, sinc, d_sinc, hard_threshold, d_hard_threshold, abs_rectifier, d_abs_rectifier, gelu, d_gelu,
]


def compile_formulas(jit, primitives: dict) -> dict:
    """Every scalar formula of this module compiled with ``jit``, its primitives bound to ``primitives``.

    Each function is re-created over one shared globals dict (this module's, plus the primitives, plus
    the compiled functions themselves), so a formula's calls to ``exp`` or ``sigmoid_of`` resolve, at
    compile time, to the target's versions.  Returns ``{name: compiled function}``.
    """
    ns = dict(globals())
    ns.update(primitives)
    out = {}
    for f in FORMULAS:
        g = types.FunctionType(f.__code__, ns, f.__name__, f.__defaults__, f.__closure__)
        g.__qualname__ = f.__qualname__
        g.__module__ = f.__module__
        out[f.__name__] = ns[f.__name__] = jit(g)
    return out


def specialise(template, jit, kernel_name, **constants):
    """``template`` (a kernel written over the free globals named in ``constants``, e.g. ``F`` the formula and
    ``SLOPE``) compiled with ``jit`` as ``kernel_name`` with those globals bound.

    Binding globals instead of closing over the formula keeps Numba's disk cache working (a closure over a
    compiled function gets a new cache key in every process); the name carries :data:`SOURCE_HASH`, so a
    changed formula never loads a stale cached kernel.
    """
    ns = dict(template.__globals__)
    ns.update(constants)
    g = types.FunctionType(template.__code__, ns, template.__name__, template.__defaults__, template.__closure__)
    g.__qualname__ = f"{kernel_name}_{SOURCE_HASH}"
    g.__module__ = template.__module__
    return jit(g)


def _source_hash():
    import hashlib
    import pathlib

    here = pathlib.Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in ("act_formulas.py", "act_spec.py", "cpu/_fastmath.py"):
        h.update((here / f).read_bytes())
    return h.hexdigest()[:10]


SOURCE_HASH = _source_hash()
