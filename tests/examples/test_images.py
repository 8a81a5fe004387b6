"""examples/_images.py: make_grid's layout (torchvision's) on known answers, save_image's pixel mapping
read back from the PNG, and the errors for bad shapes and ranges."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples"))

import _images  # noqa: E402


def test_make_grid_places_images_row_by_row_with_padding():
    imgs = np.arange(1, 4, dtype=np.float32)[:, None, None, None] * np.ones((3, 1, 2, 2), np.float32)
    grid = _images.make_grid(imgs, nrow=2, padding=1, pad_value=-1.0)
    assert grid.shape == (1, 2 * 3 + 1, 2 * 3 + 1)
    expected = np.full((7, 7), -1.0, np.float32)
    expected[1:3, 1:3], expected[1:3, 4:6], expected[4:6, 1:3] = 1.0, 2.0, 3.0
    np.testing.assert_array_equal(grid[0], expected)
    assert _images.make_grid(np.zeros((3, 5, 5)), nrow=8).shape == (1, 9, 3 * 7 + 2)   # (N, H, W) taken as 1 channel


def test_save_image_maps_the_value_range_to_bytes(tmp_path):
    from PIL import Image

    imgs = np.array([[[[-1.0, 0.0], [1.0, 3.0]]]], np.float32)
    path = _images.save_image(imgs, tmp_path / "g.png", padding=0, value_range=(-1.0, 1.0))
    with Image.open(path) as im:
        np.testing.assert_array_equal(np.asarray(im), [[0, 128], [255, 255]])
    rgb = np.zeros((2, 3, 4, 4), np.float32)
    rgb[:, 0] = 1.0
    with Image.open(_images.save_image(rgb, tmp_path / "c.png")) as im:
        assert im.mode == "RGB" and im.size == (2 * 6 + 2, 6 + 2) and im.getpixel((3, 3)) == (255, 0, 0)


def test_bad_inputs_are_refused_before_writing(tmp_path):
    with pytest.raises(ValueError,
                       match=r"make_grid: expected a non-empty batch \(N, 1 or 3, H, W\), got shape \(2, 2, 4, 4\)"):
        _images.save_image(np.zeros((2, 2, 4, 4)), tmp_path / "x.png")
    with pytest.raises(ValueError,
                       match=r"save_image: value_range must be \(low, high\) with high > low, got \(1, 1\)"):
        _images.save_image(np.zeros((1, 1, 4, 4)), tmp_path / "x.png", value_range=(1, 1))
    assert list(tmp_path.iterdir()) == []
