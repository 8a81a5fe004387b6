"""``index_put``: a copy of ``x`` with ``values`` written at ``index`` (what ``x[index] = values`` computes).

This is the differentiable half of item assignment: ``Tensor.__setitem__`` records it when ``x`` or
``values`` requires grad and then writes the result into ``x``'s storage (see ``engine.inplace``).
The gradient of ``x`` is the incoming gradient with zeros at ``index`` (those elements were
overwritten); the gradient of ``values`` is the incoming gradient gathered at ``index`` and summed back
to the shape of ``values`` (which broadcasts to ``x[index]``).  With repeated integer indexes NumPy
keeps the last write, and each repeated position still sends its gradient to ``values``, as PyTorch's
``index_put_`` does.
"""
from __future__ import annotations

from ..function import Function
from ._util import shape_of, sum_to
from .shape import GetItem, _normalize_index


class IndexPut(Function):
    @staticmethod
    def forward(ctx, x, index, values):
        ctx.index = index
        ctx.values_shape = shape_of(values)
        out = x.copy()
        out[index] = values
        return out

    @staticmethod
    def backward(ctx, gy):
        _, _, needs_values = ctx.needs_input_grad
        gx = IndexPut.apply(gy, ctx.index, 0.0) if ctx.needs_input_grad[0] else None
        gv = sum_to(GetItem.apply(gy, ctx.index), ctx.values_shape) if needs_values else None
        return gx, None, gv


def index_put(x, index, values):
    """``x`` with ``values`` at ``index`` (out of place; basic, integer-array and boolean indexes)."""
    index = _normalize_index(index)
    try:
        return IndexPut.apply(x, index, values)
    except (IndexError, ValueError) as e:
        raise type(e)(
            f"index_put: cannot write values of shape {shape_of(values)} at index {index!r} of a tensor of "
            f"shape {tuple(x.shape)}: {e}"
        ) from None
