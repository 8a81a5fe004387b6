"""Batch transforms against NumPy expectations: exact flips, crops and shifts, rotations against
np.rot90 and a per-pixel reference, noise statistics, normalisation, seeding."""
import numpy as np
import pytest

from engine import Tensor
from nn.data import transforms as T


@pytest.fixture
def batch():
    return np.random.default_rng(0).random((16, 2, 6, 7)).astype(np.float32)


def test_flip_is_exact_per_sample(batch):
    out = T.RandomHorizontalFlip(p=0.5, seed=3)(batch)
    flipped = np.random.default_rng(3).random(16) < 0.5
    assert 0 < flipped.sum() < 16
    for n in range(16):
        np.testing.assert_array_equal(out[n], batch[n, :, :, ::-1] if flipped[n] else batch[n])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(batch), batch[..., ::-1])


def test_crop_with_padding_shifts_exactly(batch):
    crop = T.RandomCrop((6, 7), padding=2, seed=5)
    out = crop(batch)
    rng = np.random.default_rng(5)
    oy, ox = rng.integers(0, 5, 16), rng.integers(0, 5, 16)
    padded = np.pad(batch, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for n in range(16):
        np.testing.assert_array_equal(out[n], padded[n, :, oy[n] : oy[n] + 6, ox[n] : ox[n] + 7])
    small = T.RandomCrop(3, seed=0)(batch)
    assert small.shape == (16, 2, 3, 3)
    with pytest.raises(ValueError, match=r"crop size \(9, 9\) is larger than the padded image \(6, 7\)"):
        T.RandomCrop(9)(batch)


def test_translation_moves_content_by_the_drawn_shift(batch):
    tr = T.RandomTranslation(2, fill=-1.0, seed=1)
    out = tr(batch)
    for n, (dy, dx) in enumerate(tr.last_shifts):
        ref = np.full_like(batch[n], -1.0)
        H, W = batch.shape[2:]
        ref[:, max(dy, 0) : H + min(dy, 0), max(dx, 0) : W + min(dx, 0)] = batch[
            n, :, max(-dy, 0) : H + min(-dy, 0), max(-dx, 0) : W + min(-dx, 0)
        ]
        np.testing.assert_array_equal(out[n], ref)
    assert np.abs(tr.last_shifts).max() == 2


@pytest.mark.parametrize("interp", ["nearest", "bilinear"])
def test_rotation_by_quarter_turns_matches_rot90(interp):
    x = np.random.default_rng(1).random((3, 1, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(T.RandomRotation((90, 90), interp)(x), np.rot90(x, 1, axes=(2, 3)), atol=1e-6)
    np.testing.assert_allclose(T.RandomRotation((-90, -90), interp)(x), np.rot90(x, -1, axes=(2, 3)), atol=1e-6)
    np.testing.assert_allclose(T.RandomRotation((180, 180), interp)(x), x[:, :, ::-1, ::-1], atol=1e-6)
    np.testing.assert_allclose(T.RandomRotation(0, interp)(x), x, atol=1e-6)


def test_bilinear_rotation_against_per_pixel_reference():
    x = np.random.default_rng(2).random((4, 1, 5, 6))
    rot = T.RandomRotation(40, "bilinear", fill=0.0, seed=9)
    out = rot(x)
    angles = np.deg2rad(np.random.default_rng(9).uniform(-40, 40, 4))
    cy, cx = 2.0, 2.5
    for n, th in enumerate(angles):
        for i in range(5):
            for j in range(6):
                sx = cx + (j - cx) * np.cos(th) - (i - cy) * np.sin(th)
                sy = cy + (j - cx) * np.sin(th) + (i - cy) * np.cos(th)
                y0, x0 = int(np.floor(sy)), int(np.floor(sx))
                v = 0.0
                for yy, wy in ((y0, 1 - (sy - y0)), (y0 + 1, sy - y0)):
                    for xx, wx in ((x0, 1 - (sx - x0)), (x0 + 1, sx - x0)):
                        if 0 <= yy < 5 and 0 <= xx < 6:
                            v += wy * wx * x[n, 0, yy, xx]
                assert out[n, 0, i, j] == pytest.approx(v, abs=1e-12)


def test_noise_statistics_and_seed():
    x = np.zeros((64, 1, 28, 28), dtype=np.float32)
    out = T.GaussianNoise(0.3, seed=0)(x)
    assert out.dtype == np.float32
    assert abs(out.std() - 0.3) < 0.003 and abs(out.mean()) < 0.003
    np.testing.assert_array_equal(out, T.GaussianNoise(0.3, seed=0)(x))
    clipped = T.GaussianNoise(0.5, clip=(0.0, 1.0), seed=1)(x + 0.5)
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_normalize_per_channel_and_from_data(batch):
    norm = T.Normalize([0.5, 0.25], [2.0, 4.0])
    out = norm(batch)
    np.testing.assert_allclose(out[:, 0], (batch[:, 0] - 0.5) / 2.0, rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], (batch[:, 1] - 0.25) / 4.0, rtol=1e-6)
    std = T.Normalize.from_data(batch)(batch)
    np.testing.assert_allclose(std.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(std.std(axis=(0, 2, 3)), 1, atol=1e-5)
    with pytest.raises(ValueError, match="3 means / 3 stds for a batch with 2 channels"):
        T.Normalize([0, 0, 0], [1, 1, 1])(batch)


def test_compose_seeding_tensors_and_3d_batches(batch):
    def pipe(seed):
        return T.Compose(
            [T.RandomCrop(6, padding=1), T.RandomHorizontalFlip(), T.RandomRotation(10), T.GaussianNoise(0.1)],
            seed=seed,
        )

    a, b, c = pipe(0)(batch[:, 0]), pipe(0)(batch[:, 0]), pipe(1)(batch[:, 0])
    assert a.shape == (16, 6, 6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    t = T.RandomHorizontalFlip(p=1.0)(Tensor._wrap(batch))
    assert isinstance(t, Tensor)
    np.testing.assert_array_equal(t.numpy(), batch[..., ::-1])
    # a 3-d input is one image (C, H, W) as in torchvision (it was a batch (N, H, W) before issue 17)
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: expected an image \(C, H, W\), a batch "
                       r"\(N, C, H, W\) or a PIL image, got shape \(6, 7\)"):
        T.RandomHorizontalFlip()(batch[0, 0])
