"""Small helpers the optimisers share for their per-parameter state arrays."""
from engine.backend import get_array_module

_placeholders = {}


def zeros_like(p):
    """A zero array with ``p``'s shape, dtype and device (contiguous)."""
    return get_array_module(p.array).zeros(p.shape, dtype=p.dtype)


def placeholder(p):
    """A shared 0-element array standing for state a configuration never uses (kernels never touch it)."""
    a = p.array
    key = (type(a), a.dtype, getattr(a, "device", None))
    e = _placeholders.get(key)
    if e is None:
        e = _placeholders[key] = get_array_module(a).empty(0, dtype=a.dtype)
    return e


class HparamCache:
    """Packed hyperparameter arrays for one group and step, built once per (dtype, key) and reused by every
    parameter of the group (``key`` is e.g. the step count for bias-corrected rules)."""

    __slots__ = ("make", "packed")

    def __init__(self, make):
        self.make, self.packed = make, {}

    def get(self, dtype, key=None):
        hp = self.packed.get((dtype, key))
        if hp is None:
            hp = self.packed[(dtype, key)] = self.make(dtype, key)
        return hp


def effective_grad(p, g, maximize=False, weight_decay=0.0):
    """The gradient as an update rule uses it: in ``p``'s dtype, negated for ``maximize``, plus
    ``weight_decay * p`` (the L2 penalty folded into the gradient); a new array, ``g`` is not changed."""
    g = g.astype(p.dtype) if g.dtype != p.dtype else g
    g = -g if maximize else g
    return g + weight_decay * p.array if weight_decay else g


def check_adam_group(owner, group):
    """torch's rules for an Adam-family group: ``betas`` a pair, each in [0, 1); ``eps`` and
    ``weight_decay`` non-negative."""
    from .optimizer import check_hyper

    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    check_hyper("beta parameter at index 0", betas[0], high=1.0, owner=owner)
    check_hyper("beta parameter at index 1", betas[1], high=1.0, owner=owner)
    check_hyper("epsilon value", group["eps"], owner=owner)
    check_hyper("weight_decay value", group["weight_decay"], owner=owner)
