"""The one int-or-tuple normaliser of the whole codebase (tinygrad's ``make_tuple`` idea).

``ntuple(3, 2, "stride", "conv2d") == (3, 3)``; a tuple or list must have exactly ``n`` entries, else a
ValueError names the op and the argument.  It lives in ``kernels`` (the lowest layer) so that kernels,
engine/ops and nn all call the same function; engine re-exports it as ``engine.ops._util.ntuple``.
"""
from __future__ import annotations


def ntuple(v, n: int, name: str, op: str) -> tuple:
    """``v`` (an int, or a tuple/list of ``n`` ints) as a tuple of ``n`` Python ints."""
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{op}: {name} must be an int or {n} ints, got {v!r}")
        return tuple(int(a) for a in v)
    return (int(v),) * n
