"""``Parameter``: a Tensor that is a module's learnable parameter (a leaf with requires_grad=True).

``Parameter(data)`` keeps the dtype of an array it is given (a float64 array stays float64); Python
lists and numbers become float32 like ``engine.tensor``.  A Parameter built from a Tensor shares its
array.  Copying (``copy``/``deepcopy``) gives a fresh leaf over a copy of the data.
"""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor
from engine.backend import is_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module's learnable parameter: a leaf with ``requires_grad=True`` by default."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = np.zeros((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data.data
        elif is_array(data):
            arr = data
        else:
            arr = engine.tensor(data).data
        self.data, self.grad, self.requires_grad = arr, None, False
        self._creator, self._output_nr, self._acc, self._hooks = None, 0, None, None
        self._version = 0
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):  # deepcopy/copy: a fresh leaf Parameter over a copy of the data
        return (_rebuild_parameter, (self.data, self.requires_grad))

    def __deepcopy__(self, memo):
        p = Parameter(self.data.copy(), requires_grad=self.requires_grad)
        memo[id(self)] = p
        return p


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad=requires_grad)
