"""Every schedule's lr (and, for the cyclic ones, momentum) sequence equals torch.optim.lr_scheduler's over 30
steps, per param group (torch as the oracle; skipped without it)."""
import numpy as np
import pytest

import engine
import optim

torch = pytest.importorskip("torch")


def _pair(opt_name, **kw):
    ours = getattr(optim, opt_name)([{"params": [engine.randn(2, requires_grad=True)], "lr": lr}
                                     for lr in (0.1, 0.03)], **kw)
    theirs = getattr(torch.optim, opt_name)([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                                             for lr in (0.1, 0.03)], **kw)
    return ours, theirs


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]


# (optimizer, its kwargs, a function of (lr_scheduler module, optimizer) -> scheduler)
CASES = {
    "linear": ("SGD", {}, lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=7)),
    "linear-down": ("SGD", {}, lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20)),
    "multiplicative": ("SGD", {}, lambda S, o: S.MultiplicativeLR(o, lambda t: 0.95 if t % 2 else 1.01)),
    "chained-multiplicative": ("SGD", {}, lambda S, o: S.ChainedScheduler(
        [S.MultiplicativeLR(o, lambda t: 0.9), S.StepLR(o, step_size=5, gamma=0.5)])),
    "constant": ("SGD", {}, lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4)),
    "polynomial": ("SGD", {}, lambda S, o: S.PolynomialLR(o, total_iters=12, power=2.0)),
    "step": ("SGD", {}, lambda S, o: S.StepLR(o, step_size=7, gamma=0.5)),
    "multistep": ("SGD", {}, lambda S, o: S.MultiStepLR(o, milestones=[20, 5, 12, 12], gamma=0.3)),
    "cosine-past-tmax": ("SGD", {}, lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "onecycle-cos": ("SGD", dict(momentum=0.9), lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=30)),
    "onecycle-linear-3phase": ("Adam", {}, lambda S, o: S.OneCycleLR(
        o, max_lr=0.5, epochs=6, steps_per_epoch=5, pct_start=0.25, anneal_strategy="linear", three_phase=True)),
    "cyclic-triangular": ("SGD", dict(momentum=0.9), lambda S, o: S.CyclicLR(
        o, base_lr=0.01, max_lr=[0.1, 0.05], step_size_up=4, step_size_down=3)),
    "cyclic-triangular2": ("SGD", dict(momentum=0.9), lambda S, o: S.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2", base_momentum=0.7)),
    "cyclic-exp-range-adam": ("Adam", {}, lambda S, o: S.CyclicLR(
        o, base_lr=0.001, max_lr=0.01, step_size_up=5, mode="exp_range", gamma=0.95)),
    "cyclic-scale-fn": ("SGD", {}, lambda S, o: S.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations",
        cycle_momentum=False)),
    "warm-restarts": ("SGD", {}, lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.001)),
    "warm-restarts-1": ("SGD", {}, lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7)),
    "sequential": ("SGD", {}, lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)], milestones=[5])),
    "sequential-3": ("SGD", {}, lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.5, total_iters=10), S.CosineAnnealingLR(o, T_max=8),
            S.StepLR(o, step_size=3, gamma=0.5)], milestones=[4, 15])),
    "chained": ("SGD", {}, lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=6), S.ExponentialLR(o, gamma=0.9)])),
    "chained-cosine": ("SGD", {}, lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, start_factor=0.2, total_iters=4), S.CosineAnnealingLR(o, T_max=10, eta_min=0.01)])),
}


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_equals_torch_over_30_steps(case):
    opt_name, kw, make = CASES[case]
    ours, theirs = _pair(opt_name, **kw)
    s_ours, s_theirs = make(optim.lr_scheduler, ours), make(torch.optim.lr_scheduler, theirs)
    got, want = [], []
    for _ in range(30):
        got.append(s_ours.get_last_lr() + [g["lr"] for g in ours.param_groups] + _momenta(ours))
        want.append(list(s_theirs.get_last_lr()) + [g["lr"] for g in theirs.param_groups] + _momenta(theirs))
        ours.step()
        theirs.step()
        s_ours.step()
        s_theirs.step()
    np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float), rtol=1e-12, atol=1e-15)


def test_onecycle_refuses_to_step_past_its_end_and_stays_as_it_was():
    ours, _ = _pair("SGD")
    s = optim.lr_scheduler.OneCycleLR(ours, max_lr=0.5, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        s.step()
    before = (s.last_epoch, s._step_count, s.get_last_lr())
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 4 times; the specified number of total steps is 3"):
        s.step()
    assert (s.last_epoch, s._step_count, s.get_last_lr()) == before
