"""Torch parity of the scans, products and sorts (engine/ops/scan.py, engine/ops/sort.py)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402

from .torch_parity import check, check_error  # noqa: E402

R = np.random.default_rng(1)
X = R.standard_normal((3, 5))
TIES = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.5, 0.5, -1.0, 0.5, 2.0]])
ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5], [2.0, -0.5, 1.5, 0.7]])
INT = np.array([[3, 1, 2, 2], [0, -4, 5, 1]])

CASES = [
    ("cumsum", lambda T, x: T.cumsum(x, dim=1), X),
    ("cumsum_dim0_method", lambda T, x: x.cumsum(0), X),
    ("cumsum_0d", lambda T, x: T.cumsum(x, 0), np.array(1.5)),
    ("cumsum_empty", lambda T, x: T.cumsum(x, 1), np.zeros((2, 0))),
    ("cumsum_int", lambda T, x: T.cumsum(x, 1), INT),
    ("cumsum_bool", lambda T, x: T.cumsum(x, 0), np.array([True, False, True])),
    ("cumsum_dtype", lambda T, x: T.cumsum(x, 0, dtype=T.float64 if T is torch else "float64"), np.array([1, 2, 3])),
    ("cumprod", lambda T, x: T.cumprod(x, 1), X),
    ("cumprod_zeros", lambda T, x: x.cumprod(1), ZEROS),
    ("cumprod_zeros_dim0", lambda T, x: T.cumprod(x, 0), ZEROS),
    ("cumprod_int", lambda T, x: T.cumprod(x, 1), INT),
    ("cummax", lambda T, x: T.cummax(x, 1), X),
    ("cummax_ties", lambda T, x: T.cummax(x, dim=1), TIES),
    ("cummin_ties", lambda T, x: x.cummin(1), -TIES),
    ("cummin_dim0", lambda T, x: T.cummin(x, 0), X),
    ("cummax_int", lambda T, x: T.cummax(x, 1), INT),
    ("cummax_0d", lambda T, x: T.cummax(x, 0), np.array(2.0)),
    ("logcumsumexp", lambda T, x: T.logcumsumexp(x, 1), X),
    ("logcumsumexp_large", lambda T, x: x.logcumsumexp(0), X * 300),
    ("prod_all", lambda T, x: T.prod(x), X),
    ("prod_dim", lambda T, x: x.prod(1), X),
    ("prod_keepdim", lambda T, x: x.prod(0, keepdim=True), X),
    ("prod_one_zero", lambda T, x: T.prod(x, 1), ZEROS),
    ("prod_zeros_all", lambda T, x: x.prod(), ZEROS),
    ("prod_int", lambda T, x: T.prod(x, 1), INT),
    ("prod_empty", lambda T, x: T.prod(x, 1), np.zeros((2, 0))),
    ("sort", lambda T, x: T.sort(x, dim=1), X),
    ("sort_desc", lambda T, x: x.sort(0, descending=True), X),
    ("sort_stable_ties", lambda T, x: T.sort(x, dim=1, stable=True), TIES),
    ("sort_stable_desc_ties", lambda T, x: T.sort(x, dim=1, descending=True, stable=True), TIES),
    ("sort_nan", lambda T, x: T.sort(x, descending=True), np.array([1.0, np.nan, np.inf, -1.0])),
    ("sort_nan_asc", lambda T, x: T.sort(x), np.array([1.0, np.nan, np.inf, -1.0])),
    ("sort_int", lambda T, x: T.sort(x, dim=1, stable=True), INT),
    ("sort_bool", lambda T, x: T.sort(x, stable=True), np.array([True, False, True, False])),
    ("sort_0d", lambda T, x: T.sort(x), np.array(2.0)),
    ("argsort", lambda T, x: T.argsort(x, dim=1), X),
    ("argsort_desc_stable", lambda T, x: x.argsort(dim=1, descending=True, stable=True), TIES),
    ("topk", lambda T, x: T.topk(x, 2), X),
    ("topk_smallest_dim0", lambda T, x: x.topk(2, dim=0, largest=False), X),
    ("topk_k0", lambda T, x: T.topk(x, 0), X),
    ("kthvalue", lambda T, x: T.kthvalue(x, 2, 1), X),
    ("kthvalue_keepdim", lambda T, x: x.kthvalue(3, 0, keepdim=True), X),
    ("msort", lambda T, x: T.msort(x), X),
    # non-contiguous inputs (a transposed view, a strided slice)
    ("cumsum_transposed", lambda T, x: T.cumsum(x.t() if T is torch else x.T, 1), X),
    ("cumprod_strided", lambda T, x: T.cumprod(x[:, ::2], 1), X),
    ("sort_transposed", lambda T, x: T.sort(x.t() if T is torch else x.T, 1, True), X),
    ("logcumsumexp_strided", lambda T, x: T.logcumsumexp(x[::2], 0), X),
]


@pytest.mark.parametrize("name,fn,x", CASES, ids=[c[0] for c in CASES])
def test_parity(name, fn, x):
    check(fn, x)


def test_named_results():
    x = engine.tensor([[3.0, 1.0, 2.0]])
    r = x.sort()
    assert r.values.tolist() == [[1.0, 2.0, 3.0]] and r.indices.tolist() == [[1, 2, 0]]
    v, i = engine.cummax(x, 1)
    assert v.tolist() == [[3.0, 3.0, 3.0]] and i.tolist() == [[0, 0, 0]]


def test_errors():
    check_error(lambda T, x: T.topk(x, 6), RuntimeError, r"topk: k \(6\) is out of range", X)
    check_error(lambda T, x: T.cumsum(x, 2), IndexError, "cumsum: dim 2 is out of range", X)
    check_error(lambda T, x: T.sort(x, 3), IndexError, "sort: dim 3 is out of range", X)
    check_error(lambda T, x: T.kthvalue(x, 0), RuntimeError, r"kthvalue: k \(0\) is out of range", X)
