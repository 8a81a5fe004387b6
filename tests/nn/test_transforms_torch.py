"""torchvision-shaped transforms: exact known answers on small images, NumPy references, torch's
F.interpolate / conv2d as oracles where torch is installed (torchvision is not), seeded
reproducibility and properties of the random ones, and clear errors for wrong shapes."""
import numpy as np
import pytest
from PIL import Image

from engine import Tensor
from nn.data import transforms as T


def pil_grey(a):
    return Image.fromarray(np.asarray(a, dtype=np.uint8))


# ---- conversions --------------------------------------------------------------------------------
def test_to_tensor_pil_and_arrays():
    g = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    rgb = np.random.default_rng(0).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    for src, chw in ((pil_grey(g), g[None]), (Image.fromarray(rgb), rgb.transpose(2, 0, 1)), (g, g[None]),
                     (rgb, rgb.transpose(2, 0, 1))):
        t = T.ToTensor()(src)
        assert isinstance(t, Tensor) and t.dtype == np.float32 and t.shape == chw.shape
        np.testing.assert_array_equal(t.numpy(), chw.astype(np.float32) / 255)
    f = np.random.default_rng(1).random((3, 4, 2))  # float arrays keep dtype and values
    np.testing.assert_array_equal(T.ToTensor()(f).numpy(), f.transpose(2, 0, 1))
    np.testing.assert_array_equal(T.PILToTensor()(Image.fromarray(rgb)).numpy(), rgb.transpose(2, 0, 1))
    with pytest.raises(TypeError, match=r"ToTensor: expected a PIL image or a NumPy array .* got a Tensor"):
        T.ToTensor()(T.ToTensor()(g))
    with pytest.raises(ValueError, match=r"ToTensor: expected an image \(H, W\) or \(H, W, C\), got shape \(1, 3, 4, 3\)"):
        T.ToTensor()(rgb[None])
    assert T.Lambda(lambda x: x + 1)(1) == 2
    with pytest.raises(TypeError, match="Lambda: expected a callable, got int"):
        T.Lambda(3)


def test_normalize_every_layout():
    rng = np.random.default_rng(2)
    img = rng.random((3, 4, 5)).astype(np.float32)
    mean, std = [0.1, 0.2, 0.3], [0.5, 2.0, 4.0]
    ref = (img - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(T.Normalize(mean, std)(img), ref, rtol=1e-6)
    np.testing.assert_allclose(T.Normalize(mean, std)(Tensor._wrap(img[None])).numpy()[0], ref, rtol=1e-6)
    vol = rng.random((2, 3, 2, 4, 5))  # (N, C, D, H, W)
    out = T.Normalize(mean, std)(vol)
    np.testing.assert_allclose(out[:, 2], (vol[:, 2] - 0.3) / 4.0, rtol=1e-12)
    table = rng.random((6, 3))  # tabular (N, d): per feature
    np.testing.assert_allclose(T.Normalize(mean, std)(table), (table - mean) / std, rtol=1e-12)
    np.testing.assert_allclose(T.Normalize(mean, std)(table[0]), (table[0] - mean) / std, rtol=1e-12)
    std_table = T.Normalize.from_data(table)(table)
    np.testing.assert_allclose(std_table.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(std_table.std(0), 1, atol=1e-12)
    x = img.copy()
    assert T.Normalize(mean, std, inplace=True)(x) is x
    np.testing.assert_allclose(x, ref, rtol=1e-6)
    with pytest.raises(ValueError, match=r"Normalize: 3 means / 3 stds for a table with 4 features, shape \(6, 4\)"):
        T.Normalize(mean, std)(rng.random((6, 4)))
    with pytest.raises(TypeError, match=r"Normalize: expected a Tensor or an array, got a PIL image; apply ToTensor"):
        T.Normalize(0.5, 0.5)(pil_grey(np.zeros((2, 2))))


# ---- resizing -----------------------------------------------------------------------------------
def test_resize_known_answer_and_sizes():
    x = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    v = np.array([0.0, 0.25, 0.75, 1.0])  # half-pixel centres along one axis of [0, 1]
    np.testing.assert_allclose(T.Resize((4, 4))(x)[0], 2 * v[:, None] + v[None, :], atol=1e-12)
    np.testing.assert_array_equal(T.Resize((4, 4), "nearest")(x)[0], x[0][[0, 0, 1, 1]][:, [0, 0, 1, 1]])
    assert T.Resize(5)(np.zeros((1, 10, 20))).shape == (1, 5, 10)
    assert T.Resize(5)(np.zeros((2, 1, 30, 10))).shape == (2, 1, 15, 5)
    assert T.Resize(5, max_size=8)(np.zeros((1, 10, 20))).shape == (1, 4, 8)
    assert T.Resize(4)(pil_grey(np.zeros((8, 12)))).size == (6, 4)  # PIL size is (w, h)
    # antialiased 2x shrink: a triangle 2 pixels wide, centred at 1 and 3: weights (3, 3, 1)/7, (1, 3, 3)/7
    down = T.Resize((2, 2))(np.arange(16.0).reshape(1, 4, 4))
    w = np.array([5 / 7, 16 / 7])
    np.testing.assert_allclose(down[0], 4 * w[:, None] + w[None, :], atol=1e-12)
    with pytest.raises(ValueError, match=r"Resize: size must be a positive int or \(h, w\), got 0"):
        T.Resize(0)


@pytest.mark.parametrize("size", [(3, 4), (9, 11), (5, 3)])
@pytest.mark.parametrize("mode,antialias", [("bilinear", False), ("bilinear", True), ("nearest", False)])
def test_resize_matches_torch_interpolate(size, mode, antialias):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).random((2, 3, 5, 7))
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, antialias=antialias,
                                          **({} if mode == "nearest" else {"align_corners": False}))
    np.testing.assert_allclose(T.Resize(size, mode, antialias=antialias)(x), ref.numpy(), atol=1e-12)


def test_center_crop_known_answers():
    x = np.arange(30.0).reshape(1, 5, 6)
    np.testing.assert_array_equal(T.CenterCrop((3, 2))(x)[0], x[0, 1:4, 2:4])
    y = np.arange(1.0, 10.0).reshape(1, 3, 3)
    out = T.CenterCrop(4)(y)[0]  # padded (0 left/top, 1 right/bottom), then cut
    np.testing.assert_array_equal(out, np.pad(y[0], ((0, 1), (0, 1))))
    img = T.CenterCrop(2)(pil_grey(np.arange(16).reshape(4, 4)))
    assert isinstance(img, Image.Image) and np.array_equal(np.asarray(img), [[5, 6], [9, 10]])


# ---- random geometry ----------------------------------------------------------------------------
def test_random_crop_padding_modes_and_pil():
    x = np.random.default_rng(4).random((6, 2, 5, 5))
    out = T.RandomCrop(5, padding=(1, 2), padding_mode="reflect", seed=0)(x)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (1, 1)), mode="reflect")
    rng = np.random.default_rng(0)
    oy, ox = rng.integers(0, 5, 6), rng.integers(0, 3, 6)
    for n in range(6):
        np.testing.assert_array_equal(out[n], padded[n, :, oy[n] : oy[n] + 5, ox[n] : ox[n] + 5])
    assert T.RandomCrop(7, pad_if_needed=True, seed=1)(x[0]).shape == (2, 7, 7)
    g = np.arange(16, dtype=np.uint8).reshape(4, 4)
    crops = [np.asarray(T.RandomCrop(2, seed=s)(pil_grey(g))) for s in range(10)]
    assert all(c.dtype == np.uint8 and any(np.array_equal(c, g[i : i + 2, j : j + 2])
                                           for i in range(3) for j in range(3)) for c in crops)


def test_flip_is_a_flip_on_images_and_pil():
    img = np.random.default_rng(5).random((3, 4, 6))
    out = T.RandomHorizontalFlip(p=1.0)(img)
    np.testing.assert_array_equal(out, img[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(img), img)
    flips = [T.RandomHorizontalFlip(seed=s)(img) for s in range(8)]  # one coin per image, not per channel
    assert all(np.array_equal(f, img) or np.array_equal(f, img[:, :, ::-1]) for f in flips)
    g = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(pil_grey(g))), g[:, ::-1])


def test_random_resized_crop():
    x = np.random.default_rng(6).random((4, 3, 12, 16)).astype(np.float32)
    a, b = T.RandomResizedCrop(8, seed=3)(x), T.RandomResizedCrop(8, seed=3)(x)
    assert a.shape == (4, 3, 8, 8) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert a.min() >= x.min() - 1e-6 and a.max() <= x.max() + 1e-6  # interpolation never leaves the range
    whole = T.RandomResizedCrop((6, 8), scale=(1, 1), ratio=(16 / 12, 16 / 12), seed=0)(x)
    np.testing.assert_allclose(whole, T.Resize((6, 8))(x), atol=1e-6)
    rgb = Image.fromarray(np.random.default_rng(7).integers(0, 256, (10, 10, 3), dtype=np.uint8))
    out = T.RandomResizedCrop(5, seed=1)(rgb)
    assert isinstance(out, Image.Image) and out.size == (5, 5) and out.mode == "RGB"


def test_random_affine_known_answers_and_translation():
    x = np.random.default_rng(8).random((2, 1, 5, 5))
    np.testing.assert_allclose(T.RandomAffine((90, 90))(x), np.rot90(x, 1, axes=(2, 3)), atol=1e-12)
    y = np.arange(16.0).reshape(1, 1, 4, 4)
    zoom = T.RandomAffine(0, scale=(2, 2))(y)[0, 0]  # source of output i: 1.5 + (i - 1.5) / 2, rounded
    np.testing.assert_array_equal(zoom, y[0, 0][[1, 1, 2, 2]][:, [1, 1, 2, 2]])
    aff = T.RandomAffine(0, translate=(0.4, 0.4), fill=-1.0, seed=2)
    out = aff(x)
    for n, (_, tx, ty, s) in enumerate(aff.last_params):
        tx, ty = int(tx), int(ty)
        assert s == 1.0 and abs(tx) <= 2 and abs(ty) <= 2
        ref = np.full((5, 5), -1.0)
        ref[max(ty, 0) : 5 + min(ty, 0), max(tx, 0) : 5 + min(tx, 0)] = \
            x[n, 0, max(-ty, 0) : 5 + min(-ty, 0), max(-tx, 0) : 5 + min(-tx, 0)]
        np.testing.assert_array_equal(out[n, 0], ref)
    assert np.abs(aff.last_params[:, 1:3]).max() > 0
    with pytest.raises(ValueError, match="RandomAffine: shear is not supported"):
        T.RandomAffine(10, shear=5)


# ---- pixel values -------------------------------------------------------------------------------
def test_color_jitter_known_answers_and_range():
    rgb = np.random.default_rng(9).random((3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(T.ColorJitter(brightness=(0.5, 0.5))(rgb), rgb * 0.5, rtol=1e-6)
    grey = 0.2989 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    np.testing.assert_allclose(T.ColorJitter(contrast=(0, 0))(rgb), np.full_like(rgb, grey.mean()), rtol=1e-5)
    np.testing.assert_allclose(T.ColorJitter(saturation=(0, 0))(rgb), np.broadcast_to(grey, rgb.shape), rtol=1e-5)
    batch = np.random.default_rng(10).random((8, 3, 4, 4)).astype(np.float32)
    jit = T.ColorJitter(brightness=0.8, contrast=0.8, saturation=0.8, seed=4)
    out = jit(batch)
    assert out.min() >= 0 and out.max() <= 1 and out.shape == batch.shape
    np.testing.assert_array_equal(out, T.ColorJitter(0.8, 0.8, 0.8, seed=4)(batch))
    img = T.ColorJitter(brightness=(2, 2))(pil_grey([[10, 200]]))
    np.testing.assert_array_equal(np.asarray(img), [[20, 255]])  # uint8: scaled, clipped at 255
    with pytest.raises(ValueError, match="ColorJitter: hue is not supported"):
        T.ColorJitter(hue=0.1)
    with pytest.raises(ValueError, match=r"ColorJitter: expected 1 or 3 channels, got shape \(1, 2, 4, 4\)"):
        T.ColorJitter(brightness=0.5)(batch[0, :2])


def _blur_reference(img, kx, ky, sigma):
    def k1(n):
        x = np.arange(n) - (n - 1) / 2
        w = np.exp(-0.5 * (x / sigma) ** 2)
        return w / w.sum()

    kern = np.outer(k1(ky), k1(kx))
    p = np.pad(img, ((0, 0), (ky // 2, ky // 2), (kx // 2, kx // 2)), mode="reflect")
    out = np.zeros_like(img)
    for i in range(img.shape[1]):
        for j in range(img.shape[2]):
            out[:, i, j] = (p[:, i : i + ky, j : j + kx] * kern).sum(axis=(1, 2))
    return out


def test_gaussian_blur_against_a_direct_convolution():
    img = np.random.default_rng(11).random((2, 6, 7))
    np.testing.assert_allclose(T.GaussianBlur((3, 5), sigma=1.3)(img), _blur_reference(img, 3, 5, 1.3), atol=1e-12)
    const = np.full((1, 5, 5), 0.4)
    np.testing.assert_allclose(T.GaussianBlur(5, sigma=(0.5, 3.0), seed=0)(const), const, atol=1e-12)
    with pytest.raises(ValueError, match=r"GaussianBlur: kernel_size must be odd positive ints"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match=r"GaussianBlur: kernel_size \(7, 7\) needs an image larger than"):
        T.GaussianBlur(7, 1.0)(np.zeros((1, 3, 3)))


def test_gaussian_blur_matches_torch_conv2d():
    torch = pytest.importorskip("torch")
    img = np.random.default_rng(12).random((1, 2, 8, 9))
    x = np.linspace(-2, 2, 5)
    w = np.exp(-0.5 * (x / 0.8) ** 2)
    w /= w.sum()
    kern = torch.from_numpy(np.outer(w, w))[None, None].repeat(2, 1, 1, 1)
    padded = torch.nn.functional.pad(torch.from_numpy(img), (2, 2, 2, 2), mode="reflect")
    ref = torch.nn.functional.conv2d(padded, kern, groups=2)
    np.testing.assert_allclose(T.GaussianBlur(5, 0.8)(img), ref.numpy(), atol=1e-12)


# ---- shapes, pipelines --------------------------------------------------------------------------
@pytest.mark.parametrize("tf", [T.Resize(3), T.CenterCrop(2), T.RandomCrop(2), T.RandomResizedCrop(2),
                                T.RandomHorizontalFlip(), T.RandomAffine(10), T.ColorJitter(0.5), T.GaussianBlur(3)])
def test_wrong_shape_names_the_transform(tf):
    name = type(tf).__name__
    with pytest.raises(ValueError, match=rf"{name}: expected an image \(C, H, W\), a batch \(N, C, H, W\) or a PIL "
                       r"image, got shape \(5,\)"):
        tf(np.zeros(5))


def test_torch_style_pipeline_on_pil_images():
    g = np.random.default_rng(13).integers(0, 256, (28, 28), dtype=np.uint8)

    def pipe(seed):
        return T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.RandomAffine(10, scale=(0.9, 1.1)),
                          T.ToTensor(), T.Normalize((0.1307,), (0.3081,))], seed=seed)

    a, b = pipe(0)(pil_grey(g)), pipe(0)(pil_grey(g))
    assert isinstance(a, Tensor) and a.shape == (1, 28, 28) and a.dtype == np.float32
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.numpy().min() >= -0.1307 / 0.3081 - 1e-6 and a.numpy().max() <= (1 - 0.1307) / 0.3081 + 1e-6
