"""Op-table cases for the Functions of engine/ops/decompositions.py (det, slogdet, inv, solve, cholesky, eigh,
svd, qr), reached through engine.linalg as users call them, with torch.linalg as the reference.  Inputs are
made well-conditioned (``inputs``); cholesky and eigh read one triangle, so their rows symmetrise the input
first (the numerical gradient then sees what the analytic one gives); eigh and svd rows return quantities
invariant to the eigen/singular vectors' signs (``v * v``), the only ones with a defined gradient; qr's rows
have rows >= columns (where its backward is defined)."""
import numpy as np

import engine

from .op_table import OpCase, torch_module

_F32 = {"float32": dict(rtol=2e-4, atol=2e-5)}


def _T():
    return torch_module()


def _conditioned(rng, shapes):
    """Random matrices with 3 * I added (the first input) and plain random right-hand sides (the others)."""
    first, *rest = shapes
    return [rng.standard_normal(first) + 3 * np.eye(first[-1])] + [rng.standard_normal(s) for s in rest]


def _spd(rng, shapes):
    x = rng.standard_normal(shapes[0])
    return [x @ np.swapaxes(x, -1, -2) + shapes[0][-1] * np.eye(shapes[0][-1])]


def _sym(a):
    return (a + a.mT) * 0.5


def _gauge_free_svd(linalg, a):
    u, s, vh = linalg.svd(a, full_matrices=False)
    return u * u, s, vh * vh


def _gauge_free_eigh(linalg, a):
    w, v = linalg.eigh(_sym(a))
    return w, v * v


_SQUARE = [((3, 3),), ((2, 3, 3),)]

LINALG_CASES = [
    OpCase("linalg_det", ("Det", "Inv"), lambda a: engine.linalg.det(a), _SQUARE,
           torch=lambda a: _T().linalg.det(a), tol=_F32),
    OpCase("linalg_slogdet", ("SlogDet", "Inv"), lambda a: engine.linalg.slogdet(a).logabsdet, _SQUARE,
           torch=lambda a: _T().linalg.slogdet(a).logabsdet, tol=_F32),
    OpCase("linalg_inv", ("Inv",), lambda a: engine.linalg.inv(a), _SQUARE + [((2, 2, 4, 4),)],
           inputs=_conditioned, torch=lambda a: _T().linalg.inv(a), tol=_F32),
    OpCase("linalg_solve", ("Solve",), lambda a, b: engine.linalg.solve(a, b),
           [((3, 3), (3, 2)), ((2, 3, 3), (2, 3)), ((3, 3), (2, 3, 1))],
           inputs=_conditioned, torch=lambda a, b: _T().linalg.solve(a, b), tol=_F32),
    OpCase("linalg_cholesky", ("Cholesky", "Inv"), lambda a: engine.linalg.cholesky(_sym(a)),
           [((3, 3),), ((2, 4, 4),)], inputs=_spd, torch=lambda a: _T().linalg.cholesky(_sym(a)), tol=_F32),
    OpCase("linalg_eigh", ("Eigh",), lambda a: _gauge_free_eigh(engine.linalg, a), _SQUARE,
           torch=lambda a: _gauge_free_eigh(_T().linalg, a), tol=_F32),
    OpCase("linalg_svd", ("Svd",), lambda a: _gauge_free_svd(engine.linalg, a),
           [((3, 3),), ((4, 3),), ((2, 3, 4),)], torch=lambda a: _gauge_free_svd(_T().linalg, a), tol=_F32),
    OpCase("linalg_qr", ("QR", "Inv"), lambda a: engine.linalg.qr(a), [((4, 3),), ((2, 3, 3),)],
           torch=lambda a: _T().linalg.qr(a), ref=lambda a: tuple(np.linalg.qr(a)), tol=_F32),
]
