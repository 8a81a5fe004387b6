"""EarlyStopping.state_dict / load_state_dict: a resumed stopper makes the same decisions."""
import pytest

import optim


def test_round_trip_continues_identically():
    losses = [1.0, 0.8, 0.85, 0.9, 0.7, 0.75, 0.76, 0.77]
    straight = optim.EarlyStopping(patience=2)
    decisions = [straight.step(v) for v in losses]
    first = optim.EarlyStopping(patience=2)
    for v in losses[:3]:
        first.step(v)
    resumed = optim.EarlyStopping(patience=2)
    resumed.load_state_dict(first.state_dict())
    assert [resumed.step(v) for v in losses[3:]] == decisions[3:]
    assert (resumed.best, resumed.best_epoch) == (straight.best, straight.best_epoch) == (0.7, 4)


def test_missing_key_is_named():
    with pytest.raises(KeyError, match="num_bad_epochs"):
        optim.EarlyStopping(patience=1).load_state_dict({"best": 1.0, "best_epoch": 0, "epoch": 0,
                                                         "should_stop": False})
