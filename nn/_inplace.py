"""``inplace=True`` for the layers that take it (dropout family, Threshold, RReLU, Hardtanh, ReLU6): the
layer's result is written into its input, as torch does.

The write goes through ``engine.inplace.write``, so it behaves as torch's in-place ops: a leaf that
requires grad raises "a leaf Variable that requires grad is being used in an in-place operation.",
a non-leaf becomes the output of the new graph node (gradients stay exact) and the version counter
is bumped, so a backward that saved the old values raises instead of using the new ones.

One case Kiln cannot write safely: a view (``reshape``, slicing, ``transpose`` ...) of a tensor that is
part of a graph, which torch writes and re-bases onto its base.  There the layer returns a new tensor
(the right values; the view and its base keep theirs) and warns once, so that ``x = layer(x)``, the
usual spelling, keeps working where ``engine.inplace.write`` itself would raise.
"""
from __future__ import annotations

import functools
import inspect
import warnings

from engine.grad_mode import is_grad_enabled
from engine.inplace import write

__all__ = ["apply_maybe_inplace", "inplace_repr"]


def _is_graph_view(x) -> bool:
    creator = x._creator
    return is_grad_enabled() and x.requires_grad and creator is not None and creator._view_of is not None


def apply_maybe_inplace(x, inplace, name, fn):
    """``fn(x)``; with ``inplace`` the result is written into ``x``, which is returned (see the module
    docstring for views in a graph)."""
    if not inplace:
        return fn(x)
    if _is_graph_view(x):
        warnings.warn(f"{name}(inplace=True): the input (shape {tuple(x.shape)}) is a view of a tensor in an autograd "
                      "graph, which Kiln cannot write in place; a new tensor is returned and the input is unchanged",
                      UserWarning, stacklevel=3)
        return fn(x)
    return write(x, name, fn)


def inplace_repr(inplace):
    """torch's ``extra_repr`` suffix for an ``inplace`` flag: ``", inplace=True"`` or nothing."""
    return ", inplace=True" if inplace else ""


def honouring_inplace(fn, name):
    """``fn`` (a functional form with torch's ``inplace=False`` parameter) made to honour ``inplace=True``: the
    result is written into the input as :func:`apply_maybe_inplace` does, instead of a new tensor being returned
    and the input left as it was (which a torch program that does not assign the result would read as a wrong
    answer).  The check costs one keyword lookup per call."""
    params = list(inspect.signature(fn).parameters)
    slot = params.index("inplace")

    @functools.wraps(fn)
    def wrapper(input, *args, **kwargs):  # noqa: A002
        inplace = kwargs.get("inplace", args[slot - 1] if len(args) >= slot else False)
        if not inplace:
            return fn(input, *args, **kwargs)
        args = args[:slot - 1] + (False,) + args[slot:] if len(args) >= slot else args
        kwargs = {**kwargs, "inplace": False} if "inplace" in kwargs else kwargs
        return apply_maybe_inplace(input, True, name, lambda x: fn(x, *args, **kwargs))

    return wrapper
