"""engine.amp.GradScaler against torch.amp.GradScaler("cpu") on one gradient stream with injected
infs, NaNs and a float32 overflow: scales, skipped steps and parameters equal step by step; the
misuse errors; state_dict; a disabled scaler."""
import numpy as np
import pytest

import engine
import nn
import optim
from engine.amp import GradScaler

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the clipping of inf gradients warns, as in torch

STEPS = 30
rng = np.random.default_rng(1)
W0 = rng.standard_normal((3, 4)).astype(np.float32)
B0 = rng.standard_normal(4).astype(np.float32)
COEFS = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(STEPS)]
COEFS[3][0, 1] = np.inf
COEFS[4][2, 2] = -np.inf
COEFS[10][1, 0] = np.nan
COEFS[12][0, 0] = 1e37  # finite, but times the scale (>= 2**7 here) it overflows float32
COEFS[21][2, 3] = np.nan


def _run_kiln(clip):
    w = nn.Parameter(engine.tensor(W0))
    b = nn.Parameter(engine.tensor(B0))
    opt = optim.SGD([w, b], lr=0.01, momentum=0.9)
    scaler = GradScaler("cpu", init_scale=2.0**10, growth_interval=4)
    trace = []
    for c in COEFS:
        opt.zero_grad()
        loss = (w * engine.tensor(c)).sum() + (b * b).sum()
        scaler.scale(loss).backward()
        if clip:
            scaler.unscale_(opt)
            optim.clip_grad_norm_([w, b], 5.0)
        before = w.numpy().copy()
        scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), bool(np.array_equal(before, w.numpy())), w.numpy().copy(), b.numpy().copy()))
    return trace, scaler


def _run_torch(clip):
    w = torch.nn.Parameter(torch.tensor(W0))
    b = torch.nn.Parameter(torch.tensor(B0))
    opt = torch.optim.SGD([w, b], lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=4)
    trace = []
    for c in COEFS:
        opt.zero_grad()
        loss = (w * torch.tensor(c)).sum() + (b * b).sum()
        scaler.scale(loss).backward()
        if clip:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_([w, b], 5.0)
        before = w.detach().numpy().copy()
        scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), bool(np.array_equal(before, w.detach().numpy())),
                      w.detach().numpy().copy(), b.detach().numpy().copy()))
    return trace, scaler


@pytest.mark.parametrize("clip", [False, True], ids=["step", "unscale_+clip+step"])
def test_scale_skip_backoff_growth_sequence_equals_torch(clip):
    kiln, ks = _run_kiln(clip)
    ref, ts = _run_torch(clip)
    assert [t[0] for t in kiln] == [t[0] for t in ref]            # scales after every update
    assert [t[1] for t in kiln] == [t[1] for t in ref]            # which steps were skipped
    skipped = [i for i, t in enumerate(kiln) if t[1]]
    assert skipped == [3, 4, 10, 12, 21]
    assert len({t[0] for t in kiln}) > 3                          # it both backed off and grew
    for i, (k, r) in enumerate(zip(kiln, ref)):
        np.testing.assert_allclose(k[2], r[2], rtol=1e-5, atol=1e-6, err_msg=f"weight after step {i}")
        np.testing.assert_allclose(k[3], r[3], rtol=1e-5, atol=1e-6, err_msg=f"bias after step {i}")
    assert ks.state_dict() == ts.state_dict()


def test_misuse_raises_as_torch_does():
    w = nn.Parameter(engine.tensor(W0))
    opt = optim.SGD([w], lr=0.1)
    scaler = GradScaler("cpu")
    with pytest.raises(RuntimeError, match="did not use scaler.scale"):
        scaler.step(opt)
    scaler.scale((w * w).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer"):
        scaler.unscale_(opt)
    np.testing.assert_allclose(w.grad.numpy(), 2 * W0, rtol=1e-6)  # unscaled once, not twice
    scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0.0)
    scaler.update()
    with pytest.raises(RuntimeError, match="no inf checks were recorded"):
        scaler.update()
    with pytest.raises(ValueError, match="growth_factor must be > 1.0"):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="backoff_factor must be < 1.0"):
        GradScaler("cpu", backoff_factor=1.5)
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda', got 'tpu'"):
        GradScaler("tpu")


def test_state_dict_round_trip_and_new_scale():
    a = GradScaler("cpu", init_scale=8.0, growth_interval=7)
    w = nn.Parameter(engine.tensor(W0))
    opt = optim.SGD([w], lr=0.1)
    a.scale((w * w).sum()).backward()
    a.step(opt)
    a.update()
    sd = a.state_dict()
    assert sd == {"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 7,
                  "_growth_tracker": 1}
    b = GradScaler("cpu")
    b.load_state_dict(sd)
    assert b.state_dict() == sd and b.get_scale() == 8.0
    b.scale(engine.tensor(1.0))
    b.update(new_scale=3.0)
    assert b.get_scale() == 3.0
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        b.load_state_dict({})


def test_disabled_scaler_passes_through():
    s = GradScaler("cpu", enabled=False)
    x = engine.tensor([2.0])
    assert s.scale(x) is x and s.get_scale() == 1.0 and s.state_dict() == {} and not s.is_enabled()
    w = nn.Parameter(engine.tensor(W0))
    opt = optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    s.step(opt)
    np.testing.assert_allclose(w.numpy(), W0 - 0.5 * 2 * W0, rtol=1e-6)
