"""Matrix functions and decompositions with torch.linalg's semantics: ``det``, ``slogdet``, ``inv``, ``solve``,
``cholesky``, ``eigh``, ``svd``/``svdvals``, ``qr``, and the compositions built on them (``logdet``, ``pinv``,
``matrix_power``, ``matrix_rank``).  Inputs are matrices or batches of them (``(*, n, n)``).

The forwards run on LAPACK through the array module's ``linalg`` (NumPy, or CuPy on the GPU).  The backwards are
the standard formulas written with differentiable engine ops on the saved inputs and outputs (the inverse, a
solve), so they are differentiable again: det, slogdet, inv, solve, cholesky, eigh and svd are twice
differentiable.  eigh's and svd's gradients are defined for distinct eigen/singular values, and only losses
invariant to the eigenvectors' signs (a gauge) have a meaningful gradient, as in torch.  ``qr``'s backward
covers rows >= columns in 'reduced' mode (and square inputs); otherwise it raises a RuntimeError naming the op.

A singular matrix makes ``inv``/``solve`` (and ``cholesky`` a non positive-definite one) raise
:class:`LinAlgError`, a RuntimeError subclass, as torch.linalg.LinAlgError is.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from . import elementwise as _el, index as _ix, layout as _lay, linalg as _la, reduce as _red, scan as _scan
from . import shape as _sh
from ._util import operand


class return_types:  # noqa: N801  (torch.return_types)
    """The named tuples of torch.linalg's decompositions."""

    slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
    eigh = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
    svd = namedtuple("svd", ["U", "S", "Vh"])
    qr = namedtuple("qr", ["Q", "R"])
    svd_uv = namedtuple("svd", ["U", "S", "V"])


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle (singular, not positive-definite): torch.linalg.LinAlgError."""


def _mt(x):
    return _sh.transpose(x, -2, -1)


def _lapack(name, fn, *args):
    """Run a LAPACK routine, turning the array module's LinAlgError into ours, naming the op."""
    try:
        return fn(*args)
    except Exception as err:  # numpy.linalg.LinAlgError / cupy's
        if type(err).__name__ != "LinAlgError":
            raise
        what = ("the input is not positive-definite" if name == "linalg.cholesky"
                else "the input matrix is singular")
        raise LinAlgError(f"{name}: The factorization could not be completed because {what}.") from None


def _xp(a):
    return get_array_module(a).linalg


def _saving_output(ctx, name, routine, a):
    """``linalg.<routine>(a)`` of the array module, its result saved for the backward."""
    out = _lapack(name, getattr(_xp(a), routine), a)
    ctx.save_for_backward(out)
    return out


class Det(Function):
    """``d = det(A)``; ``gA = g * adj(A)^T``: ``d * A^-T`` when every matrix is invertible, else the adjugate from
    the SVD, ``det(U) det(V) U diag(prod_{j != i} s_j) V^T`` (defined for singular matrices, as torch's)."""

    @staticmethod
    def forward(ctx, a):
        out = _xp(a).det(a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        g = _sh.unsqueeze(_sh.unsqueeze(g, -1), -1)
        if bool((d.detach() != 0).all()):
            return g * _sh.unsqueeze(_sh.unsqueeze(d, -1), -1) * _mt(inv(a))
        return g * _adjugate_t(a)


def _adjugate_t(a):
    """The transposed adjugate ``adj(A)^T`` of (a batch of) square matrices, singular ones included."""
    u, s, vh = linalg_svd(a, full_matrices=False)
    xp = get_array_module(a.array)
    n = s.shape[-1]
    others = _ix.where(Tensor._wrap(xp.eye(n, dtype=bool)), 1.0, _sh.unsqueeze(s, -2))  # row i: s with s_i -> 1
    cofactors = _scan.prod(others, -1)
    signs = xp.linalg.det(u.array) * xp.linalg.det(vh.array)  # +-1: a constant
    return _la.matmul(u * _sh.unsqueeze(cofactors, -2), vh) * Tensor._wrap(xp.asarray(signs)[..., None, None])


class SlogDet(Function):
    @staticmethod
    def forward(ctx, a):
        sign, logabs = _xp(a).slogdet(a)
        ctx.save_for_backward(a)
        ctx.mark_non_differentiable(sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        (a,) = ctx.saved_tensors
        return _sh.unsqueeze(_sh.unsqueeze(g_logabs, -1), -1) * _mt(inv(a))


class Inv(Function):
    """``Y = A^-1``; ``gA = -Y^T g Y^T``."""

    @staticmethod
    def forward(ctx, a):
        return _saving_output(ctx, "linalg.inv", "inv", a)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        yt = _mt(y)
        return -_la.matmul(_la.matmul(yt, g), yt)


class Solve(Function):
    """``X = A^-1 B`` for matrices ``A`` (*, n, n) and ``B`` (*, n, k) with the same batch shape."""

    @staticmethod
    def forward(ctx, a, b):
        x = _lapack("linalg.solve", _xp(a).solve, a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = Solve.apply(_mt(a), g)
        return -_la.matmul(gb, _mt(x)), gb


class Cholesky(Function):
    """``A = L L^T``; ``gA = sym(L^-T Phi(L^T gL) L^-1)``, Phi taking the lower triangle with its diagonal halved."""

    @staticmethod
    def forward(ctx, a):
        return _saving_output(ctx, "linalg.cholesky", "cholesky", a)

    @staticmethod
    def backward(ctx, g):
        (low,) = ctx.saved_tensors
        p = _lay.tril(_la.matmul(_mt(low), g))
        p = p - 0.5 * _lay.diag_embed(_lay.diagonal(p, 0, -2, -1))
        li = inv(low)
        ga = _la.matmul(_la.matmul(_mt(li), p), li)
        return 0.5 * (ga + _mt(ga))


def _off_diagonal_inverse(e):
    """``1 / e`` off the diagonal, 0 on it (``e`` is a (*, n, n) difference of eigen/singular values)."""
    n = e.shape[-1]
    eye = Tensor._wrap(get_array_module(e.array).eye(n, dtype=e.array.dtype).astype(bool))
    return _ix.where(eye, 0.0, 1.0 / _ix.where(eye, 1.0, e))


class Eigh(Function):
    @staticmethod
    def forward(ctx, a, uplo):
        w, v = _xp(a).eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        inner = _lay.diag_embed(gw) if gw is not None else 0.0
        if gv is not None:
            f = _off_diagonal_inverse(_sh.unsqueeze(w, -2) - _sh.unsqueeze(w, -1))
            inner = inner + f * _la.matmul(_mt(v), gv)
        if not isinstance(inner, Tensor):
            return None, None
        return _la.matmul(_la.matmul(v, inner), _mt(v)), None


class Svd(Function):
    """Reduced SVD ``A = U diag(S) Vh`` (full_matrices=False); the backward is torch's formula."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = _xp(a).svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices and a.shape[-1] != a.shape[-2]
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        if ctx.full and (gu is not None or gvh is not None):
            raise RuntimeError("linalg.svd: the backward of full_matrices=True on a non-square input is not "
                               "defined (the extra singular vectors are arbitrary); use full_matrices=False")
        u, s, vh = ctx.saved_tensors
        if ctx.full:
            k = s.shape[-1]
            u, vh = _sh.narrow(u, -1, 0, k), _sh.narrow(vh, -2, 0, k)
        inner = _lay.diag_embed(gs) if gs is not None else 0.0
        if gu is None and gvh is None:
            return _la.matmul(_la.matmul(u, inner), vh), None
        s2 = s * s
        f = _off_diagonal_inverse(_sh.unsqueeze(s2, -2) - _sh.unsqueeze(s2, -1))
        m, n = u.shape[-2], vh.shape[-1]
        v = _mt(vh)
        extra = 0.0
        if gu is not None:
            uhgu = _la.matmul(_mt(u), gu)
            inner = inner + (f * (uhgu - _mt(uhgu))) * _sh.unsqueeze(s, -2)
            if m > s.shape[-1]:
                extra = _la.matmul((gu - _la.matmul(u, uhgu)) / _sh.unsqueeze(s, -2), vh)
        if gvh is not None:
            gv = _mt(gvh)
            vhgv = _la.matmul(vh, gv)
            inner = inner + _sh.unsqueeze(s, -1) * (f * (vhgv - _mt(vhgv)))
            if n > s.shape[-1]:
                extra = extra + _la.matmul(u, _mt((gv - _la.matmul(v, vhgv)) / _sh.unsqueeze(s, -2)))
        return _la.matmul(_la.matmul(u, inner), vh) + extra, None


class QR(Function):
    """``A = QR``; the backward (TensorFlow's and torch's formula) needs ``m >= n`` and the reduced factors:
    ``gA = Q (gR + tril(Q^T gQ - gQ^T Q + R gR^T - gR R^T) R^-T) + (gQ - Q Q^T gQ) R^-T``."""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = _xp(a).qr(a, mode=mode)
        ctx.differentiable = a.shape[-2] >= a.shape[-1] and (mode == "reduced" or a.shape[-2] == a.shape[-1])
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if not ctx.differentiable:
            raise RuntimeError("linalg.qr: the backward is implemented for inputs with rows >= columns and "
                               "mode='reduced' (or square inputs) only")
        q, r = ctx.saved_tensors
        gq = q * 0 if gq is None else gq
        gr = r * 0 if gr is None else gr
        qdq = _la.matmul(_mt(q), gq)
        rdr = _la.matmul(r, _mt(gr))
        low = _lay.tril(qdq - _mt(qdq) + rdr - _mt(rdr))
        r_inv_t = _mt(inv(r))
        return _la.matmul(q, gr + _la.matmul(low, r_inv_t)) + _la.matmul(gq - _la.matmul(q, qdq), r_inv_t), None


# ---- checks and the public functions ----------------------------------------------------------------------

def _square(name, a):
    a = operand(a)
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if not a.is_floating_point():
        raise RuntimeError(f"{name}: Expected a floating point tensor as input, got {a.dtype}")
    return a


def _matrix(name, a):
    a = operand(a)
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if not a.is_floating_point():
        raise RuntimeError(f"{name}: Expected a floating point tensor as input, got {a.dtype}")
    return a


def det(A):  # noqa: N803  (torch's name)
    """Determinant of a (batch of) square matrices (torch.linalg.det)."""
    return Det.apply(_square("linalg.det", A))


def slogdet(A):  # noqa: N803
    """``(sign, logabsdet)`` of the determinant (torch.linalg.slogdet); sign is 0 and logabsdet -inf when
    singular."""
    sign, logabs = SlogDet.apply(_square("linalg.slogdet", A))
    return return_types.slogdet(sign, logabs)


def logdet(input):  # noqa: A002
    """``log(det(A))``: nan (gradient 0) for a negative determinant, -inf for a zero one (torch.logdet)."""
    sign, logabs = slogdet(input)
    return _ix.where(sign < 0, math.nan, logabs)


def inv(A):  # noqa: N803
    """Inverse of a (batch of) square matrices; LinAlgError when singular (torch.linalg.inv)."""
    return Inv.apply(_square("linalg.inv", A))


def solve(A, B, *, left=True):  # noqa: N803
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``), batches broadcast; ``B`` is a (batch of)
    vector(s) when it has one dim less than ``A`` and its shape is A's batch shape plus n (torch.linalg.solve)."""
    a, b = _square("linalg.solve", A), operand(B)
    if not left:
        return _mt(solve(_mt(a), _mt(b)))
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    if vector:
        b = _sh.unsqueeze(b, -1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({tuple(a.shape[-2:])} and {tuple(operand(B).shape)})")
    try:
        batch = tuple(np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch shapes of A {tuple(a.shape)} and B {tuple(b.shape)} do not "
                           "broadcast") from None
    a = _sh.broadcast_to(a, batch + tuple(a.shape[-2:]))
    b = _sh.broadcast_to(b, batch + tuple(b.shape[-2:]))
    x = Solve.apply(a, b)
    return _sh.squeeze(x, -1) if vector else x


def linalg_cholesky(A, *, upper=False):  # noqa: N803
    """Lower Cholesky factor ``L`` of a symmetric positive-definite matrix (its lower triangle is read), or
    ``L^T`` when ``upper``; LinAlgError when not positive-definite (torch.linalg.cholesky)."""
    low = Cholesky.apply(_square("linalg.cholesky", A))
    return _mt(low) if upper else low


def eigh(A, UPLO="L"):  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix from its ``UPLO`` triangle
    (torch.linalg.eigh): ``(eigenvalues, eigenvectors)``."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = Eigh.apply(_square("linalg.eigh", A), UPLO)
    return return_types.eigh(w, v)


def eigvalsh(A, UPLO="L"):  # noqa: N803
    """The eigenvalues of :func:`eigh`."""
    return eigh(A, UPLO)[0]


def linalg_svd(A, full_matrices=True):  # noqa: N803
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` (torch.linalg.svd)."""
    u, s, vh = Svd.apply(_matrix("linalg.svd", A), bool(full_matrices))
    return return_types.svd(u, s, vh)


def svdvals(A):  # noqa: N803
    """Singular values, descending (torch.linalg.svdvals)."""
    return Svd.apply(_matrix("linalg.svdvals", A), False)[1]


def qr(A, mode="reduced"):  # noqa: N803
    """``(Q, R)`` (torch.linalg.qr, modes 'reduced' and 'complete'); see :class:`QR` for the backward."""
    if mode not in ("reduced", "complete"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           "or 'complete' (Kiln has no 'r' mode)")
    q, r = QR.apply(_matrix("linalg.qr", A), mode)
    return return_types.qr(q, r)


def pinv(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    """Moore-Penrose pseudo-inverse from the SVD, singular values at or below ``max(atol, rtol * smax)`` dropped
    (torch.linalg.pinv; rtol defaults to eps * max(m, n) when atol is not given)."""
    a = _matrix("linalg.pinv", A)
    u, s, vh = linalg_svd(a, full_matrices=False)
    tol = _tolerance(a, s, atol, rtol)
    keep = s > tol
    s_inv = _ix.where(keep, 1.0 / _ix.where(keep, s, 1.0), 0.0)
    return _la.matmul(_mt(vh) * _sh.unsqueeze(s_inv, -2), _mt(u))


def _tolerance(a, s, atol, rtol):
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(np.dtype(str(s.dtype).split(".")[-1])).eps * max(
            a.shape[-2], a.shape[-1])
    smax = _red.amax(s, -1, True).detach() if s.shape[-1] else s.detach()
    return _el.maximum(smax * rtol, (atol or 0.0) + smax * 0)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    """Number of singular values above ``max(atol, rtol * smax)`` (torch.linalg.matrix_rank; int64, no grad)."""
    a = _matrix("linalg.matrix_rank", A).detach()
    s = svdvals(a)
    return _red.sum(s > _tolerance(a, s, atol, rtol), -1)


def matrix_power(A, n):  # noqa: N803
    """``A`` to the integer power ``n`` by repeated squaring; ``n = 0`` is the identity, ``n < 0`` powers the
    inverse (torch.linalg.matrix_power)."""
    a = operand(A)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, got shape {tuple(a.shape)}")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        eye = get_array_module(a.array).eye(a.shape[-1], dtype=a.array.dtype)
        return _sh.broadcast_to(Tensor._wrap(eye), tuple(a.shape)) + a * 0
    if n < 0:
        a, n = inv(a), -n
    result, base = None, a
    while n:
        if n & 1:
            result = base if result is None else _la.matmul(result, base)
        n >>= 1
        if n:
            base = _la.matmul(base, base)
    return result


# ---- torch's top-level spellings ---------------------------------------------------------------------------

inverse = inv  # torch.inverse is torch.linalg.inv


def svd(input, some=True, compute_uv=True):  # noqa: A002
    """torch.svd: ``(U, S, V)`` with ``A = U diag(S) V^T`` (V, not Vh), reduced when ``some``; with
    ``compute_uv=False`` U and V are zero-filled, as torch's."""
    u, s, vh = linalg_svd(input, full_matrices=not some)
    v = _mt(vh)
    if not compute_uv:
        u, v = u.detach() * 0, v.detach() * 0
    return return_types.svd_uv(u, s, v)


def pinverse(input, rcond=1e-15):  # noqa: A002
    """torch.pinverse: :func:`pinv` with singular values at or below ``rcond * smax`` dropped."""
    return pinv(input, rtol=rcond)
