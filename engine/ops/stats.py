"""``var_mean`` and ``std_mean`` (torch): the mean and the spread over ``dim`` in one call, with
``correction`` (1 by default: Bessel's; ``unbiased=False`` means 0) and ``keepdim``.

Written directly on Sum (not on ``var``) so that they do not depend on another op's conventions;
a spread over ``N - correction <= 0`` elements is ``nan``/``inf`` as in torch, not an error.
"""
from __future__ import annotations

import numpy as np

from ._util import normalize_axes, operand
from .reduce import Sum


def _moments(name, input, dim, unbiased, keepdim, correction):  # noqa: A002
    x = operand(input)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: expected a floating tensor, got {x.dtype}")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_axes(dim, x.ndim)
    n = int(np.prod([x.shape[a] for a in axes])) if x.ndim else 1
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_n = np.float64(1.0) / n if n else np.float64(np.nan)
        inv_dof = np.float64(1.0) / (n - correction) if n - correction > 0 else np.float64(np.inf if n else np.nan)
    mean_keep = Sum.apply(x, axes, True) * float(inv_n)
    d = x - mean_keep
    var = Sum.apply(d * d, axes, bool(keepdim)) * float(inv_dof)
    mean = mean_keep if keepdim else Sum.apply(x, axes, False) * float(inv_n)
    return var, mean


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """(variance, mean) over ``dim``."""
    return _moments("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """(standard deviation, mean) over ``dim``."""
    var, mean = _moments("std_mean", input, dim, unbiased, keepdim, correction)
    return var ** 0.5, mean
