"""Scheduler ``load_state_dict`` applies the constructor's rules before anything changes (issue 18 item 7):
torch's bare ``__dict__.update`` would take lr=nan or an unknown entry silently."""
import copy

import pytest

import engine
import optim
from optim import lr_scheduler as S


def _opt():
    return optim.SGD([{"params": [engine.randn(2, requires_grad=True)], "lr": lr} for lr in (0.1, 0.03)], lr=1.0,
                     momentum=0.9)


def _stepped(make, n=3):
    opt = _opt()
    s = make(opt)
    for _ in range(n):
        opt.step()
        s.step(1.0) if isinstance(s, S.ReduceLROnPlateau) else s.step()
    return s


def _changed(sd, **kw):
    sd = copy.deepcopy(sd)
    sd.update(kw)
    return sd


BAD = [
    (lambda o: S.StepLR(o, 3), dict(base_lrs=[float("nan"), 0.1]), ValueError, r"StepLR.load_state_dict: StepLR: "
                                                                                r"invalid base_lrs\[0\]: nan"),
    (lambda o: S.StepLR(o, 3), dict(base_lrs=[0.1]), ValueError, "base_lrs must be a list of 2 learning rates"),
    (lambda o: S.StepLR(o, 3), dict(base_lrs=["abc", 0.1]), TypeError, "must be a number"),
    (lambda o: S.StepLR(o, 3), dict(step_size=0), ValueError, "step_size must be an integer >= 1, got 0"),
    (lambda o: S.StepLR(o, 3), dict(last_epoch=-2), ValueError, "last_epoch must be an integer >= -1"),
    (lambda o: S.StepLR(o, 3), dict(last_epoch=2.5), ValueError, "last_epoch must be an integer"),
    (lambda o: S.StepLR(o, 3), dict(gamma=float("inf")), ValueError, "gamma must be a finite number"),
    (lambda o: S.StepLR(o, 3), dict(surprise=1), ValueError, r"unknown entries \['surprise'\]"),
    (lambda o: S.LambdaLR(o, lambda t: 1.0), dict(_last_lr=[-1.0, 0.1]), ValueError, r"invalid _last_lr\[0\]"),
    (lambda o: S.CosineAnnealingLR(o, T_max=5), dict(T_max=0), ValueError, "T_max must be positive"),
    (lambda o: S.LinearLR(o), dict(start_factor=2.0), ValueError, "start_factor"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2), dict(max_lrs=[0.1, float("nan")]), ValueError,
     r"max_lr\[1\]"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=10), dict(anneal_strategy="sin"), ValueError, "anneal_strategy"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3), dict(T_mult=0), ValueError, "T_mult"),
    (lambda o: S.ReduceLROnPlateau(o), dict(factor=1.5), ValueError, "factor should be in"),
    (lambda o: S.ReduceLROnPlateau(o), dict(best=float("nan")), ValueError, "best must be a number"),
    (lambda o: S.ReduceLROnPlateau(o), dict(min_lrs=[0.0]), ValueError, "min_lrs must be a list of 2"),
]


@pytest.mark.parametrize("make, change, exc, match", BAD)
def test_bad_scheduler_state_is_refused_and_changes_nothing(make, change, exc, match):
    s = _stepped(make)
    before = copy.deepcopy(s.state_dict())
    with pytest.raises(exc, match=match):
        s.load_state_dict(_changed(s.state_dict(), **change))
    assert s.state_dict() == before


def test_composite_checks_every_child_before_changing_any():
    opt = _opt()
    s = S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=2), S.ExponentialLR(opt, gamma=0.9)], [3])
    for _ in range(4):
        s.step()
    before = copy.deepcopy(s.state_dict())
    bad = copy.deepcopy(before)
    bad["_schedulers"][0]["last_epoch"] = 7      # fine on its own
    bad["_schedulers"][1]["gamma"] = float("nan")  # refused: the first child must not have changed either
    with pytest.raises(ValueError, match="ExponentialLR.load_state_dict: ExponentialLR: gamma"):
        s.load_state_dict(bad)
    assert s.state_dict() == before
    good = copy.deepcopy(before)
    good["_schedulers"][0]["last_epoch"] = 7
    s.load_state_dict(good)
    assert s._schedulers[0].last_epoch == 7
