"""Small helpers the optimisers share for their per-parameter state arrays."""
from engine.backend import get_array_module


def zeros_like(p):
    """A zero array with ``p``'s shape, dtype and device (contiguous)."""
    return get_array_module(p.data).zeros(p.shape, dtype=p.dtype)


def full_like(p, value):
    """An array of ``value`` with ``p``'s shape, dtype and device."""
    return get_array_module(p.data).full(p.shape, value, dtype=p.dtype)


def empty_placeholder(p):
    """A 0-element array standing for state that a configuration never uses (kernels ignore it)."""
    return get_array_module(p.data).empty(0, dtype=p.dtype)
