"""Learning-rate schedules produce their documented closed-form sequences, per group, and round-trip
through state_dict; ReduceLROnPlateau follows PyTorch's patience / cooldown / threshold rules."""
import numpy as np
import pytest

import engine
import optim
from optim import lr_scheduler as S


def _opt(lrs=(0.1, 0.03)):
    return optim.SGD([{"params": [engine.randn(2, requires_grad=True)], "lr": lr} for lr in lrs], lr=1.0)


def _sequence(sched, n=30):
    out = [sched.get_last_lr()]
    for _ in range(n - 1):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr())
    assert out[-1] == [g["lr"] for g in sched.optimizer.param_groups]
    return np.array(out)


BASE = np.array([0.1, 0.03])
T = np.arange(30)[:, None]


@pytest.mark.parametrize(
    "make, closed",
    [
        (lambda o: S.StepLR(o, step_size=7, gamma=0.5), BASE * 0.5 ** (T // 7)),
        (lambda o: S.MultiStepLR(o, milestones=[20, 5, 12, 12], gamma=0.3),
         BASE * 0.3 ** ((T >= 5).astype(int) + 2 * (T >= 12) + (T >= 20))),
        (lambda o: S.ExponentialLR(o, gamma=0.9), BASE * 0.9**T),
        (lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
         0.001 + (BASE - 0.001) * (1 + np.cos(np.pi * T / 10)) / 2),
        (lambda o: S.LambdaLR(o, lambda t: 1 / (1 + t) ** 0.5), BASE / np.sqrt(1 + T)),
        (lambda o: S.LambdaLR(o, [lambda t: 0.5**t, lambda t: t + 1]), BASE * np.hstack([0.5**T, T + 1.0])),
        (lambda o: S.InverseTimeLR(o, decay=0.2), BASE / (1 + 0.2 * T)),
        (lambda o: S.InverseTimeLR(o, decay=0.5, power=0.75), BASE / (1 + 0.5 * T) ** 0.75),
    ],
    ids=["step", "multistep", "exponential", "cosine", "lambda", "lambda-per-group", "inverse-time", "inverse-power"],
)
def test_schedule_matches_closed_form(make, closed):
    opt = _opt()
    got = _sequence(make(opt))
    np.testing.assert_allclose(got, closed, rtol=1e-14, atol=0)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]


def test_cosine_reaches_eta_min_at_t_max():
    opt = _opt()
    s = S.CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    for _ in range(4):
        s.step()
    assert s.get_last_lr() == pytest.approx([0.01, 0.01], abs=1e-15)


def test_state_dict_resumes_schedule():
    opt = _opt()
    s = S.StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(5):
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 5
    opt2 = _opt()
    opt2.load_state_dict(opt.state_dict())  # the current lr lives in the optimizer's state, as in torch
    s2 = S.StepLR(opt2, step_size=100, gamma=0.9)
    s2.load_state_dict(sd)
    s.step(), s2.step()
    assert s2.get_last_lr() == s.get_last_lr() == [0.1 * 0.25, 0.03 * 0.25]


def test_resume_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.ExponentialLR(_opt(), gamma=0.9, last_epoch=4)


def test_reduce_on_plateau_patience_threshold_cooldown_min_lr():
    opt = _opt((1.0, 0.1))
    s = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, threshold=0.1, cooldown=1, min_lr=[0.3, 0.0])
    metrics = [10, 9.5, 9.2, 9.1, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    lrs = []
    for m in metrics:
        s.step(m)
        lrs.append(s.get_last_lr())
    # 10 is best; 9.5, 9.2, 9.1 are within 10% (rel threshold) -> bad 1, 2, 3 > patience: reduce at epoch 3;
    # epoch 4 (8.0 < 10 * 0.9) improves and is the cooldown epoch; bad epochs 5, 6, 7 -> reduce at epoch 7
    # (group 0 floors at 0.3); cooldown at 8, bad 9, 10, 11 -> reduce at 11 (group 0 stays at its floor).
    # The same sequence as torch.optim.lr_scheduler.ReduceLROnPlateau.
    want = [[1.0, 0.1]] * 3 + [[0.5, 0.05]] * 4 + [[0.3, 0.025]] * 4 + [[0.3, 0.0125]]
    np.testing.assert_allclose(lrs, want)


def test_reduce_on_plateau_max_mode_abs():
    opt = _opt((1.0,))
    s = S.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.5, threshold_mode="abs")
    s.step(1.0)
    s.step(1.4)  # not better by more than 0.5
    assert s.get_last_lr() == [pytest.approx(0.1)]
    s.step(2.0)
    assert s.get_last_lr() == [pytest.approx(0.1)]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda o: S.StepLR(o, step_size=0), "step_size"),
        (lambda o: S.CosineAnnealingLR(o, T_max=0), "T_max"),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.5), "factor"),
        (lambda o: S.ReduceLROnPlateau(o, mode="avg"), "avg"),
        (lambda o: S.LambdaLR(o, [lambda t: 1.0]), "expected 2"),
        (lambda o: S.InverseTimeLR(o, decay=-1), "decay"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make(_opt())


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="not an Optimizer"):
        S.StepLR(object(), step_size=1)

