"""A wall clock readable from inside Numba-compiled loops (through ``numba.objmode``).

Numba's nopython mode has no ``time`` module; the exact solvers call ``now()`` every few thousand
nodes to honour ``time_limit`` (a deadline in ``time.perf_counter`` seconds; ``inf`` = none).
"""
import time

import numba
from numba import njit


@njit(cache=True)
def now():
    with numba.objmode(t="float64"):
        t = time.perf_counter()
    return t
