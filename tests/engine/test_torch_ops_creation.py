"""Creation and random factories (engine/creation.py, engine/random.py) against torch where the
numbers are deterministic, and reproducibility (same seed, same numbers) where they are random."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402

from .torch_parity import check, compare_outputs  # noqa: E402


def _same(t, e):
    compare_outputs(torch, t, e, dict(rtol=1e-6, atol=1e-7))


def test_linspace_logspace_eye_empty():
    _same(torch.linspace(-1, 2, 7), engine.linspace(-1, 2, 7))
    _same(torch.linspace(0, 1, 1), engine.linspace(0, 1, 1))
    _same(torch.linspace(0, 1, 0), engine.linspace(0, 1, 0))
    _same(torch.linspace(0, 1, 5, dtype=torch.float64), engine.linspace(0, 1, 5, dtype="float64"))
    _same(torch.logspace(0, 2, 3), engine.logspace(0, 2, 3))
    _same(torch.eye(3), engine.eye(3))
    _same(torch.eye(2, 4), engine.eye(2, 4))
    e = engine.empty(2, 3)
    assert e.shape == (2, 3) and e.dtype == np.float32
    assert engine.empty((0, 4), dtype="int64").dtype == np.int64


def test_like_factories_keep_shape_dtype_device():
    x = engine.tensor(np.zeros((2, 3)), dtype="float64")
    for f in (engine.zeros_like, engine.ones_like, engine.empty_like, engine.rand_like, engine.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == np.float64 and y.device == x.device
    assert engine.full_like(x, 2.5).tolist() == [[2.5] * 3] * 2
    r = engine.rand_like(x)
    assert ((r.numpy() >= 0) & (r.numpy() < 1)).all()
    with pytest.raises(RuntimeError, match="rand_like: expected a floating dtype"):
        engine.rand_like(engine.tensor([1, 2]))


def test_meshgrid_matches_torch_with_gradient():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5])
    check(lambda T, x, y: T.meshgrid(x, y, indexing="ij"), a, b)
    check(lambda T, x, y: T.meshgrid(x, y, indexing="xy"), a, b)
    check(lambda T, x, y, z: T.meshgrid([x, y, z], indexing="xy"), a, b, a[:2])


def test_randint_randperm_shapes_ranges_dtypes():
    r = engine.randint(3, 9, (4, 5))
    assert r.shape == (4, 5) and r.dtype == np.int64 and r.numpy().min() >= 3 and r.numpy().max() < 9
    r = engine.randint(4, size=(100,))
    assert set(np.unique(r.numpy())) <= {0, 1, 2, 3}
    assert engine.randint(0, 5, (3,), dtype="int32").dtype == np.int32
    p = engine.randperm(10)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(10))
    assert engine.randint_like(engine.zeros(2, 2), 5).dtype == np.float32
    with pytest.raises(RuntimeError, match="randint: expected low < high"):
        engine.randint(5, 5, (2,))


def test_manual_seed_and_generators_reproduce():
    engine.manual_seed(123)
    a = (engine.rand(3), engine.randn(2, 2), engine.randint(0, 100, (5,)), engine.randperm(6))
    engine.manual_seed(123)
    b = (engine.rand(3), engine.randn(2, 2), engine.randint(0, 100, (5,)), engine.randperm(6))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    g1, g2 = engine.Generator().manual_seed(7), engine.Generator()
    g2.manual_seed(7)
    for f in (lambda g: engine.rand(4, generator=g), lambda g: engine.randn(4, generator=g),
              lambda g: engine.randint(0, 50, (4,), generator=g), lambda g: engine.randperm(8, generator=g)):
        np.testing.assert_array_equal(f(g1).numpy(), f(g2).numpy())
    assert g1.initial_seed() == 7


def test_generator_state_round_trip():
    g = engine.Generator().manual_seed(3)
    engine.rand(5, generator=g)
    state = g.get_state()
    first = engine.randn(4, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(engine.randn(4, generator=g).numpy(), first)
    s = g.seed()
    assert g.initial_seed() == s
    st = engine.get_rng_state()
    x = engine.rand(3).numpy()
    engine.set_rng_state(st)
    np.testing.assert_array_equal(engine.rand(3).numpy(), x)
    with pytest.raises(RuntimeError, match="set_state: expected a state of 80 bytes"):
        g.set_state(engine.zeros(3, dtype="uint8"))


def test_from_numpy_shares_memory_and_helpers():
    a = np.arange(4.0)
    t = engine.from_numpy(a)
    assert t.dtype == np.float64
    a[0] = 9.0
    assert t.tolist()[0] == 9.0
    with pytest.raises(TypeError, match="from_numpy: expected np.ndarray"):
        engine.from_numpy([1, 2])
    assert engine.is_tensor(t) and not engine.is_tensor(a)
    assert engine.numel(engine.zeros(2, 3)) == 6
    assert engine.allclose(engine.tensor([1.0]), engine.tensor([1.0 + 1e-9])) is True
    _same(torch.clamp(torch.tensor([-2.0, 0.5, 3.0]), -1, 1), engine.clamp(engine.tensor([-2.0, 0.5, 3.0]), -1, 1))
