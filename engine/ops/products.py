"""torch's vector and matrix products (``dot``, ``outer``, ``mv``, ``addr``, ``baddbmm``, ``tensordot``, ``kron``,
``cross``, ``trace`` ...) and its norms (``norm``, ``linalg.vector_norm``/``matrix_norm``, ``dist``, ``renorm``,
``cdist``), each a composition of existing differentiable engine ops: gradients of every order come for free.

Norms follow torch's subgradient at 0: the 2-norm (and any p-norm) of a zero vector has gradient 0, not nan
(the square root is taken on a value made safe where the sum is 0, with the zero put back by ``where``).
Errors name the op and the shapes, as torch's do (RuntimeError for shape mismatches).
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from . import elementwise as _el, index as _ix, layout as _lay, linalg as _la, reduce as _red, shape as _sh
from ._util import constant, normalize_axes, operand, wrap_dim


def _same_length(name, a, b):
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{name}: inconsistent tensor size, expected tensors of the same number of elements, "
                           f"got shapes {tuple(a.shape)} and {tuple(b.shape)}")


def _dot(name, a, b):
    a, b = operand(a), operand(b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{name}: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    _same_length(name, a, b)
    return _la.matmul(a, b)


def dot(input, other):  # noqa: A002  (torch's names)
    """Inner product of two 1-d tensors of the same length (torch.dot)."""
    return _dot("dot", input, other)


def vdot(input, other):  # noqa: A002
    """``dot`` with the first argument conjugated (torch.vdot); Kiln tensors are real, so it is ``dot``."""
    return _dot("vdot", input, other)


def outer(input, vec2):  # noqa: A002
    """Outer product of two 1-d tensors: shape (n, m) (torch.outer, alias ger)."""
    a, b = operand(input), operand(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: expected two 1-d tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return _sh.reshape(a, -1, 1) * _sh.reshape(b, 1, -1)


ger = outer


def inner(input, other):  # noqa: A002
    """Sum over the last dims of both (torch.inner): shape ``a.shape[:-1] + b.shape[:-1]``; a 0-d operand
    multiplies."""
    a, b = operand(input), operand(other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner: last dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} differ")
    return tensordot(a, b, ([-1], [-1]))


def mv(input, vec):  # noqa: A002
    """Matrix (n, m) times vector (m,) (torch.mv)."""
    m, v = operand(input), operand(vec)
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-d matrix and a 1-d vector, got shapes {tuple(m.shape)} and "
                           f"{tuple(v.shape)}")
    if m.shape[1] != v.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input ({m.shape[0]}x{m.shape[1]}) and vec ({v.shape[0]})")
    return _la.matmul(m, v)


def _scaled_add(input, prod, beta, alpha):
    """``beta * input + alpha * prod``; beta=0 ignores input (its nan and inf do not propagate), as torch."""
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod
    return prod + (operand(input) if beta == 1 else operand(input) * beta)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * (mat @ vec)`` (torch.addmv)."""
    return _scaled_add(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * outer(vec1, vec2)`` (torch.addr)."""
    return _scaled_add(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * bmm(batch1, batch2)`` (torch.baddbmm)."""
    return _scaled_add(input, _la.bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]`` (torch.addbmm)."""
    return _scaled_add(input, _red.sum(_la.bmm(batch1, batch2), 0), beta, alpha)


def multi_dot(tensors):
    """Product of a sequence of matrices; the first may be 1-d (a row) and the last 1-d (a column), as
    torch.linalg.multi_dot (left to right: the value is the same for every order)."""
    tensors = [operand(t) for t in tensors]
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(tensors) - 1))
        if not ok:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2-d (the first and last may be 1-d), got shape "
                               f"{tuple(t.shape)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = _la.matmul(out, t)
    return out


def chain_matmul(*matrices):
    """Product of 2-d matrices (torch.chain_matmul; a single matrix is returned as it is)."""
    for i, t in enumerate(matrices):
        if operand(t).ndim != 2:
            raise RuntimeError(f"chain_matmul(): tensor {i} must be 2-d, got shape {tuple(operand(t).shape)}")
    if len(matrices) == 1:
        return operand(matrices[0])
    return multi_dot(matrices)


def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of ``a`` with the first ``dims`` of ``b``, or the dims listed in a pair
    ``(dims_a, dims_b)`` (torch.tensordot), as one matmul of the permuted, flattened operands."""
    a, b = operand(a), operand(b)
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have same length, got {da} and {db}")
    da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
    db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size {a.shape[i]} "
                               f"in dim {i} and second has size {b.shape[j]} in dim {j}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    a2 = _sh.reshape(_sh.permute(a, free_a + da), -1, k)
    b2 = _sh.reshape(_sh.permute(b, db + free_b), k, -1)
    return _sh.reshape(_la.matmul(a2, b2), *[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def kron(input, other):  # noqa: A002
    """Kronecker product (torch.kron): the lower-rank operand gets leading 1s; dim i has size a_i * b_i."""
    a, b = operand(input), operand(other)
    n = max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + tuple(a.shape)
    sb = (1,) * (n - b.ndim) + tuple(b.shape)
    a2 = _sh.reshape(a, *[s for d in sa for s in (d, 1)])
    b2 = _sh.reshape(b, *[s for d in sb for s in (1, d)])
    return _sh.reshape(a2 * b2, *[x * y for x, y in zip(sa, sb)])


def trace(input):  # noqa: A002
    """Sum of the main diagonal of a 2-d tensor (torch.trace)."""
    x = operand(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix (2-d tensor), got shape {tuple(x.shape)}")
    return _red.sum(_lay.diagonal(x))


def cross(input, other, dim=None):  # noqa: A002
    """Cross product of 3-vectors along ``dim`` (torch.cross): operands broadcast; ``dim=None`` takes the first
    dim of size 3 (torch's old default, which torch.linalg.cross replaces by -1)."""
    a, b = operand(input), operand(other)
    if a.ndim != b.ndim:
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    try:
        shape = tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    except ValueError:
        raise RuntimeError(f"cross: shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast") from None
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {shape}")
    d = wrap_dim(dim, len(shape), "cross")
    if shape[d] != 3:
        raise RuntimeError(f"cross: inputs dimension {dim} must have length 3, got shape {shape}")
    a, b = _sh.broadcast_to(a, shape), _sh.broadcast_to(b, shape)
    dev = a.array

    def pick(x, order):
        return _ix.index_select(x, d, constant(get_array_module(dev).asarray(order)))

    return pick(a, [1, 2, 0]) * pick(b, [2, 0, 1]) - pick(a, [2, 0, 1]) * pick(b, [1, 2, 0])


# ---- norms -----------------------------------------------------------------------------------------------

def _root(s, p):
    """``s ** (1/p)`` with gradient 0 where ``s`` is 0 (torch's subgradient of a norm at the zero vector)."""
    zero = s == 0
    safe = _ix.where(zero, 1.0, s)
    root = _el.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return _ix.where(zero, 0.0, root)


def _float_input(name, x, dtype):
    x = operand(x)
    if dtype is not None:
        x = x.to(dtype)
    if not x.is_floating_point():
        raise RuntimeError(f"{name}: expected a floating point input, got {x.dtype}")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002  (torch's names)
    """``(sum |x|^ord) ** (1/ord)`` over ``dim`` (all elements when None), torch.linalg.vector_norm: ord inf/-inf
    are max/min of |x|, ord 0 counts the nonzeros (gradient 0)."""
    x = _float_input("linalg.vector_norm", x, dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    axes = normalize_axes(dim, x.ndim, "linalg.vector_norm")
    if (ord < 0 or ord == math.inf) and any(x.shape[a] == 0 for a in axes):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           "operation does not have an identity")
    ax = axes if axes else None
    if x.ndim == 0:
        ax = None
    ab = _el.abs(x)
    if ord == math.inf:
        return _red.amax(ab, ax if ax is not None else (), keepdim)
    if ord == -math.inf:
        return _red.amin(ab, ax if ax is not None else (), keepdim)
    if ord == 0:
        return _red.sum((ab != 0).to(x.dtype) + ab * 0, ax, keepdim)
    if ord == 1:
        return _red.sum(ab, ax, keepdim)
    s = _red.sum(x * x if ord == 2 else ab ** ord, ax, keepdim)
    return _root(s, ord)


def _matrix_dims(name, x, dim):
    if len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple, got {dim}")
    if x.ndim < 2:
        raise RuntimeError(f"{name}: the input tensor A must have at least 2 dimensions, got shape {tuple(x.shape)}")
    d0, d1 = (wrap_dim(d, x.ndim, name) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different, got ({d0}, {d1})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """torch.linalg.matrix_norm over the two dims ``dim``: 'fro', 'nuc', inf/-inf (max/min row sum of |A|),
    1/-1 (max/min column sum), 2/-2 (largest/smallest singular value)."""
    x = _float_input("linalg.matrix_norm", A, dtype)
    d0, d1 = _matrix_dims("linalg.matrix_norm", x, dim)
    if ord == "fro":
        return vector_norm(x, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        from .decompositions import svdvals  # noqa: PLC0415  (decompositions imports this module)

        moved = _lay.movedim(x, (d0, d1), (-2, -1))
        sv = svdvals(moved)
        out = _red.sum(sv, -1) if ord == "nuc" else (_red.amax(sv, -1) if ord == 2 else _red.amin(sv, -1))
    elif ord in (1, -1, math.inf, -math.inf):
        inner_dim, outer_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = _red.sum(_el.abs(x), inner_dim, True)
        pick = _red.amax if ord > 0 else _red.amin
        out = _sh.squeeze(pick(sums, outer_dim, True), (d0, d1))
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if keepdim:
        for d in sorted((d0, d1)):
            out = _sh.unsqueeze(out, d)
    return out


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """torch.linalg.norm: a vector norm when ``dim`` is an int or ``A`` is 1-d (or ord and dim are None: the
    2-norm of the flattened input), a matrix norm when ``dim`` is a 2-tuple or ``A`` is 2-d."""
    x = operand(A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 1:
            return vector_norm(x, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        return matrix_norm(x, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(x, 2, None, keepdim, dtype=dtype)
    if x.ndim == 1:
        return vector_norm(x, ord, None, keepdim, dtype=dtype)
    if x.ndim == 2:
        return matrix_norm(x, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                       f"{x.ndim}D.")


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    """torch.norm: a number ``p`` is a vector norm over ``dim`` (every element when None); 'fro' is the 2-norm
    over ``dim``; 'nuc' is the nuclear norm over the two dims ``dim`` (the last two when None)."""
    x = operand(input)
    if isinstance(dim, int):
        dim = (dim,)
    if p == "nuc":
        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: unknown p {p!r}; expected a number, 'fro' or 'nuc'")
    return vector_norm(x, p, dim, keepdim, dtype=dtype)


def dist(input, other, p=2):  # noqa: A002
    """The p-norm of ``input - other`` over all elements (torch.dist)."""
    return vector_norm(operand(input) - operand(other), p)


def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` is scaled to norm ``maxnorm`` (torch.renorm,
    with torch's 1e-7 in the denominator)."""
    x = operand(input)
    d = wrap_dim(dim, x.ndim, "renorm")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    others = tuple(i for i in range(x.ndim) if i != d)
    n = vector_norm(x, p, others, True)
    factor = _ix.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0)
    return x * factor


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M): shape
    (..., P, R) (torch.cdist; computed directly, so ``compute_mode`` changes nothing but is accepted)."""
    a, b = operand(x1), operand(x2)
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = _sh.unsqueeze(a, -2) - _sh.unsqueeze(b, -3)
    return vector_norm(diff, p, -1)


# ---- Tensor methods of this family defined in the sibling modules (OP_METHODS["products"] lists them) --------
from .decompositions import (  # noqa: E402,F401  (re-exported as Tensor methods)
    det, inverse, logdet, matrix_power, pinverse, slogdet, svd,
)
from .products_builders import corrcoef, cov, diagflat  # noqa: E402,F401
