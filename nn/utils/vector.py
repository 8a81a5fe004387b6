"""``parameters_to_vector`` and ``vector_to_parameters``, as ``torch.nn.utils``: every parameter flattened
and joined into one vector (differentiable, so a loss on the vector reaches the parameters), and the
way back, which writes a vector's slices into the parameters in place."""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor
from engine.backend import device_of, to_device

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _listed(parameters, name):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected an iterable of Tensors, got an element of type {type(p).__name__}")
    if len({str(p.device) for p in params}) > 1:
        raise TypeError(f"{name}: parameters live on different devices ({sorted({str(p.device) for p in params})})")
    return params


def parameters_to_vector(parameters) -> Tensor:
    """One 1-d tensor holding every parameter's elements, in order (a differentiable concatenation)."""
    params = _listed(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    return engine.concatenate([p.reshape(-1) for p in params], axis=0)


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-d ``vec`` into ``parameters`` in place (their shapes and dtypes kept)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    params = _listed(parameters, "vector_to_parameters")
    total = sum(int(np.prod(p.shape)) for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} does not hold the {total} elements "
                         "of the parameters")
    offset = 0
    for p in params:
        n = int(np.prod(p.shape))
        chunk = vec.array[offset:offset + n].reshape(p.shape)
        p.array[...] = to_device(chunk, device_of(p.array)).astype(p.array.dtype, copy=False)
        offset += n
