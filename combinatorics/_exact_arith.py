"""The arithmetic limits of the combinatorics solvers, and exact integer helpers that keep
instances inside them (used by ``_knapsack_input`` and ``_setcover_input``).

The searches, bounds and HiGHS all compute in float64, which holds every integer up to 2**53
exactly: integer data whose sums stay at or below ``FLOAT_EXACT`` are solved exactly.  The
knapsack DP keeps values in int64 (``INT64_MAX``).  Real-valued data must keep its sums at or below
``REAL_LIMIT`` (about 2e90), far enough from float64 overflow that no sum, bound, density or
tolerance formed from it can become inf.  Before the limits are checked, integer data is divided
by its gcd (exact, and it changes no decision: every solution value or weight is a multiple of it),
so that, e.g., weights that are all multiples of 2**62 are solved as small integers.
``check_finite_nonnegative`` is the door check both entry points share.
"""
import numpy as np

#: float64 represents every integer up to here, so integer partial sums below it are exact
FLOAT_EXACT = 2**53
#: the largest int64
INT64_MAX = 2**63 - 1
#: sums of real-valued (non-integer) data must stay at or below this
REAL_LIMIT = 2.0**300


def exact_sum(a):
    """Sum of a 1-D array: a Python int for integer arrays (exact, any size), else a float64 sum
    (inf when it overflows)."""
    if a.dtype.kind in "iu":
        if a.size == 0:
            return 0
        if a.size * int(np.abs(a).max()) <= INT64_MAX:
            return int(a.sum())
        return sum(a.tolist())
    with np.errstate(over="ignore"):
        return float(a.sum()) if a.size else 0.0


def array_gcd(a):
    """Greatest common divisor of a non-negative int64 array's entries (0 when all are 0 or it is empty)."""
    return int(np.gcd.reduce(a)) if a.size else 0


def limit_name(limit):
    """How an error message names a limit: ``2**53 = 9007199254740992``."""
    if limit == FLOAT_EXACT:
        return "2**53 = 9007199254740992"
    if limit == INT64_MAX:
        return "2**63-1 = 9223372036854775807"
    return "2**300 (about 2.04e90)"


def check_finite_nonnegative(op, name, a):
    """Raise ValueError naming ``op`` and the first entry of ``a`` that is not finite or is negative."""
    if a.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise ValueError(f"{op}: {name} must be finite; {name}[{bad[0]}] = {a[bad[0]]}")
    neg = np.flatnonzero(a < 0)
    if neg.size:
        raise ValueError(f"{op}: {name} must be non-negative; {name}[{neg[0]}] = {a[neg[0]]}")
