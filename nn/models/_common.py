"""Shared helper of the model zoo: turn an activation spec (a name of the activation spec table such as
``"relu"`` or ``"swish"``, a Module class, or a zero-argument factory) into a fresh activation Module."""
from __future__ import annotations

from kernels.act_spec import BY_NAME

from .. import activation as A
from ..module import Module

_BY_NAME = {name: A.MODULES[row.module] for name, row in BY_NAME.items() if row.module}
_BY_NAME.update(identity=A.Identity, relu6=A.ReLU6)


def make_activation(spec) -> Module:
    if isinstance(spec, str):
        try:
            return _BY_NAME[spec.lower()]()
        except KeyError:
            raise ValueError(f"unknown activation {spec!r}; choose one of {sorted(_BY_NAME)}") from None
    if isinstance(spec, Module):
        raise TypeError("pass an activation name, class or factory, not a Module instance (it would be shared)")
    if callable(spec):
        m = spec()
        if not isinstance(m, Module):
            raise TypeError(f"activation factory returned {type(m).__name__}, not a Module")
        return m
    raise TypeError(f"activation must be a name, a Module class or a factory, got {type(spec).__name__}")
