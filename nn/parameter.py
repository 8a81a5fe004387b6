"""``Parameter``: a Tensor that is a module's learnable parameter (a leaf with requires_grad=True).

``Parameter(data)`` keeps the dtype of an array it is given (a float64 array stays float64); Python
lists and numbers become float32 like ``engine.tensor``.  A Parameter built from a Tensor shares its
array and its version counter.  Copying (``copy``/``deepcopy``) gives a fresh leaf over a copy of the data.
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
        counter = [0, 0]
        if data is None:
            arr = np.zeros((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr, counter = data.array, data._vc  # shares the array, so also its version counter
        elif is_array(data):
            arr = data
        else:
            arr = engine.tensor(data).array
        self.array, self.grad, self.requires_grad = arr, None, False
        self._creator, self._output_nr, self._acc, self._hooks = None, 0, None, None
        self._vc = counter
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):  # deepcopy/copy: a fresh leaf Parameter over a copy of the data
        return (_rebuild_parameter, (self.array, self.requires_grad))

    def __deepcopy__(self, memo):
        p = Parameter(self.array.copy(), requires_grad=self.requires_grad)
        memo[id(self)] = p
        return p


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad=requires_grad)


def optional_parameters(module, present: bool, shape, device=None, dtype=None, **fills) -> None:
    """torch's ``bias=False`` / ``affine=False`` pattern: each ``name=fill`` becomes ``module.name``, a Parameter
    of ``shape`` filled with ``fill`` when ``present``, else a parameter registered as None (so it still shows
    in ``module.name`` and is left out of ``parameters()`` and the state dict, as torch)."""
    for name, fill in fills.items():
        if present:
            setattr(module, name, Parameter(engine.full(shape, float(fill), dtype=dtype, device=device)))
        else:
            module.register_parameter(name, None)
