"""EarlyStopping: patience / min_delta / mode semantics, best weights kept in memory and in a checkpoint
file, restored on request (also by a fresh stopper from the file alone)."""
import numpy as np
import pytest

import engine
import optim


class TinyModel:
    """The two methods EarlyStopping needs, over raw arrays (so these tests do not need nn)."""

    def __init__(self):
        self.w = engine.tensor(np.zeros(3), dtype="float64", requires_grad=True)

    def state_dict(self):
        return {"w": engine.Tensor._wrap(self.w.array)}  # shares memory, like nn.Module.state_dict

    def load_state_dict(self, sd):
        v = sd["w"]
        self.w.array[...] = v.array if isinstance(v, engine.Tensor) else v


def test_patience_and_best_weights(tmp_path):
    model = TinyModel()
    path = tmp_path / "best.npz"
    stopper = optim.EarlyStopping(patience=3, checkpoint=path)
    metrics = [5.0, 4.0, 3.0, 3.5, 3.2, 2.999, 3.1, 3.3, 3.4]
    stops = []
    for epoch, m in enumerate(metrics):
        model.w.array[...] = epoch  # "training" changes the weights in place
        stops.append(stopper.step(m, model))
        if stops[-1]:
            break
    assert stops == [False] * 8 + [True]
    assert stopper.best == 2.999 and stopper.best_epoch == 5
    model.w.array[...] = -1
    stopper.restore_best(model)
    np.testing.assert_array_equal(model.w.numpy(), 5.0)
    # a fresh stopper (a new process, say) restores from the checkpoint file
    other = TinyModel()
    optim.EarlyStopping(patience=3, checkpoint=path).restore_best(other)
    np.testing.assert_array_equal(other.w.numpy(), 5.0)


def test_min_delta_and_max_mode():
    s = optim.EarlyStopping(patience=2, mode="max", min_delta=0.1)
    assert not s(0.5) and not s(0.55) and s(0.59)  # +0.05, +0.09 do not count as improvement
    assert s.best == 0.5 and s.should_stop
    s = optim.EarlyStopping(patience=1, mode="max")
    assert not s(0.5) and not s(0.6) and s(float("nan"))


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        optim.EarlyStopping(mode="avg")
    with pytest.raises(ValueError, match="patience"):
        optim.EarlyStopping(patience=-1)
    with pytest.raises(RuntimeError, match="no best weights"):
        optim.EarlyStopping().restore_best(TinyModel())


def test_with_nn_module(tmp_path):
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear not available yet")
    model = nn.Linear(3, 2)
    stopper = optim.EarlyStopping(patience=1, checkpoint=tmp_path / "lin.npz")
    stopper.step(1.0, model)
    best = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    for p in model.parameters():
        p.array[...] = 7
    assert stopper.step(2.0, model)
    stopper.restore_best(model)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), best[k])
