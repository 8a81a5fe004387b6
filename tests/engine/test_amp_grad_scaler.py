"""engine.amp.GradScaler against torch.amp.GradScaler on the same gradient stream: the scales, the skipped
steps and the parameters after each step agree; errors as torch's."""
import numpy as np
import pytest

import engine
import optim
from engine.amp import GradScaler

torch = pytest.importorskip("torch")

# per step: the unscaled gradient, and where to put a non-finite value (None: a clean step)
STREAM = [(0.5, None), (-1.0, None), (2.0, "inf"), (0.25, None), (1.0, None), (0.75, None), (-0.5, "nan"),
          (0.1, None), (0.2, None), (0.3, None), (0.4, None)]


def _grads(scale):
    for k, (g, bad) in enumerate(STREAM):
        grad = np.full(3, g * scale(), np.float32) * np.array([1.0, 2.0, -1.0], np.float32)
        if bad is not None:
            grad[1] = np.inf if bad == "inf" else np.nan
        yield grad


def _run_torch():
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=3)
    scales, params = [], []
    for grad in _grads(scaler.get_scale):
        scaler.scale(torch.ones(()))  # torch creates its scale on the first scale()
        p.grad = torch.from_numpy(grad.copy())
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        params.append(p.detach().numpy().copy())
    return scales, params, scaler.state_dict()


def _run_kiln():
    p = engine.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    scaler = GradScaler(init_scale=2.0**10, growth_interval=3)
    scales, params = [], []
    for grad in _grads(scaler.get_scale):
        scaler.scale(engine.tensor(1.0))
        p.grad = engine.tensor(grad.copy())
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        params.append(p.numpy().copy())
    return scales, params, scaler.state_dict()


def test_scale_skip_backoff_growth_sequence_matches_torch():
    t_scales, t_params, t_state = _run_torch()
    k_scales, k_params, k_state = _run_kiln()
    assert k_scales == t_scales
    assert t_scales[:4] == [1024.0, 1024.0, 512.0, 512.0]  # the inf step backs off; growth needs 3 clean steps
    for a, b in zip(k_params, t_params):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert k_state == {k: t_state[k] for k in k_state}


def test_scale_unscale_and_errors():
    p = engine.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    scaler = GradScaler(init_scale=8.0)
    loss = scaler.scale((p * 3.0).sum())
    assert loss.item() == 48.0
    loss.backward()
    scaler.unscale_(opt)
    np.testing.assert_array_equal(p.grad.numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    np.testing.assert_array_equal(p.numpy(), [-2.0, -2.0])
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    scaler.update()
    with pytest.raises(RuntimeError, match="No inf checks were recorded"):
        scaler.update()
    with pytest.raises(ValueError, match="growth_factor must be > 1"):
        GradScaler(growth_factor=1.0)
    off = GradScaler(enabled=False)
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}


def test_state_dict_round_trip():
    a = GradScaler(init_scale=4.0, growth_interval=5)
    a._growth_tracker = 2
    b = GradScaler()
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict() == {"scale": 4.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                                "growth_interval": 5, "_growth_tracker": 2}
    with pytest.raises(RuntimeError, match="state dict is empty"):
        b.load_state_dict({})
