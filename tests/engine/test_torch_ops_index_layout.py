"""Torch parity of the index ops (engine/ops/index.py), layout ops (engine/ops/layout.py) and einsum."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402

from .torch_parity import check, check_error  # noqa: E402

R = np.random.default_rng(2)
X = R.standard_normal((3, 4))
X3 = R.standard_normal((2, 3, 4))
IDX = np.array([[0, 2, 1, 0], [1, 1, 0, 2], [2, 0, 0, 1]])
MASK = np.array([[True, False, True, False]])

CASES = [
    ("gather", lambda T, x, i: T.gather(x, 1, i), X, np.array([[0, 3], [1, 1], [2, 0]])),
    ("gather_dim0", lambda T, x, i: x.gather(0, i), X, IDX[:2]),
    ("gather_smaller", lambda T, x, i: T.gather(x, 1, i), X, np.array([[1], [0]])),
    ("scatter", lambda T, x, i, s: T.scatter(x, 1, i, s), X, np.array([[0, 3], [1, 2], [2, 0]]), X[:, :2] * 2),
    ("scatter_value", lambda T, x, i: x.scatter(1, i, 7.5), X, np.array([[0, 3], [1, 2], [2, 0]])),
    ("scatter_add", lambda T, x, i, s: T.scatter_add(x, 0, i, s), X, IDX, R.standard_normal((3, 4))),
    ("scatter_add_method", lambda T, x, i, s: x.scatter_add(1, i, s), X, IDX, R.standard_normal((3, 4))),
    ("index_select", lambda T, x, i: T.index_select(x, 1, i), X, np.array([3, 0, 0, 2])),
    ("index_select_dim0", lambda T, x, i: x.index_select(0, i), X, np.array([2, 2])),
    ("masked_fill", lambda T, x, m: x.masked_fill(m, -1.5), X, MASK),
    ("masked_fill_tensor_value", lambda T, x, m, v: T.masked_fill(x, m, v), X, MASK, np.array(0.25)),
    ("masked_select", lambda T, x, m: T.masked_select(x, m), X, MASK),
    ("masked_select_broadcast", lambda T, x, m: x.masked_select(m), X[0], np.array([[True], [False]])),
    ("nonzero", lambda T, x: T.nonzero(x), np.array([[0, 1, 0], [2, 0, 3]])),
    ("nonzero_tuple", lambda T, x: x.nonzero(as_tuple=True), np.array([[0, 1, 0], [2, 0, 3]])),
    ("nonzero_0d", lambda T, x: T.nonzero(x), np.array(3.0)),
    ("nonzero_empty", lambda T, x: T.nonzero(x), np.zeros((2, 0))),
    ("where1", lambda T, c: T.where(c), np.array([[True, False], [False, True]])),
    ("where3", lambda T, c, a, b: T.where(c, a, b), MASK, X, X[:1]),
    ("where3_scalar", lambda T, c, a: T.where(c, a, 0.0), MASK, X),
    ("take_along_dim", lambda T, x, i: T.take_along_dim(x, i, dim=1), X, np.array([[0], [2], [3]])),
    ("repeat", lambda T, x: x.repeat(2, 3), X),
    ("repeat_more_dims", lambda T, x: x.repeat(2, 1, 2), X),
    ("repeat_0d", lambda T, x: x.repeat(3), np.array(1.5)),
    ("repeat_zero", lambda T, x: x.repeat(0, 2), X),
    ("tile", lambda T, x: T.tile(x, (2,)), X),
    ("repeat_interleave", lambda T, x: x.repeat_interleave(2), X),
    ("repeat_interleave_dim", lambda T, x: T.repeat_interleave(x, 3, dim=1), X),
    ("repeat_interleave_counts", lambda T, x, r: T.repeat_interleave(x, r, dim=0), X, np.array([1, 0, 3])),
    ("flip", lambda T, x: T.flip(x, [0, 2]), X3),
    ("flip_method", lambda T, x: x.flip(1), X),
    ("fliplr_flipud", lambda T, x: (T.fliplr(x), T.flipud(x)), X),
    ("roll", lambda T, x: T.roll(x, 1, 1), X),
    ("roll_multi", lambda T, x: x.roll((1, -2), (0, 2)), X3),
    ("roll_flat", lambda T, x: T.roll(x, 5), X),
    ("tril", lambda T, x: T.tril(x), X),
    ("triu_diag", lambda T, x: x.triu(1), X),
    ("tril_neg_batch", lambda T, x: T.tril(x, -1), X3),
    ("diagonal", lambda T, x: T.diagonal(x), X),
    ("diagonal_offset", lambda T, x: x.diagonal(offset=-1), X),
    ("diagonal_dims", lambda T, x: T.diagonal(x, 1, 0, 2), X3),
    ("diag_vec", lambda T, x: T.diag(x), X[0]),
    ("diag_vec_offset", lambda T, x: T.diag(x, -2), X[0]),
    ("diag_mat", lambda T, x: x.diag(1), X),
    ("diag_embed", lambda T, x: T.diag_embed(x), X),
    ("unflatten", lambda T, x: x.unflatten(1, (2, 2)), X),
    ("unflatten_neg", lambda T, x: T.unflatten(x, -1, (2, -1)), X3),
    ("unfold", lambda T, x: x.unfold(1, 2, 1), X),
    ("unfold_step", lambda T, x: x.unfold(0, 2, 2), X3),
    ("unfold_last", lambda T, x: x.unfold(-1, 3, 2), X3),
    ("movedim", lambda T, x: T.movedim(x, 0, 2), X3),
    ("movedim_multi", lambda T, x: x.movedim((0, 1), (2, 0)), X3),
    ("einsum_matmul", lambda T, a, b: T.einsum("ij,jk->ik", a, b), X, X.T),
    ("einsum_implicit", lambda T, a, b: T.einsum("ij,jk", a, b), X, X.T),
    ("einsum_trace", lambda T, a: T.einsum("ii", a), X[:, :3]),
    ("einsum_diag", lambda T, a: T.einsum("ii->i", a), X[:, :3]),
    ("einsum_sum", lambda T, a: T.einsum("ij->", a), X),
    ("einsum_transpose", lambda T, a: T.einsum("ij->ji", a), X),
    ("einsum_batch", lambda T, a, b: T.einsum("bij,bjk->bik", a, b), X3, R.standard_normal((2, 4, 2))),
    ("einsum_ellipsis", lambda T, a, b: T.einsum("...ij,...jk->...ik", a, b), X3, R.standard_normal((4, 2))),
    ("einsum_ellipsis_broadcast", lambda T, a, b: T.einsum("...j,...j->...", a, b), X3, R.standard_normal((1, 4))),
    ("einsum_outer", lambda T, a, b: T.einsum("i,j->ij", a, b), X[0], X[1]),
    ("einsum_three", lambda T, a, b, c: T.einsum("ij,jk,kl->il", a, b, c), X, X.T, X),
    ("einsum_list", lambda T, a, b: T.einsum("i,i->", [a, b]), X[0], X[1]),
    ("einsum_bilinear", lambda T, a, w, b: T.einsum("bn,anm,bm->ba", a, w, b), X[:2, :3], X3[:, :3, :3] + 0,
     X[1:, :3]),
    ("gather_transposed", lambda T, x, i: T.gather(x.t() if T is torch else x.T, 0, i), X, IDX[:, :3]),
    ("roll_strided", lambda T, x: T.roll(x[:, ::2], 1, 0), X),
    ("einsum_transposed", lambda T, a: T.einsum("ij,jk->ik", a, a.t() if T is torch else a.T), X),
    ("einsum_spaces_upper", lambda T, a, b: T.einsum("iJ, Jk -> ik", a, b), X, X.T),
]


@pytest.mark.parametrize("name,fn,xs", [(c[0], c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_parity(name, fn, xs):
    check(fn, *xs)


def test_errors():
    check_error(lambda T, x, i: T.gather(x, 1, i), IndexError, "gather: index 4 is out of bounds", X,
                np.array([[4], [0], [0]]))
    check_error(lambda T, x, i: T.index_select(x, 0, i), IndexError, "index_select: index out of range", X,
                np.array([3]))
    check_error(lambda T, x: T.tril(x), RuntimeError, "tril: input tensor must have at least 2", X[0])
    check_error(lambda T, x: x.repeat(2), RuntimeError, "repeat: number of repeat dims", X)
    check_error(lambda T, x: x.unflatten(1, (3, 2)), RuntimeError, "unflatten: sizes", X)
    check_error(lambda T, x: x.unfold(1, 5, 1), RuntimeError, "unfold: size 5", X)
    check_error(lambda T, a, b: T.einsum("ij,jk->ik", a, b), RuntimeError, "einsum: letter 'j' has sizes", X, X)
    check_error(lambda T, a: T.einsum("ij->iij", a), RuntimeError, "einsum: output subscript", X)
    check_error(lambda T, x, m: x.masked_fill(m, 1.0), RuntimeError, "masked_fill: mask of shape", X,
                np.array([True, False]))


def test_einsum_is_twice_differentiable():
    a = engine.tensor(X, dtype="float64", requires_grad=True)
    b = engine.tensor(X.T.copy(), dtype="float64", requires_grad=True)
    assert engine.gradgradcheck(lambda p, q: engine.einsum("ij,jk->ik", p, q), [a, b])


VIEW_CASES = [
    ("view", lambda T, x: x.view(4, 3), X),
    ("view_neg", lambda T, x: x.view(-1), X3),
    ("view_tuple", lambda T, x: x.view((2, 12)), X3),
    ("view_as", lambda T, x, y: x.view_as(y), X, np.zeros((2, 6))),
    ("reshape_as", lambda T, x, y: x.reshape_as(y), X, np.zeros((12,))),
    ("expand", lambda T, x: x.expand(2, 3, 4), X[:1]),
    ("expand_keep", lambda T, x: x.expand(5, -1, -1), X),
    ("expand_as", lambda T, x, y: x.expand_as(y), X[:, :1], X),
    ("expand_0d", lambda T, x: x.expand(3, 2), np.array(1.5)),
    ("cat", lambda T, a, b: T.cat([a, b], dim=1), X, X[:, :2]),
    ("cat_default", lambda T, a, b: T.cat((a, b)), X, X[:1]),
    ("cat_neg_dim", lambda T, a, b: T.concat([a, b], -1), X3, X3),
    ("cat_skip_empty", lambda T, a, b: T.cat([a, b]), X, np.zeros(0)),
    ("cat_promote", lambda T, a, b: T.cat([a, b]), X, np.array([[1, 2, 3, 4]])),
    ("hstack", lambda T, a, b: T.hstack([a, b]), X, X),
    ("hstack_1d", lambda T, a, b: T.hstack([a, b]), X[0], X[1]),
    ("vstack", lambda T, a, b: T.vstack([a, b]), X[0], X),
    ("dstack", lambda T, a, b: T.dstack([a, b]), X, X),
    ("column_stack", lambda T, a, b: T.column_stack([a, b]), X[0], X.T),
    ("var_mean", lambda T, x: T.var_mean(x, 1), X),
    ("var_mean_all_biased", lambda T, x: T.var_mean(x, unbiased=False), X),
    ("std_mean", lambda T, x: T.std_mean(x, dim=0, keepdim=True), X),
    ("std_mean_correction", lambda T, x: T.std_mean(x, (0, 2), correction=0), X3),
]


@pytest.mark.parametrize("name,fn,xs", [(c[0], c[1], c[2:]) for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_views_and_joins(name, fn, xs):
    check(fn, *xs)


def test_view_and_expand_errors():
    check_error(lambda T, x: x.view(5, 3), RuntimeError, r"view: shape \[5, 3\] is invalid for input of size 12", X)
    check_error(lambda T, x: x.expand(3, 5), RuntimeError, "expand: the expanded size 5 must match", X)
    check_error(lambda T, x: T.cat([x, x[0]]), RuntimeError, "cat: shapes", X)


def test_dtype_errors_are_runtime_errors_as_in_torch():
    check_error(lambda T, x, i: T.gather(x, 0, i), RuntimeError, "gather: index must be an integer tensor", X,
                np.zeros((1, 4)))
    check_error(lambda T, x, m: T.where(m, x, x), RuntimeError, "where: condition must be a bool tensor", X,
                np.ones((3, 4)))
    check_error(lambda T, x, m: x.masked_fill(m, 0.0), RuntimeError, "masked_fill: mask must be a bool tensor", X,
                np.ones((3, 4), dtype=np.int64))
    check_error(lambda T, x: T.logcumsumexp(x, 0), RuntimeError, "logcumsumexp: expected a floating tensor",
                np.array([1, 2]))
