"""examples/polynomial_regression.py: Bishop's curve-fitting table, asserted on numbers."""
import numpy as np

from ._load import load

pr = load("polynomial_regression")


def test_weights_explode_without_regularisation_and_errors_behave(capsys):
    res = pr.main([])
    out = capsys.readouterr().out
    assert "Fitted coefficients" in out and "RMS error" in out
    fits, lam = res["fits"], res["lambda"]
    w9, w9_reg = fits[(9, 0.0)]["w"], fits[(9, lam)]["w"]
    assert np.abs(w9).max() > 1e4                          # the famous exploding coefficients
    assert np.abs(w9).max() > 100 * np.abs(w9_reg).max()   # ... tamed by ln(lambda) = -18
    assert fits[(9, 0.0)]["train_rms"] < 1e-5             # M = 9 interpolates the 10 points
    assert fits[(9, lam)]["test_rms"] < fits[(9, 0.0)]["test_rms"]
    assert fits[(3, 0.0)]["test_rms"] < fits[(0, 0.0)]["test_rms"]
    assert fits[(3, 0.0)]["test_rms"] < fits[(9, 0.0)]["test_rms"]
    train = [fits[(m, 0.0)]["train_rms"] for m in pr.ORDERS]
    assert all(a >= b for a, b in zip(train, train[1:]))  # training error falls with the order


def test_newton_with_autodiff_hessian_matches_least_squares():
    rng = np.random.default_rng(0)
    x, t = pr.make_data(15, 0.3, rng)
    for order, lam in ((3, 0.0), (5, 1e-3)):
        phi = pr.design_matrix(x, order)
        ref = np.linalg.solve(phi.T @ phi + lam * np.eye(order + 1), phi.T @ t)
        np.testing.assert_allclose(pr.fit(x, t, order, lam), ref, rtol=1e-6, atol=1e-8)
