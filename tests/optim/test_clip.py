"""clip_grad_norm_ returns the pre-clip joint norm and rescales the gradients onto the ball (or leaves
them when already inside); clip_grad_value_ clamps elementwise."""
import numpy as np
import pytest

import engine
import optim


def _params_with_grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    ps = [engine.tensor(rng.normal(size=s), dtype="float64", requires_grad=True) for s in [(3, 4), (5,), ()]]
    for p in ps:
        p.grad = engine.tensor(scale * rng.normal(size=p.shape), dtype="float64")
    ps.append(engine.zeros(2, dtype="float64", requires_grad=True))  # no grad: ignored
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_returns_pre_clip_norm_and_clips(norm_type):
    ps = _params_with_grads()
    flat = np.concatenate([p.grad.numpy().ravel() for p in ps if p.grad is not None])
    want = np.linalg.norm(flat, ord=norm_type)
    total = optim.clip_grad_norm_(ps, max_norm=0.5, norm_type=norm_type)
    assert isinstance(total, engine.Tensor)
    assert float(total) == pytest.approx(want, rel=1e-12)
    after = np.concatenate([p.grad.numpy().ravel() for p in ps if p.grad is not None])
    assert np.linalg.norm(after, ord=norm_type) == pytest.approx(0.5, rel=1e-5)
    np.testing.assert_allclose(after, flat * 0.5 / (want + 1e-6), rtol=1e-12)


def test_clip_grad_norm_leaves_small_gradients():
    ps = _params_with_grads(scale=1e-3)
    before = [p.grad.numpy().copy() for p in ps if p.grad is not None]
    total = optim.clip_grad_norm_(ps, max_norm=10.0)
    assert float(total) < 10
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(p.grad.numpy(), b)


def test_clip_grad_norm_single_tensor_float32_and_errors():
    p = engine.tensor([3.0, 4.0], requires_grad=True)
    p.grad = engine.tensor([3.0, 4.0])
    assert float(optim.clip_grad_norm_(p, 1.0)) == pytest.approx(5.0)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    assert float(optim.clip_grad_norm_([engine.zeros(2, requires_grad=True)], 1.0)) == 0.0
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_grad_norm_(p, -1.0)
    p.grad = engine.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    ps = _params_with_grads(scale=2.0)
    before = [p.grad.numpy().copy() for p in ps if p.grad is not None]
    optim.clip_grad_value_(ps, 0.7)
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(b, -0.7, 0.7))
    with pytest.raises(ValueError, match="clip_value"):
        optim.clip_grad_value_(ps, -1)
