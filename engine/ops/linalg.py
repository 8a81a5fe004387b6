"""Matrix products: ``matmul`` with NumPy's (and torch's) semantics (1-D operands, batched and broadcast
stacks), and torch's stricter ``mm`` (2-d), ``bmm`` (3-d) and ``addmm`` built on it.

The forward runs on BLAS (NumPy) or cuBLAS (CuPy).  The backward is two more matmuls, summed back
over broadcast batch axes, so it is itself differentiable.
"""
from __future__ import annotations

from ..function import Function
from ._util import check_same_device, operand, sum_to


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (gy * b if na else None, gy * a if nb else None)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        out_shape = list(gy.shape)
        if a.ndim == 1:
            out_shape.insert(len(out_shape) - (0 if b.ndim == 1 else 1), 1)
        if b.ndim == 1:
            out_shape.append(1)
        g = gy.reshape(out_shape)
        ga = gb = None
        if na:
            ga = sum_to(g @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if nb:
            gb = sum_to(a2.swapaxes(-1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a, b):
    """``a @ b``; raises ValueError naming both shapes when they do not align."""
    a, b = operand(a), operand(b)
    check_same_device("matmul", a, b)
    sa, sb = a.shape, b.shape
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: operands must be at least 1-d, got shapes {sa} and {sb}")
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned ({k_a} != {k_b})")
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {sa} and {sb} do not broadcast") from None


def mm(a, b):
    """Matrix product of two 2-d tensors (torch.mm: no broadcasting, no 1-d operands)."""
    a, b = operand(a), operand(b)
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected two 2-d tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix product of two 3-d tensors with the same batch size (torch.bmm)."""
    a, b = operand(a), operand(b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: expected two 3-d tensors with the same batch size, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002  (torch's name)
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape (torch.addmm)."""
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # torch ignores input then (nan and inf in it do not propagate)
        return prod
    return prod + (operand(input) if beta == 1 else operand(input) * beta)
