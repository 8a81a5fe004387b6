"""Data-parallel training: ``DistributedOptimizer`` averages gradients over ranks before each step, and
``broadcast_parameters`` makes every rank start from rank 0's weights (ChainerMN's multi-node optimizer).

Each rank computes gradients on its own shard of the batch; ``step`` then all-reduces the mean of every
gradient in ONE packed message (see :class:`engine.distributed.Communicator`) and lets the wrapped
optimizer update as usual.  With equal shards of a loss that is a mean over the batch, the averaged
gradient is exactly the gradient of the whole (concatenated) batch, so N ranks with batch B train like one
process with batch N*B, and every rank's parameters stay identical.

Decisions:

- The wrapper is an :class:`optim.Optimizer` (so lr schedulers accept it) that shares the wrapped
  optimizer's ``param_groups``, ``state`` and ``defaults``; ``zero_grad``, ``state_dict``,
  ``load_state_dict`` and ``add_param_group`` go to the wrapped optimizer.
- A parameter that has no gradient on some ranks (a branch not taken) contributes zeros there; a
  per-parameter "has a gradient" flag travels in the same packed buffer, and a parameter that has no gradient
  on ANY rank keeps ``grad=None`` everywhere, so the ranks always agree on what the step touches.
- ``step(closure)`` calls the closure first (under ``enable_grad``), then reduces, then steps.
"""
from __future__ import annotations

import numpy as np

from engine import enable_grad
from engine.backend import get_array_module
from engine.tensor import Tensor

from .optimizer import Optimizer

__all__ = ["DistributedOptimizer", "broadcast_parameters"]


class DistributedOptimizer(Optimizer):
    """``DistributedOptimizer(optimizer, comm)``: ``optimizer.step()`` on gradients averaged over ``comm``."""

    def __init__(self, optimizer: Optimizer, comm):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"DistributedOptimizer: expected an optim.Optimizer, got {type(optimizer).__name__}")
        if isinstance(optimizer, DistributedOptimizer):
            raise TypeError("DistributedOptimizer: the optimizer is already distributed")
        for attr in ("rank", "size", "allreduce_mean"):
            if not hasattr(comm, attr):
                raise TypeError(f"DistributedOptimizer: comm has no {attr!r}; pass an engine.distributed.Communicator")
        object.__setattr__(self, "optimizer", optimizer)
        object.__setattr__(self, "comm", comm)

    # shared state: lr schedulers and checkpoints see the wrapped optimizer's groups
    param_groups = property(lambda self: self.optimizer.param_groups)
    state = property(lambda self: self.optimizer.state)
    defaults = property(lambda self: self.optimizer.defaults)

    def __repr__(self) -> str:
        return f"DistributedOptimizer({self.optimizer!r}, rank={self.comm.rank}, size={self.comm.size})"

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none)

    def add_param_group(self, param_group: dict) -> None:
        self.optimizer.add_param_group(param_group)

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict) -> None:
        self.optimizer.load_state_dict(state_dict)

    def allreduce_grads(self) -> None:
        """Replace every parameter's gradient by its mean over ranks (one packed all-reduce)."""
        params = [p for g in self.param_groups for p in g["params"]]
        if not params or self.comm.size == 1:
            return
        xp = get_array_module(params[0].array)
        dtype = np.result_type(*[p.array.dtype for p in params])
        grads = [p.grad.array if p.grad is not None else xp.zeros(p.array.shape, p.array.dtype) for p in params]
        flags = xp.asarray([p.grad is not None for p in params], dtype=dtype)
        *means, seen = self.comm.allreduce_mean(grads + [flags])
        seen = seen.tolist()
        for p, g, s in zip(params, means, seen):
            p.grad = Tensor._wrap(g) if s > 0 else None

    def step(self, closure=None):
        """Run ``closure`` (if any), average the gradients over ranks, then step the wrapped optimizer."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self.optimizer._check_step()  # this rank's gradients and groups, before they are averaged or applied
        self.allreduce_grads()
        self.optimizer.step()
        return loss


def broadcast_parameters(model, comm, root: int = 0) -> None:
    """Overwrite every parameter and persistent buffer of ``model`` (a Module, or an iterable of Tensors)
    in place with rank ``root``'s values, in one packed broadcast."""
    if hasattr(model, "state_dict"):
        tensors = list(model.state_dict().values())
    else:
        tensors = list(model)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_parameters: item {i} is a {type(t).__name__}, expected a Tensor")
    comm.broadcast([t.array for t in tensors], root=root)
    for t in tensors:  # written in place
        t._bump_version()
