"""nn.data.utils: make_grid's layout (against torchvision's rules, by hand) and save_image's PNG read
back with Pillow, pixel by pixel."""
import io

import numpy as np
import pytest
from PIL import Image

from engine import Tensor
from nn.data.utils import make_grid, save_image


def test_make_grid_layout_padding_and_grey_to_rgb():
    imgs = np.random.default_rng(0).random((5, 1, 3, 4)).astype(np.float32)
    grid = make_grid(Tensor._wrap(imgs), nrow=3, padding=2, pad_value=0.5)
    assert isinstance(grid, Tensor) and grid.shape == (3, 2 * 5 + 2, 3 * 6 + 2)
    g = grid.numpy()
    for k in range(5):
        y, x = divmod(k, 3)
        for ch in range(3):
            np.testing.assert_array_equal(g[ch, 2 + 5 * y : 5 + 5 * y, 2 + 6 * x : 6 + 6 * x], imgs[k, 0])
    mask = np.ones(g.shape[1:], bool)
    for k in range(5):
        y, x = divmod(k, 3)
        mask[2 + 5 * y : 5 + 5 * y, 2 + 6 * x : 6 + 6 * x] = False
    assert np.all(g[:, mask] == 0.5)  # padding and the empty sixth cell
    assert make_grid(imgs[:2], nrow=8, padding=0).shape == (3, 3, 8)
    assert make_grid(imgs[0]).shape == (3, 3, 4) and make_grid(imgs[0, 0]).shape == (3, 3, 4)
    rgb = [np.random.default_rng(1).random((3, 2, 2)) for _ in range(2)]
    np.testing.assert_array_equal(make_grid(rgb, padding=1).numpy()[:, 1:3, 4:6], rgb[1])


def test_make_grid_normalize():
    imgs = np.array([[[[-1.0, 1.0]]], [[[3.0, 5.0]]]])
    np.testing.assert_allclose(make_grid(imgs, padding=0, normalize=True).numpy()[0], [[0, 1 / 3, 2 / 3, 1]])
    np.testing.assert_allclose(make_grid(imgs, padding=0, normalize=True, scale_each=True).numpy()[0], [[0, 1, 0, 1]])
    np.testing.assert_allclose(make_grid(imgs, padding=0, normalize=True, value_range=(0, 2)).numpy()[0],
                               [[0, 0.5, 1, 1]])
    with pytest.raises(ValueError, match=r"make_grid: expected \(B, C, H, W\), \(C, H, W\) or \(H, W\), got shape \(2,\)"):
        make_grid(np.zeros(2))


def test_save_image_png_read_back(tmp_path):
    imgs = np.random.default_rng(2).random((4, 3, 5, 6)).astype(np.float32)
    imgs[0, 0, 0, 0], imgs[0, 1, 0, 0] = 1.5, -0.2  # out of range: clipped
    path = tmp_path / "samples.png"
    save_image(Tensor._wrap(imgs), path, nrow=2, padding=1)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.mode == "RGB" and im.size == (2 * 7 + 1, 2 * 6 + 1)
        px = np.asarray(im)
    expected = np.clip(np.floor(make_grid(imgs, nrow=2, padding=1).numpy() * 255 + 0.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(px, expected.transpose(1, 2, 0))
    assert px[1, 1, 0] == 255 and px[1, 1, 1] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["samples.png"]  # no temporary left behind
    buf = io.BytesIO()
    save_image(imgs[1, :1], buf, format="PNG")
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        np.testing.assert_array_equal(np.asarray(im)[..., 0], np.floor(imgs[1, 0] * 255 + 0.5).astype(np.uint8))
    with pytest.raises(ValueError, match=r"save_image: cannot tell the image format of .*samples.xyz"):
        save_image(imgs, tmp_path / "samples.xyz")
