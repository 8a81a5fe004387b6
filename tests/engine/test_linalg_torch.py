"""Products, norms and torch.linalg against PyTorch in float64: values, and input gradients by backward of a
random weighting of every output (the same weights on both sides); exact errors.  Each case is a function of
the module (``engine`` or ``torch``) and its inputs, so one lambda runs on both."""
import math

import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")

INF = math.inf


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out]


def _spd(rng, shape):
    x = rng.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def parity(fn, *arrays, grad=True, rtol=1e-10, atol=1e-12):
    """``fn(engine, *tensors)`` against ``fn(torch, *tensors)``: values, dtypes, shapes and input gradients."""
    ours = [engine.tensor(a, requires_grad=grad and np.asarray(a).dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and np.asarray(a).dtype.kind == "f") for a in arrays]
    out_e, out_t = _flat(fn(engine, *ours)), _flat(fn(torch, *theirs))
    assert len(out_e) == len(out_t)
    rng = np.random.default_rng(9)
    loss_e = loss_t = 0
    for e, t in zip(out_e, out_t):
        assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)
        if t.requires_grad:
            assert e.requires_grad
            w = rng.standard_normal(tuple(t.shape))
            loss_e = loss_e + (e * engine.tensor(w)).sum()
            loss_t = loss_t + (t * torch.tensor(w)).sum()
    if grad and not isinstance(loss_t, int):
        loss_e.backward()
        loss_t.backward()
        for e, t in zip(ours, theirs):
            if t.grad is not None:
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=rtol * 1e3, atol=atol * 1e3)
    return out_e


R = np.random.default_rng(0)
V3, W3, V4 = R.standard_normal(3), R.standard_normal(3), R.standard_normal(4)
M34, M43, M33 = R.standard_normal((3, 4)), R.standard_normal((4, 3)), R.standard_normal((3, 3))
B234, B245 = R.standard_normal((2, 3, 4)), R.standard_normal((2, 4, 5))

PRODUCTS = {
    "dot": (lambda m, a, b: m.dot(a, b), V3, W3),
    "vdot": (lambda m, a, b: m.vdot(a, b), V3, W3),
    "inner_vec": (lambda m, a, b: m.inner(a, b), V3, W3),
    "inner_batched": (lambda m, a, b: m.inner(a, b), B234, M34),
    "inner_scalar": (lambda m, a, b: m.inner(a, b), np.array(2.5), M34),
    "outer": (lambda m, a, b: m.outer(a, b), V3, V4),
    "ger_method": (lambda m, a, b: a.ger(b), V3, V4),
    "mv": (lambda m, a, b: a.mv(b), M34, V4),
    "addmv": (lambda m, c, a, b: m.addmv(c, a, b, beta=0.5, alpha=2.0), V3, M34, V4),
    "addr": (lambda m, c, a, b: c.addr(a, b, alpha=-1.5), M34, V3, V4),
    "baddbmm": (lambda m, c, a, b: m.baddbmm(c, a, b, beta=2, alpha=0.5), R.standard_normal((2, 3, 5)), B234, B245),
    "addbmm": (lambda m, c, a, b: m.addbmm(c, a, b, beta=0.5), R.standard_normal((3, 5)), B234, B245),
    "chain_matmul": (lambda m, a, b, c: m.chain_matmul(a, b, c), M34, M43, M33),
    "multi_dot": (lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d]), V3, M34, M43, W3),
    "tensordot_int": (lambda m, a, b: m.tensordot(a, b, dims=1), B234, M43),
    "tensordot_lists": (lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), R.standard_normal((3, 2, 5)),
                        R.standard_normal((2, 4, 3))),
    "tensordot_0": (lambda m, a, b: m.tensordot(a, b, dims=0), V3, M34),
    "kron": (lambda m, a, b: m.kron(a, b), M34, R.standard_normal((2, 1, 3))),
    "trace": (lambda m, a: a.trace(), M34),
    "cross_default_dim": (lambda m, a, b: m.cross(a, b), R.standard_normal((4, 3, 3)), R.standard_normal((4, 3, 3))),
    "cross_broadcast": (lambda m, a, b: a.cross(b, dim=1), R.standard_normal((2, 3)), R.standard_normal((1, 3))),
    "linalg_cross": (lambda m, a, b: m.linalg.cross(a, b), R.standard_normal((3, 3)), R.standard_normal((1, 3))),
    "cdist_p2": (lambda m, a, b: m.cdist(a, b), R.standard_normal((2, 4, 3)), R.standard_normal((2, 5, 3))),
    "cdist_p1": (lambda m, a, b: m.cdist(a, b, p=1.0), R.standard_normal((4, 3)), R.standard_normal((5, 3))),
    "cdist_p3": (lambda m, a, b: m.cdist(a, b, p=3.0), R.standard_normal((4, 3)), R.standard_normal((5, 3))),
    "cdist_inf": (lambda m, a, b: m.cdist(a, b, p=INF), R.standard_normal((4, 3)), R.standard_normal((5, 3))),
    "dist": (lambda m, a, b: m.dist(a, b, 3), M34, R.standard_normal(4)),
    "renorm": (lambda m, a: a.renorm(2, 0, 1.5), R.standard_normal((3, 4)) * 2),
    "renorm_p1_dim1": (lambda m, a: m.renorm(a, 1, 1, 2.0), R.standard_normal((2, 3, 2)) * 2),
    "block_diag": (lambda m, a, b, c: m.block_diag(a, b, c), M34, np.array(2.0), V3),
    "cartesian_prod": (lambda m, a, b, c: m.cartesian_prod(a, b, c), V3, V4[:2], W3[:1]),
    "combinations": (lambda m, a: m.combinations(a), V4),
    "combinations_r3_repl": (lambda m, a: m.combinations(a, 3, with_replacement=True), V3),
    "diagflat": (lambda m, a: a.diagflat(), R.standard_normal((2, 2))),
    "diagflat_offset": (lambda m, a: m.diagflat(a, -1), V3),
    "trapezoid": (lambda m, a: m.trapezoid(a), M34),
    "trapezoid_x": (lambda m, a, x: m.trapezoid(a, x, dim=0), M34, np.sort(V3)),
    "trapezoid_dx": (lambda m, a: m.trapezoid(a, dx=0.5, dim=0), M34),
    "cumulative_trapezoid": (lambda m, a, x: m.cumulative_trapezoid(a, x), M34, np.sort(V4)),
    "cov": (lambda m, a: a.cov(), M34),
    "cov_1d": (lambda m, a: m.cov(a, correction=0), V4),
    "cov_weights": (lambda m, a, aw: m.cov(a, fweights=m.tensor([1, 2, 1, 3]), aweights=aw), M34,
                    np.abs(V4) + 0.1),
    "corrcoef": (lambda m, a: a.corrcoef(), M34),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_match_torch(name):
    fn, *arrays = PRODUCTS[name]
    parity(fn, *arrays)


NORMS = {
    "norm_default": (lambda m, a: a.norm(), B234),
    "norm_p3_dim": (lambda m, a: m.norm(a, 3, dim=1, keepdim=True), B234),
    "norm_fro_dims": (lambda m, a: m.norm(a, "fro", dim=(0, 2)), B234),
    "norm_nuc": (lambda m, a: m.norm(a, "nuc"), M34),
    "norm_inf": (lambda m, a: a.norm(INF, dim=-1), B234),
    "norm_p1_tuple": (lambda m, a: m.norm(a, 1, dim=(1, 2)), B234),
    "vector_norm_ord_half": (lambda m, a: m.linalg.vector_norm(a, 0.5, dim=(0, 1)), B234),
    "vector_norm_neg_inf": (lambda m, a: m.linalg.vector_norm(a, -INF), B234),
    "vector_norm_0": (lambda m, a: m.linalg.vector_norm(a, 0, dim=1), np.array([[0.0, 1.0], [2.0, 0.0]])),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b, dim=1), B234, R.standard_normal((3, 1))),
    "linalg_matmul": (lambda m, a, b: m.linalg.matmul(a, b), B234, M43),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(a + a.mT), M33),
    "linalg_norm_vec": (lambda m, a: m.linalg.norm(a, 3), V4),
    "linalg_norm_mat_default": (lambda m, a: m.linalg.norm(a), B234),
    "linalg_norm_dim_tuple": (lambda m, a: m.linalg.norm(a, dim=(0, 2)), B234),
}
for _ord in ("fro", "nuc", 1, -1, 2, -2, INF, -INF):
    NORMS[f"matrix_norm_{_ord}"] = (lambda m, a, o=_ord: m.linalg.matrix_norm(a, o), B234)
    NORMS[f"linalg_norm_2d_{_ord}"] = (lambda m, a, o=_ord: m.linalg.norm(a, o, keepdim=True), M34)
NORMS["matrix_norm_dims"] = (lambda m, a: m.linalg.matrix_norm(a, 1, dim=(2, 0), keepdim=True), B234)


@pytest.mark.parametrize("name", sorted(NORMS))
def test_norms_match_torch(name):
    fn, *arrays = NORMS[name]
    parity(fn, *arrays)


@pytest.mark.parametrize("p", [2, 3, 1, INF])
def test_norm_subgradient_at_zero_is_torchs(p):
    """The 2-norm (and p-norms) of a zero vector: gradient 0, not nan, as torch."""
    out = parity(lambda m, a: m.linalg.vector_norm(a, p, dim=1), np.array([[0.0, 0.0], [3.0, -4.0]]))
    assert out[0].tolist() == pytest.approx([0.0, 5.0] if p == 2 else out[0].tolist())
    x = engine.zeros(3, dtype="float64", requires_grad=True)
    engine.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = engine.zeros(2, 3, dtype="float64", requires_grad=True)
    engine.cdist(y, y).sum().backward()
    assert not np.isnan(y.grad.numpy()).any()


DECOMPOSITIONS = {
    "det": (lambda m, a: m.linalg.det(a), R.standard_normal((2, 3, 3))),
    "det_near_singular": (lambda m, a: m.linalg.det(a), np.outer(V3, W3)),
    "det_top_method": (lambda m, a: a.det() + m.det(a), M33),
    "slogdet": (lambda m, a: (lambda s, v: (s.detach(), v))(*m.linalg.slogdet(a)), R.standard_normal((2, 3, 3))),
    "slogdet_top": (lambda m, a: a.slogdet()[1], M33),
    "logdet_pos": (lambda m, a: m.logdet(a), _spd(R, (2, 3, 3))),
    "logdet_neg_is_nan": (lambda m, a: a.logdet(), np.diag([1.0, -2.0, 3.0])),
    "inv": (lambda m, a: m.linalg.inv(a), R.standard_normal((2, 2, 4, 4))),
    "inverse": (lambda m, a: a.inverse(), M33),
    "solve_matrix": (lambda m, a, b: m.linalg.solve(a, b), R.standard_normal((2, 3, 3)), R.standard_normal((2, 3, 2))),
    "solve_vector_batched": (lambda m, a, b: m.linalg.solve(a, b), R.standard_normal((2, 3, 3)),
                             R.standard_normal((2, 3))),
    "solve_vector_1d": (lambda m, a, b: m.linalg.solve(a, b), R.standard_normal((2, 3, 3)), V3),
    "solve_broadcast": (lambda m, a, b: m.linalg.solve(a, b), M33, R.standard_normal((4, 3, 2))),
    "solve_right": (lambda m, a, b: m.linalg.solve(a, b, left=False), M33, R.standard_normal((2, 3))),
    "cholesky": (lambda m, a: m.linalg.cholesky(a), _spd(R, (2, 4, 4))),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(a, upper=True), _spd(R, (3, 3))),
    "matrix_power_3": (lambda m, a: m.linalg.matrix_power(a, 3), R.standard_normal((2, 3, 3))),
    "matrix_power_0": (lambda m, a: a.matrix_power(0), R.standard_normal((2, 3, 3))),
    "matrix_power_neg": (lambda m, a: m.linalg.matrix_power(a, -2), _spd(R, (3, 3))),
    "eigvals_via_eigh": (lambda m, a: m.linalg.eigh(a + a.mT)[0], R.standard_normal((2, 4, 4))),
    "eigh_gauge_invariant": (lambda m, a: (lambda w, v: (v * w.unsqueeze(-2)) @ v.mT + v.abs())(
        *m.linalg.eigh(a + a.mT)),
                             R.standard_normal((2, 3, 3))),
    "eigh_upper": (lambda m, a: m.linalg.eigh(a + a.mT, UPLO="U")[0], M33),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), R.standard_normal((2, 3, 5))),
    "svd_gauge_invariant_tall": (lambda m, a: (lambda u, s, vh: (u * s.sqrt().unsqueeze(-2)) @ vh + u.abs()[..., :1])(
        *m.linalg.svd(a, full_matrices=False)), R.standard_normal((2, 5, 3))),
    "svd_gauge_invariant_wide": (lambda m, a: (lambda u, s, vh: u @ vh * 2 + vh.abs())(*m.linalg.svd(a, False)),
                                 R.standard_normal((3, 5))),
    "svd_top_some": (lambda m, a: (lambda u, s, v: (u @ v.mT, s))(*m.svd(a)), R.standard_normal((4, 3))),
    "pinv_tall": (lambda m, a: m.linalg.pinv(a), R.standard_normal((2, 5, 3))),
    "pinverse": (lambda m, a: a.pinverse(), R.standard_normal((3, 4))),
    "qr_tall": (lambda m, a: m.linalg.qr(a), R.standard_normal((2, 5, 3))),
    "qr_square_complete": (lambda m, a: m.linalg.qr(a, "complete"), M33),
}


@pytest.mark.parametrize("name", sorted(DECOMPOSITIONS))
def test_decompositions_match_torch(name):
    fn, *arrays = DECOMPOSITIONS[name]
    parity(fn, *arrays, rtol=1e-9, atol=1e-10)


def test_det_gradient_of_exactly_singular_matrices_is_the_adjugate():
    """d det(A) / dA = adj(A)^T also where det(A) == 0 (the cofactors), checked numerically and on a known answer.
    torch 2.x returns 0 for diag(1, 0, 2) (its singular-input path), which the finite differences contradict."""
    a = engine.tensor(np.stack([np.diag([1.0, 0.0, 2.0]), np.zeros((3, 3)), np.outer(V3, [1.0, 2.0, 0.0])]),
                      requires_grad=True)
    engine.linalg.det(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy()[0], np.diag([0.0, 2.0, 0.0]), atol=1e-14)
    np.testing.assert_allclose(a.grad.numpy()[1], np.zeros((3, 3)), atol=1e-14)
    assert engine.gradcheck(engine.linalg.det, [a])
    assert engine.gradcheck(engine.linalg.det, [engine.tensor(np.diag([1.0, 0.0, 2.0]), requires_grad=True)])


def test_forward_only_values_match_torch():
    a = R.standard_normal((2, 4, 3))
    for mode in ("reduced", "complete"):
        parity(lambda m, x: m.linalg.qr(x, mode), a, grad=False)
    # full_matrices=True: the columns past min(m, n) are any orthonormal completion; signs are a gauge
    parity(lambda m, x: (lambda u, s, vh: (u.abs(), s, vh.abs()))(*m.linalg.svd(x)), a, grad=False)
    rank_def = np.outer(V4, V3) + np.outer(V4[::-1], W3)
    parity(lambda m, x: (m.linalg.matrix_rank(x), m.linalg.matrix_rank(x, atol=1.0, rtol=0.0)), rank_def, grad=False)
    parity(lambda m: (m.tril_indices(3, 4, 1), m.triu_indices(4, 3, -1)), grad=False)


@pytest.mark.parametrize("n,increasing", [(None, False), (3, True), (5, False)])
def test_vander(n, increasing):
    """Values against torch; gradients by gradcheck (torch's own vander backward fails: an in-place cumprod)."""
    parity(lambda m, x: m.vander(x, N=n, increasing=increasing), V4, grad=False)
    x = engine.tensor(np.array([0.0, -1.5, 2.0]), requires_grad=True)
    assert engine.gradcheck(lambda t: engine.vander(t, n, increasing), [x])


def test_named_tuples():
    a = engine.tensor(M33)
    assert engine.linalg.slogdet(a).logabsdet.shape == ()
    assert engine.linalg.eigh(a).eigenvectors.shape == (3, 3)
    assert engine.linalg.svd(a).Vh.shape == engine.svd(a).V.shape == (3, 3)
    assert engine.linalg.qr(a).R.shape == (3, 3)


def test_backward_errors_name_the_op():
    x = engine.tensor(R.standard_normal((3, 3)), requires_grad=True)
    wide = engine.tensor(R.standard_normal((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="linalg.qr: the backward is implemented for inputs with rows >= columns"):
        engine.linalg.qr(wide).Q.sum().backward()
    with pytest.raises(RuntimeError, match="linalg.qr: the backward is implemented for inputs with rows >= columns"):
        engine.linalg.qr(engine.tensor(R.standard_normal((4, 3)), requires_grad=True), "complete").R.sum().backward()
    assert engine.linalg.qr(x).Q.requires_grad
    y = engine.tensor(R.standard_normal((4, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="linalg.svd: the backward of full_matrices=True"):
        engine.linalg.svd(y).U.sum().backward()


def test_singular_and_non_positive_definite_raise_linalg_error():
    """torch.linalg.inv/solve/cholesky raise torch.linalg.LinAlgError (a RuntimeError); so do we."""
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.tensor(singular))
    assert issubclass(engine.linalg.LinAlgError, RuntimeError)
    with pytest.raises(engine.linalg.LinAlgError, match="linalg.inv: .*singular"):
        engine.linalg.inv(engine.tensor(singular))
    with pytest.raises(engine.linalg.LinAlgError, match="linalg.solve: .*singular"):
        engine.linalg.solve(engine.tensor(singular), engine.ones(2, dtype="float64"))
    with pytest.raises(engine.linalg.LinAlgError, match="linalg.cholesky: .*not positive-definite"):
        engine.linalg.cholesky(engine.tensor(-np.eye(2)))
    assert engine.linalg.det(engine.tensor(singular)).item() == 0.0
    assert engine.logdet(engine.tensor(singular)).item() == -INF


@pytest.mark.parametrize("call,match", [
    (lambda: engine.linalg.det(engine.ones(2, 3)), r"linalg.det: A must be batches of square matrices, but they "
                                                  r"are 2 by 3 matrices"),
    (lambda: engine.linalg.inv(engine.ones(3)), r"linalg.inv: The input tensor A must have at least 2 dimensions"),
    (lambda: engine.linalg.inv(engine.ones(2, 2, dtype="int64")), r"linalg.inv: Expected a floating point tensor"),
    (lambda: engine.linalg.solve(engine.eye(3), engine.ones(2)), r"linalg.solve: Incompatible shapes"),
    (lambda: engine.dot(engine.ones(3), engine.ones(4)), r"dot: inconsistent tensor size"),
    (lambda: engine.dot(engine.ones(2, 3), engine.ones(3)), r"dot: 1D tensors expected, but got 2D and 1D tensors"),
    (lambda: engine.mv(engine.ones(2, 3), engine.ones(2)), r"mv: size mismatch, got input \(2x3\) and vec \(2\)"),
    (lambda: engine.tensordot(engine.ones(2, 3), engine.ones(2, 3), dims=1), r"tensordot: contracted dimensions"),
    (lambda: engine.cross(engine.ones(2, 4), engine.ones(2, 4)), r"cross: no dimension of size 3"),
    (lambda: engine.linalg.cross(engine.ones(3, 2), engine.ones(3, 2)),
     r"cross: inputs dimension -1 must have length 3"),
    (lambda: engine.cross(engine.ones(2, 3), engine.ones(3)), r"cross: inputs must have the same number of dim"),
    (lambda: engine.cdist(engine.ones(2, 3), engine.ones(2, 4)), r"X1 and X2 must have the same number of columns"),
    (lambda: engine.linalg.matrix_norm(engine.ones(3)), r"linalg.matrix_norm: the input tensor A must have at least 2"),
    (lambda: engine.linalg.matrix_norm(engine.ones(3, 3), 3), r"linalg.matrix_norm: Order 3 not supported"),
    (lambda: engine.linalg.norm(engine.ones(2, 2, 2), 2), r"linalg.norm: If dim is not specified but ord is"),
    (lambda: engine.trace(engine.ones(2, 2, 2)), r"trace: expected a matrix"),
    (lambda: engine.block_diag(engine.ones(1, 1, 1)), r"block_diag: Input tensors must have 2 or fewer dimensions"),
    (lambda: engine.cov(engine.ones(2, 2, 2)), r"cov\(\): expected input to have two or fewer dimensions"),
    (lambda: engine.linalg.qr(engine.ones(2, 2), "r"), r"linalg.qr: qr received unrecognized mode 'r'"),
    (lambda: engine.linalg.eigh(engine.ones(2, 2), "X"), r"linalg.eigh: Expected UPLO argument to be 'L' or 'U'"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_torch_raises_too_where_we_raise():
    """The error classes above are torch's: RuntimeError for each of these shapes."""
    for call in (lambda: torch.linalg.det(torch.ones(2, 3)), lambda: torch.dot(torch.ones(3), torch.ones(4)),
                 lambda: torch.linalg.cross(torch.ones(3, 2), torch.ones(3, 2)),
                 lambda: torch.cdist(torch.ones(2, 3), torch.ones(2, 4)),
                 lambda: torch.linalg.norm(torch.ones(2, 2, 2), 2)):
        with pytest.raises(RuntimeError):
            call()
