"""``engine.linalg``: torch.linalg's functions under torch's names (norms, determinants, inverse, solve,
decompositions).  The ops live in engine/ops/products.py (products and norms) and engine/ops/decompositions.py;
this module only names them as torch.linalg does."""
from .ops.decompositions import (  # noqa: F401
    LinAlgError, det, eigh, eigvalsh, inv, linalg_cholesky as cholesky, linalg_svd as svd, matrix_power,
    matrix_rank, pinv, qr, slogdet, solve, svdvals,
)
from .ops.products import linalg_norm as norm, matrix_norm, multi_dot, vector_norm  # noqa: F401
from .ops.linalg import matmul  # noqa: F401  (torch.linalg.matmul is torch.matmul)
from .ops.products import cross as _cross


def cross(input, other, *, dim=-1):  # noqa: A002
    """torch.linalg.cross: the cross product along ``dim`` (default the last), inputs broadcast."""
    return _cross(input, other, dim)


def vecdot(x, y, *, dim=-1):
    """torch.linalg.vecdot: ``sum(x * y, dim)`` over broadcast inputs (real tensors: no conjugation)."""
    return (x * y).sum(dim)


__all__ = ["LinAlgError", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
           "vecdot", "vector_norm"]
