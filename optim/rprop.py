"""Rprop (resilient backpropagation, Riedmiller & Braun 1993), as in ``torch.optim.Rprop``: each element has its
own step size, grown by ``etaplus`` while its gradient keeps its sign and shrunk by ``etaminus`` when it flips;
the update uses only the gradient's sign.

With ``g`` the gradient (``-g`` when maximizing) and ``s = sign(g * prev)``::

    step_size *= etaplus where s > 0, etaminus where s < 0;  clipped to [step_size_min, step_size_max]
    g = 0 where s < 0        (after a sign flip the element waits one step, and ``prev`` forgets the gradient)
    p -= sign(g) * step_size
    prev = g

State: ``"step"``, ``"prev"``, ``"step_size"`` (initially ``lr`` everywhere).  NumPy/CuPy array operations on
``p.array`` (no fused kernel for this family); every floating parameter dtype is accepted.  Rprop is meant for
full-batch gradients, as torch's documentation says.
"""
from ._state import effective_grad, zeros_like
from .optimizer import Optimizer, check_hyper, implementation_flags

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
    maximize=False, differentiable=False)`` (see :func:`optim.optimizer.implementation_flags`)."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize,
                        **implementation_flags("Rprop", foreach, None, capturable, differentiable))
        defaults.pop("fused")  # torch's Rprop has no fused switch (nor this key in its groups)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        etas, sizes = group["etas"], group["step_sizes"]
        if len(etas) != 2 or not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: invalid eta values: {etas} (need 0 < etaminus < 1 < etaplus)")
        if len(sizes) != 2 or not 0.0 < sizes[0] <= sizes[1]:
            raise ValueError(f"Rprop: invalid step_sizes {sizes} (need 0 < step_size_min <= step_size_max)")

    def _update_group(self, group):
        (etaminus, etaplus), (size_min, size_max) = group["etas"], group["step_sizes"]
        for p, g in self._grads(group):
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "prev": zeros_like(p), "step_size": zeros_like(p) + group["lr"]}
            grad = effective_grad(p, g, group["maximize"])
            prev, size = state["prev"], state["step_size"]
            agree = grad * prev
            size *= ((agree > 0) * (etaplus - 1) + (agree < 0) * (etaminus - 1) + 1).astype(size.dtype)
            size.clip(size_min, size_max, out=size)
            grad = grad * (agree >= 0)
            p.array -= (grad > 0) * size - (grad < 0) * size
            prev[...] = grad
            state["step"] += 1
            p._bump_version()
