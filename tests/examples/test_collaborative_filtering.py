"""examples/collaborative_filtering.py: held-out RMSE near the noise floor, far below the mean baseline."""
from ._load import load

cf = load("collaborative_filtering")


def test_heldout_rmse_close_to_noise_floor(capsys):
    res = cf.main(["--steps", "200"])
    assert "noise floor" in capsys.readouterr().out
    assert res["test_rmse"] < 1.3 * res["noise"]
    assert res["test_rmse"] > 0.9 * res["noise"]          # cannot beat the noise (no leak from held-out)
    assert res["baseline_rmse"] > 2.5 * res["test_rmse"]
    assert res["train_rmse"] < res["test_rmse"]
