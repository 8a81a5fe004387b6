"""Activation layers: one Module class per row of the activation spec (``kernels/act_spec.py``), generated
with torch's constructor signature (``LeakyReLU(negative_slope=0.01, inplace=False)``; ``inplace`` is
accepted and ignored) and a ``forward`` that calls the row's function of ``nn.functional``; plus the
hand-written ones: ``Identity`` (takes any arguments, as torch's), ``PReLU`` (a learnable slope),
``ReLU6`` and ``Hardtanh`` (whose ``inplace=True`` writes into the input, as torch's), ``Softmax`` and
``LogSoftmax``.

``PReLU``'s ``weight`` has shape (num_parameters,), initialised to 0.25 as PyTorch; with more than one
parameter it applies per channel (axis 1).
"""
from __future__ import annotations

import warnings

import engine
from kernels.act_spec import ACTIVATIONS

from . import functional as F
from ._inplace import apply_maybe_inplace, inplace_repr
from .module import Module, Parameter


def _module_class(row):
    """The Module class of ``row`` (source generated so that its signature is torch's)."""
    names = [p.name for p in row.params]
    args = ["self"] + [f"{p.name}={p.default!r}" for p in row.params] + (["inplace=False"] if row.inplace else [])
    args = ", ".join(args)
    lines = [f"def __init__({args}):", "    Module.__init__(self)"]
    if names:
        lines.append(f"    _row.scalars(({', '.join(names)},), {row.module!r})  # bad values fail here")
    lines += [f"    self.{n} = {n}" for n in names]
    if row.inplace:
        lines.append("    self.inplace = inplace")
    lines += ["def forward(self, input):", f"    return _fn(input{''.join(', self.' + n for n in names)})",
              "def extra_repr(self):",
              "    return " + (" + ', ' + ".join(f"'{n}=' + repr(self.{n})" for n in names) if names else "''")]
    ns = {"Module": Module, "_row": row, "_fn": getattr(F, row.name)}
    exec("\n".join(lines), ns)  # noqa: S102  (fixed text built from the spec)
    body = {k: ns[k] for k in ("__init__", "forward", "extra_repr")}
    body.update(__doc__=f"{row.doc} (``nn.functional.{row.name}``).", __module__=__name__, __qualname__=row.module)
    return type(row.module, (Module,), body)


class Identity(Module):
    """Returns its input (accepts and ignores any constructor arguments, as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return input


class PReLU(Module):
    """``F.prelu`` with a learnable slope per channel (or one for all)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = int(num_parameters)
        self.weight = Parameter(engine.full((self.num_parameters,), init, dtype=dtype, device=device))

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)``, torch's constructor: ``min_value``/``max_value`` are its deprecated
    aliases (FutureWarning) and ``inplace=True`` writes into the input (``nn/_inplace.py``).  Where torch
    asserts ``max_val > min_val``, Kiln raises ValueError."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value=None, max_value=None):
        super().__init__()
        for old_name, new_name, value in (("min_value", "min_val", min_value), ("max_value", "max_val", max_value)):
            if value is not None:
                warnings.warn(f"Hardtanh: keyword argument `{old_name}` is deprecated and renamed to `{new_name}`",
                              FutureWarning, stacklevel=2)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, bool(inplace)

    def forward(self, input):  # noqa: A002
        return apply_maybe_inplace(input, self.inplace, type(self).__name__,
                                   lambda x: F.hardtanh(x, self.min_val, self.max_val))

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + inplace_repr(self.inplace)


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Softmax(Module):
    """torch's ``nn.Softmax(dim=None)``: without ``dim``, torch's legacy implicit dim (with its warning);
    NumPy's ``axis=`` is accepted as an alias."""

    def __init__(self, dim=None, *, axis=None):
        super().__init__()
        self.dim = dim if axis is None else axis

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)


#: every Module of the spec by class name (aliases included: ``Swish`` is ``SiLU``, ``Step`` is ``HardThreshold``)
MODULES = {"Identity": Identity, "PReLU": PReLU}
for _row in ACTIVATIONS:
    if _row.module and _row.module not in MODULES:
        MODULES[_row.module] = _module_class(_row)
    for _alias in _row.module_aliases:
        MODULES[_alias] = MODULES[_row.module]
globals().update(MODULES)
del _row, _alias

__all__ = sorted(MODULES) + ["ReLU6", "Hardtanh", "Softmax", "LogSoftmax"]
