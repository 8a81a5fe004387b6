"""``nd_classes``: the 1-d, 2-d and 3-d classes of one layer family (torch's MaxPool1d/2d/3d, Dropout1d/2d/3d,
InstanceNorm1d/2d/3d, ...), made from the family's base class instead of three hand-written subclasses that
differ in one number.  Each class is a real subclass named as torch's, defined in the calling module (so
``repr``, pickling and ``isinstance`` behave as for a ``class`` statement), its docstring the base's with the
number of spatial dims filled in (``{nd}``, ``{shape}``: the batched input layout, e.g. ``(N, C, H, W)``)."""
from __future__ import annotations

_LAYOUT = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def nd_classes(base, name: str, module: str, dims=(1, 2, 3), **per_dim) -> tuple:
    """``(name.format(1), ...)`` subclasses of ``base`` with class attribute ``nd`` = 1, 2, 3 (``dims``), and for
    each keyword ``attr=f`` the attribute ``attr`` = ``f(nd)``."""
    classes = []
    for nd in dims:
        cls_name = name.format(nd)
        attrs = {"nd": nd, "__module__": module, "__qualname__": cls_name,
                 "__doc__": (base.__doc__ or "").format(nd=nd, shape=_LAYOUT[nd])}
        attrs.update({attr: f(nd) for attr, f in per_dim.items()})
        classes.append(type(cls_name, (base,), attrs))
    return tuple(classes)
