"""examples/two_layer_sigmoid.py: hand-written backprop == autodiff == numerical; XOR learned."""
import numpy as np

from ._load import load

tl = load("two_layer_sigmoid")


def test_gradients_agree_three_ways():
    rng = np.random.default_rng(5)
    x, t = tl.make_xor(30, rng)
    params = tl.init_params(2, 5, rng)
    checks = tl.check_gradients(params, x, t)
    assert checks["gradcheck"] is True
    assert checks["manual_vs_autodiff"] < 1e-12


def test_learns_xor_perfectly(capsys):
    res = tl.main(["--steps", "400"])
    assert "gradcheck" in capsys.readouterr().out
    assert res["train_accuracy"] == 1.0
    assert res["test_accuracy"] > 0.95
    assert res["history"][-1][1] < 0.1 * res["history"][0][1]
    # the problem is not linearly separable: the best linear classifier is near chance
    x, t = tl.make_xor(400, np.random.default_rng(0))
    X = np.c_[x, np.ones(len(x))]
    w = np.linalg.lstsq(X, t, rcond=None)[0]
    assert ((X @ w > 0.5) == (t > 0.5)).mean() < 0.75
