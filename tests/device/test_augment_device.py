"""Batch augmentation on "cuda": the same seed gives the CPU's augmented batch (to float round-off), and a
call sends only its per-sample parameters to the device (one small copy), never a grid built on the host.

The counts are the simulated device's (engine/_cuda_sim.py); the equality holds on a real GPU too.
"""
import numpy as np
import pytest

import engine
from nn.data import transforms as T

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def _cases():
    return {
        "rotation_bilinear": T.RandomRotation(25.0, seed=1),
        "rotation_nearest_fill": T.RandomRotation((-40, 10), interpolation="nearest", fill=0.5, seed=2),
        "translation": T.RandomTranslation(3, fill=0.25, seed=3),
        "crop_padded": T.RandomCrop(18, padding=2, seed=4),
        "crop_reflect": T.RandomCrop((16, 20), padding=(1, 2), padding_mode="reflect", seed=5),
        "flip": T.RandomHorizontalFlip(seed=6),
        "affine": T.RandomAffine(20, translate=(0.1, 0.2), scale=(0.8, 1.2), seed=7),
        "affine_bilinear": T.RandomAffine(15, interpolation="bilinear", fill=1.0, seed=8),
    }


@pytest.mark.parametrize("name", sorted(_cases()))
@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_augmentation_on_cuda_equals_cpu_with_one_copy_per_call(sim, name, dtype):
    x = np.random.default_rng(0).random((8, 3, 20, 24))
    x = (x * 255).astype(np.uint8) if dtype == "uint8" else x.astype(np.float32)
    on_cpu, on_cuda = _cases()[name], _cases()[name]
    gpu_batch = engine.tensor(x).to("cuda")
    for _ in range(2):  # two calls: the generators advance alike on both devices
        expected = on_cpu(engine.tensor(x)).numpy()
        sim.reset_transfer_counts()
        out = on_cuda(gpu_batch)
        assert sim.transfer_counts() == {"h2d": 1, "d2h": 0}, name
        assert out.device.type == "cuda" and out.dtype == expected.dtype and out.shape == expected.shape
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_mnist_augmentation_sends_two_parameter_copies_and_normalize_none(sim):
    """The example's training transform (rotation, translation, normalisation): per batch, one copy of the
    angles and one of the shifts; the normalisation constants are copied on the first call only."""
    def compose():
        return T.Compose([T.RandomRotation(10.0), T.RandomTranslation(2), T.Normalize([MNIST_MEAN], [MNIST_STD])],
                         seed=1)

    x = np.random.default_rng(0).random((4, 1, 28, 28)).astype(np.float32)
    on_cpu, on_cuda = compose(), compose()
    gpu_batch = engine.tensor(x).to("cuda")
    on_cuda(gpu_batch)
    on_cpu(engine.tensor(x))
    sim.reset_transfer_counts()
    out = on_cuda(gpu_batch)
    assert sim.transfer_counts() == {"h2d": 2, "d2h": 0}
    np.testing.assert_allclose(out.numpy(), on_cpu(engine.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)


def test_normalize_keeps_one_copy_per_device_and_dtype_and_follows_changed_values(sim):
    norm = T.Normalize([0.5, 0.25], [2.0, 4.0])
    x = np.random.default_rng(0).random((3, 2, 4, 4))
    for dtype in ("float32", "float64"):
        xb = engine.tensor(x, dtype=dtype).to("cuda")
        sim.reset_transfer_counts()
        first, second = norm(xb), norm(xb)
        assert sim.transfer_counts() == {"h2d": 2, "d2h": 0}, dtype  # mean and 1/std, once
        ref = (x - np.array([0.5, 0.25])[:, None, None]) / np.array([2.0, 4.0])[:, None, None]
        np.testing.assert_allclose(first.numpy(), ref, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(second.numpy(), first.numpy())
    norm.mean = np.array([1.0, 1.0])  # a changed attribute is not served from the old copy
    np.testing.assert_allclose(norm(engine.tensor(x).to("cuda")).numpy(), (x - 1.0) / np.array([2.0, 4.0])[:, None,
                               None], rtol=1e-6, atol=1e-7)
