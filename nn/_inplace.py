"""``inplace=True`` for the layers that take it (dropout family, Threshold, RReLU, Hardtanh): the layer's
result is written into its input, as torch does.

The write goes through ``engine.inplace.write``, so it behaves as torch's in-place ops: a leaf that
requires grad raises "a leaf Variable that requires grad is being used in an in-place operation.",
a non-leaf becomes the output of the new graph node (gradients stay exact) and the version counter
is bumped, so a backward that saved the old values raises instead of using the new ones."""
from __future__ import annotations

from engine.inplace import write

__all__ = ["apply_maybe_inplace", "inplace_repr"]


def apply_maybe_inplace(x, inplace, name, fn):
    """``fn(x)``; with ``inplace`` the result is written into ``x``, which is returned."""
    if not inplace:
        return fn(x)
    return write(x, name, fn)


def inplace_repr(inplace):
    """torch's ``extra_repr`` suffix for an ``inplace`` flag: ``", inplace=True"`` or nothing."""
    return ", inplace=True" if inplace else ""
