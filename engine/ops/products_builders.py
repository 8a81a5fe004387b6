"""torch's matrix builders and integrals/statistics over products: ``block_diag``, ``cartesian_prod``,
``combinations``, ``tril_indices``/``triu_indices``, ``diagflat``, ``vander``, ``trapezoid``,
``cumulative_trapezoid``, ``cov`` and ``corrcoef`` — compositions of differentiable engine ops (the index
builders return int64 tensors and have no gradient), with torch's shapes, defaults and errors.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from . import elementwise as _el, index as _ix, layout as _lay, linalg as _la, reduce as _red, scan as _scan
from . import shape as _sh
from ._util import constant, operand, wrap_dim


def _zeros(like, shape):
    return constant(get_array_module(like.array).zeros(shape, dtype=like.array.dtype))


def block_diag(*tensors):
    """Block-diagonal matrix of 0-d, 1-d (a row) or 2-d tensors (torch.block_diag); dtypes promote."""
    mats = []
    for i, t in enumerate(tensors):
        t = operand(t)
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        mats.append(_sh.reshape(t, *((1, 1) if t.ndim == 0 else (1, -1) if t.ndim == 1 else t.shape)))
    if not mats:
        return constant(np.zeros((0, 0), dtype=np.float32))
    dtype = np.result_type(*[m.array.dtype for m in mats])
    mats = [m.to(str(dtype)) if m.array.dtype != dtype else m for m in mats]
    width = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        rows.append(_sh.cat([_zeros(m, (r, left)), m, _zeros(m, (r, width - left - c))], 1))
        left += c
    return _sh.cat(rows, 0)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, as rows (torch.cartesian_prod); one tensor is
    returned as it is."""
    ts = [operand(t) for t in tensors]
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expect a 1D vector, but got shape {tuple(t.shape)} for input {i}")
    if len(ts) == 1:
        return ts[0]
    sizes = [t.shape[0] for t in ts]
    cols = []
    for i, t in enumerate(ts):
        shape = [1] * len(ts)
        shape[i] = sizes[i]
        cols.append(_sh.reshape(_sh.broadcast_to(_sh.reshape(t, *shape), tuple(sizes)), -1))
    return _sh.stack(cols, 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """Length-``r`` combinations of a 1-d tensor's elements, as rows (torch.combinations, itertools' order)."""
    x = operand(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {tuple(x.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return _zeros(x, (0,))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if idx.size == 0:
        return _zeros(x, (0, r))
    xp = get_array_module(x.array)
    return _sh.reshape(_ix.index_select(x, 0, constant(xp.asarray(idx.reshape(-1)))), -1, r)


def _tri_indices(np_fn, row, col, offset, dtype, device):
    import engine  # noqa: PLC0415  (engine imports this module)

    rows, cols = np_fn(row, offset, col)
    return engine.tensor(np.stack([rows, cols]).astype(np.int64), dtype=dtype or "int64", device=device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """2 x N indices (row, column) of the lower triangle of a row x col matrix (torch.tril_indices)."""
    return _tri_indices(np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """2 x N indices (row, column) of the upper triangle of a row x col matrix (torch.triu_indices)."""
    return _tri_indices(np.triu_indices, row, col, offset, dtype, device)


def diagflat(input, offset=0):  # noqa: A002
    """The flattened input on diagonal ``offset`` of a square matrix (torch.diagflat)."""
    return _lay.diag(_sh.reshape(operand(input), -1), offset)


def vander(x, N=None, increasing=False):  # noqa: N803  (torch's name)
    """Columns ``x ** (N-1), ..., x, 1`` (reversed when ``increasing``) of a 1-d tensor (torch.vander)."""
    x = operand(x)
    if x.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor, got shape {tuple(x.shape)}")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"N must be non-negative, got {N}")
    if n == 0:
        return _zeros(x, (x.shape[0], 0))
    cols = [x * 0 + 1] + [x if k == 1 else x ** k for k in range(1, n)]
    if not increasing:
        cols = cols[::-1]
    return _sh.stack(cols, 1)


def _trapezoid_parts(name, y, x, dx, dim):
    y = operand(y)
    d = wrap_dim(dim, y.ndim, name)
    n = y.shape[d]
    avg = (_sh.narrow(y, d, 1, n - 1) + _sh.narrow(y, d, 0, n - 1)) * 0.5 if n else y
    if x is None:
        return avg * (1.0 if dx is None else dx), d
    x = operand(x)
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point, got x of shape "
                               f"{tuple(x.shape)} and y of shape {tuple(y.shape)} along dim {dim}")
        shape = [1] * y.ndim
        shape[d] = n - 1
        dxs = _sh.reshape(x[1:] - x[:-1], *shape)
    else:
        dxs = _sh.narrow(x, d, 1, n - 1) - _sh.narrow(x, d, 0, n - 1)
    return avg * dxs, d


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Trapezoidal rule along ``dim``, over sample points ``x`` or a constant spacing ``dx`` (default 1)
    (torch.trapezoid)."""
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: pass either x or dx, not both")
    parts, d = _trapezoid_parts("trapezoid", y, x, dx, dim)
    return _red.sum(parts, d)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integral along ``dim``: one value fewer than ``y`` (torch.cumulative_trapezoid)."""
    if x is not None and dx is not None:
        raise RuntimeError("cumulative_trapezoid: pass either x or dx, not both")
    parts, d = _trapezoid_parts("cumulative_trapezoid", y, x, dx, dim)
    return _scan.cumsum(parts, d)


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """Covariance of the rows (variables) of a 2-d tensor over its columns (observations), or the variance of
    a 1-d one, with integer frequency and real observation weights (torch.cov)."""
    x = operand(input)
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{x.ndim} dimensions")
    if not x.is_floating_point():
        x = x.to("float32")
    obs = _sh.reshape(x, 1, -1) if x.ndim < 2 else x
    n = obs.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        wt = operand(wt)
        if wt.ndim > 1 or wt.shape[0] != n:
            raise RuntimeError(f"cov(): expected {name} to have one dimension with {n} elements, got shape "
                               f"{tuple(wt.shape)}")
        if bool((wt.detach() < 0).any()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        if name == "fweights" and wt.is_floating_point():
            raise RuntimeError("cov(): expected fweights to have integral dtype")
        w = wt if w is None else w * wt
    if w is None:
        w_sum = float(n)
        avg = _red.mean(obs, 1, True)
        fact = w_sum - correction
    else:
        w = w.to(obs.dtype)
        w_sum = _red.sum(w)
        avg = _red.sum(obs * w, 1, True) / w_sum
        if aweights is None:
            fact = w_sum - correction
        else:
            fact = w_sum - correction * _red.sum(w * operand(aweights).to(obs.dtype)) / w_sum
    fact = _el.maximum(fact if isinstance(fact, Tensor) else constant(np.asarray(fact, obs.array.dtype)), 0.0)
    centered = obs - avg
    weighted = centered if w is None else centered * w
    c = _la.matmul(weighted, _sh.transpose(centered, 0, 1)) / fact
    return _sh.squeeze(c) if x.ndim < 2 else c


def corrcoef(input):  # noqa: A002
    """Pearson correlation coefficients of the rows of a 2-d tensor, clipped to [-1, 1] (torch.corrcoef)."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    sd = _el.sqrt(_lay.diagonal(c))
    return (c / _sh.unsqueeze(sd, 1) / _sh.unsqueeze(sd, 0)).clamp(-1, 1)
