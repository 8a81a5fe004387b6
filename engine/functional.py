"""Functional autodiff: ``grad`` (gradients returned, ``.grad`` untouched), ``jacobian`` and the
Hessian-vector product ``hvp``, all built on the same backward pass."""
from __future__ import annotations

from .autograd import run_backward
from .tensor import Tensor, _initial_grad

__all__ = ["grad", "jacobian", "hvp"]


def _as_seq(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs) weighted by ``grad_outputs``, as a tuple of Tensors (one per input).

    Like ``torch.autograd.grad``: leaves' ``.grad`` are not touched; ``create_graph=True`` returns
    gradients that carry a graph (for higher derivatives); an input that the outputs do not depend
    on raises unless ``allow_unused=True`` (then its gradient is None).
    """
    outputs, inputs = _as_seq(outputs), _as_seq(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = _as_seq(grad_outputs) if not isinstance(grad_outputs, (list, tuple)) else tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    roots, seeds = [], []
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not o.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad (it has no graph)")
        roots.append(o)
        seeds.append(_initial_grad(o, g, "grad"))
    if retain_graph is None:
        retain_graph = create_graph
    res = run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph, capture=list(inputs))
    for i, r in enumerate(res):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the outputs; "
                "pass allow_unused=True if that is expected"
            )
    return tuple(res)


def jacobian(fn, inputs, create_graph=False):
    """The Jacobian of ``fn(*inputs)`` (one output tensor): for each input, a tensor of shape
    ``output.shape + input.shape``, computed row by row with backward passes."""
    from . import creation
    from .ops.shape import reshape, stack

    inputs = _as_seq(inputs)
    out = fn(*inputs)
    rows = [[] for _ in inputs]
    n = out.numel()
    for k in range(n):
        seed = creation.zeros(n, dtype=out.dtype, device=out.device)
        seed.array[k] = 1
        gs = grad(out, inputs, grad_outputs=reshape(seed, out.shape), retain_graph=True,
                  create_graph=create_graph, allow_unused=True)
        for j, g in enumerate(gs):
            rows[j].append(g if g is not None else creation.zeros_like(inputs[j]))
    return tuple(reshape(stack(r, 0), out.shape + inputs[j].shape) for j, r in enumerate(rows))


def hvp(fn, inputs, v):
    """Hessian-vector products of the scalar ``fn(*inputs)`` with ``v`` (one tensor per input), by
    differentiating the gradient's dot product with ``v`` a second time."""
    from .ops.reduce import sum as tsum

    inputs, v = _as_seq(inputs), _as_seq(v)
    y = fn(*inputs)
    gs = grad(y, inputs, create_graph=True)
    dot = None
    for g, vi in zip(gs, v):
        term = tsum(g * vi)
        dot = term if dot is None else dot + term
    return grad(dot, inputs, allow_unused=True)
