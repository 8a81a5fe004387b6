"""HiGHS through ``scipy.optimize.milp``: the reference the exact methods are measured against.

SciPy is an optional extra (``pip install -e ".[solvers]"``); it is imported only here, only when
``method="milp"`` is asked for, and a missing SciPy is reported as an ImportError that says so.
"""
import numpy as np


def _scipy():
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy import sparse
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("method='milp' needs SciPy (pip install -e '.[solvers]')") from exc
    return milp, LinearConstraint, Bounds, sparse


def _options(time_limit):
    opts = {"mip_rel_gap": 0.0}
    if time_limit is not None:
        opts["time_limit"] = float(time_limit)
    return opts


def knapsack_milp(values, weights, capacity, time_limit=None):
    """Return ``(mask, optimal, upper_bound)`` for max values.x s.t. weights.x <= capacity."""
    milp, LinearConstraint, Bounds, _ = _scipy()
    n = values.shape[0]
    if n == 0:
        return np.zeros(0, bool), True, 0.0
    res = milp(-values.astype(float), constraints=LinearConstraint(weights.astype(float)[None, :], -np.inf, capacity),
               integrality=np.ones(n), bounds=Bounds(0, 1), options=_options(time_limit))
    if res.x is None:
        return np.zeros(n, bool), False, float(values.sum())
    mask = res.x > 0.5
    bound = -getattr(res, "mip_dual_bound", -values[mask].sum())
    return mask, res.status == 0, float(bound)


def set_cover_milp(matrix_csc, costs, time_limit=None):
    """Return ``(mask, optimal, lower_bound)`` for min costs.x s.t. A x >= 1; ``matrix_csc``:
    a scipy.sparse rows x columns 0/1 matrix."""
    milp, LinearConstraint, Bounds, _ = _scipy()
    n = costs.shape[0]
    res = milp(costs.astype(float), constraints=LinearConstraint(matrix_csc, 1, np.inf),
               integrality=np.ones(n), bounds=Bounds(0, 1), options=_options(time_limit))
    if res.x is None:
        return np.zeros(n, bool), False, 0.0
    mask = res.x > 0.5
    bound = getattr(res, "mip_dual_bound", costs[mask].sum())
    return mask, res.status == 0, float(bound)
