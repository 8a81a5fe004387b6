"""The vectorisable float32 math of ``kernels/cpu/_fastmath.py`` against float64 NumPy, over wide ranges
(including huge, tiny, zero, infinite and NaN arguments), and float64 staying exact libm."""
import math

import numpy as np
from numba import njit

from kernels.cpu._fastmath import ferf, fexp, fexpm1, flog1p01, fsincos


@njit
def _apply(x):
    e, em1, s, c = np.empty_like(x), np.empty_like(x), np.empty_like(x), np.empty_like(x)
    for i in range(x.shape[0]):
        e[i] = fexp(x[i])
        em1[i] = fexpm1(x[i])
        s[i], c[i] = fsincos(x[i])
    return e, em1, s, c


@njit
def _log1p(u):
    out = np.empty_like(u)
    for i in range(u.shape[0]):
        out[i] = flog1p01(u[i])
    return out


def _ulp_err(got, ref):
    """Error in units of the float32 spacing at the reference (floored at the spacing of 1e-30)."""
    spacing = np.spacing(np.maximum(np.abs(ref), 1e-30).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref) / spacing


def test_sin_cos_float32_accuracy_over_a_wide_range():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-10, 10, 200_000), rng.uniform(-1e4, 1e4, 100_000),
                        np.linspace(-np.pi, np.pi, 1001), np.arange(-64, 65) * (np.pi / 4)]).astype(np.float32)
    _, _, s, c = _apply(x)
    x64 = x.astype(np.float64)
    assert np.abs(s - np.sin(x64)).max() < 2.5e-7
    assert np.abs(c - np.cos(x64)).max() < 2.5e-7
    big = np.array([1e6, -3.3e7, 123456.7, 1e9], np.float32)
    _, _, s, c = _apply(big)
    assert np.abs(s - np.sin(big.astype(np.float64))).max() < 1e-6
    assert np.abs(c - np.cos(big.astype(np.float64))).max() < 1e-6


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 100.0, -100.0, 1e-30], np.float32)
    e, em1, s, c = _apply(x)
    assert e[0] == 1 and e[2] == np.inf and e[3] == 0 and np.isnan(e[4])
    assert em1[0] == 0 and em1[3] == -1 and em1[7] == np.float32(1e-30)
    assert s[0] == 0 and c[0] == 1 and np.isnan(s[2]) and np.isnan(c[3]) and np.isnan(s[4])
    assert e[5] == np.inf and e[6] == 0


def test_exp_expm1_log1p_float32_ulps():
    x = np.linspace(-87, 88, 400_001).astype(np.float32)
    e, em1, _, _ = _apply(x)
    x64 = x.astype(np.float64)
    assert _ulp_err(e, np.exp(x64)).max() <= 3
    assert np.abs(em1 - np.expm1(x64)).max() / 1 < 1e-6 * np.maximum(1, np.abs(np.expm1(x64))).max()
    small = np.linspace(-0.35, 0.35, 10_001).astype(np.float32)
    assert _ulp_err(_apply(small)[1], np.expm1(small.astype(np.float64))).max() <= 3
    u = np.linspace(0, 1, 100_001).astype(np.float32)
    assert _ulp_err(_log1p(u), np.log1p(u.astype(np.float64))).max() <= 3


def test_float64_is_libm():
    x = np.array([0.3, -2.5, 40.0, 700.0])
    e, em1, s, c = _apply(x)
    for i, v in enumerate(x.tolist()):
        assert (e[i], em1[i], s[i], c[i]) == (math.exp(v), math.expm1(v), math.sin(v), math.cos(v))


def test_erf_float32_is_accurate():
    @njit
    def run(x, y):
        for i in range(x.size):
            y[i] = ferf(x[i])

    x = np.concatenate([np.linspace(-6, 6, 20001), [1e-30, 1e-6, -1e-4, 0.4999, 0.5, 0.5001, 3.99, 4.0, 4.01,
                                                     0.0]]).astype(np.float32)
    y = np.empty_like(x)
    run(x, y)
    ref = np.array([math.erf(float(v)) for v in x])
    np.testing.assert_allclose(y, ref, rtol=5e-7, atol=0)  # relative, down to tiny arguments
    assert y[-1] == 0.0 and np.all(np.abs(y) <= 1.0)
    special = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30], np.float32)
    out = np.empty_like(special)
    run(special, out)
    assert np.isnan(out[0]) and list(out[1:]) == [1.0, -1.0, 1.0, -1.0]
