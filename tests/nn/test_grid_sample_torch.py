"""F.affine_grid and F.grid_sample against torch in float64: values, input/grid/theta gradients and second-order
gradients for every mode x padding_mode x align_corners (points outside [-1, 1] and exactly on the borders
included), a Spatial-Transformer-like composition end to end, the simulated CUDA device, and torch's errors."""
import itertools
import re
import warnings

import numpy as np
import pytest

import engine
import nn.functional as F
from tests.device.conftest import cuda_device  # noqa: F401  (the fixture: "cuda", real or simulated)

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODES_2D = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _grid(shape, rng, sizes, align_corners):
    """Random points over [-1.7, 1.7] (outside [-1, 1] on every side) plus points exactly on the borders and
    pixel centres, where the clip/reflection gradients switch: +-1, the coordinates whose pixel position is
    exactly 0 or size - 1, and a half-integer pixel position (nearest's round-half-to-even)."""
    g = rng.uniform(-1.7, 1.7, shape)
    flat = g.reshape(-1, shape[-1])
    specials = [-1.0, 1.0, 0.0]
    for k, size in enumerate(reversed(sizes)):  # coordinate k addresses spatial dim -1 - k
        edge = 1.0 if align_corners else 1.0 - 1.0 / size
        column = specials + [-edge, edge, 0.5 / (size - 1) if align_corners else 0.5 / size]
        n = min(len(column), len(flat))
        flat[:n, k] = column[:n]
    return g


def _both(shape_x, shape_g, align_corners, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape_x)
    return x, _grid(shape_g, rng, shape_x[2:], align_corners), rng


def _first_order(x, g, w, **kw):
    """(output, d<out, w>/dx, d<out, w>/dgrid) from Kiln and from torch."""
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    to = TF.grid_sample(tx, tg, **kw)
    (to * torch.tensor(w)).sum().backward()
    ex, eg = engine.tensor(x, requires_grad=True), engine.tensor(g, requires_grad=True)
    eo = F.grid_sample(ex, eg, **kw)
    (eo * engine.tensor(w)).sum().backward()
    return (eo.numpy(), ex.grad.numpy(), eg.grad.numpy()), (to.detach().numpy(), tx.grad.numpy(), tg.grad.numpy())


def _assert_close(ours, theirs, atol=1e-12):
    for name, a, b in zip(("output", "input grad", "grid grad"), ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=atol, err_msg=name)


@pytest.mark.parametrize("mode,padding_mode,align_corners", list(itertools.product(MODES_2D, PADDINGS, (True, False))))
def test_grid_sample_2d_values_and_gradients_match_torch(mode, padding_mode, align_corners):
    x, g, rng = _both((2, 3, 4, 5), (2, 3, 4, 2), align_corners, seed=1)
    w = rng.standard_normal((2, 3, 3, 4))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    _assert_close(*_first_order(x, g, w, **kw), atol=1e-12 if mode != "bicubic" else 1e-11)


@pytest.mark.parametrize("mode,padding_mode", list(itertools.product(MODES_2D, PADDINGS)))
def test_grid_sample_on_a_unit_size_dim_matches_torch(mode, padding_mode):
    """Height 1: reflection has nothing to reflect over with align_corners (torch gives 0, gradient 0)."""
    rng = np.random.default_rng(10)
    x, g = rng.standard_normal((1, 2, 1, 3)), rng.uniform(-1.5, 1.5, (1, 2, 3, 2))
    for align_corners in (True, False):
        w = rng.standard_normal((1, 2, 2, 3))
        _assert_close(*_first_order(x, g, w, mode=mode, padding_mode=padding_mode, align_corners=align_corners),
                      atol=1e-11)


@pytest.mark.parametrize("mode,padding_mode,align_corners",
                         list(itertools.product(("bilinear", "nearest"), PADDINGS, (True, False))))
def test_grid_sample_3d_values_and_gradients_match_torch(mode, padding_mode, align_corners):
    x, g, rng = _both((2, 2, 3, 4, 3), (2, 2, 3, 2, 3), align_corners, seed=2)
    w = rng.standard_normal((2, 2, 2, 3, 2))
    _assert_close(*_first_order(x, g, w, mode=mode, padding_mode=padding_mode, align_corners=align_corners))


def test_nearest_gives_the_grid_a_zero_gradient_as_torch():
    x, g, rng = _both((1, 2, 3, 3), (1, 2, 2, 2), False, seed=3)
    (_, _, eg), (_, _, tg) = _first_order(x, g, rng.standard_normal((1, 2, 2, 2)), mode="nearest",
                                          align_corners=False)
    assert np.all(eg == 0) and np.all(tg == 0)


@pytest.mark.parametrize("mode,padding_mode", [("bilinear", "zeros"), ("bilinear", "reflection"),
                                               ("bicubic", "border"), ("bilinear", "border")])
def test_second_order_gradients_match_torch(mode, padding_mode):
    x, g, rng = _both((1, 2, 3, 4), (1, 2, 3, 2), True, seed=4)
    g[0, 0, 0] = [0.3, -0.45]  # keep one point well inside so that the cross terms are non-zero
    w, vx, vg = rng.standard_normal((1, 2, 2, 3)), rng.standard_normal(x.shape), rng.standard_normal(g.shape)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=True)

    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    gx, gg = torch.autograd.grad((TF.grid_sample(tx, tg, **kw) * torch.tensor(w)).sum(), (tx, tg), create_graph=True)
    ((gx * torch.tensor(vx)).sum() + (gg * torch.tensor(vg)).sum()).backward()

    ex, eg = engine.tensor(x, requires_grad=True), engine.tensor(g, requires_grad=True)
    hx, hg = engine.grad((F.grid_sample(ex, eg, **kw) * engine.tensor(w)).sum(), (ex, eg), create_graph=True)
    ((hx * engine.tensor(vx)).sum() + (hg * engine.tensor(vg)).sum()).backward()

    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(eg.grad.numpy(), tg.grad.numpy(), rtol=1e-10, atol=1e-11)
    assert np.abs(tg.grad.numpy()).max() > 1e-3  # the check is not vacuous


def test_grid_sample_passes_gradcheck_away_from_kinks():
    rng = np.random.default_rng(5)
    x = engine.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    g = engine.tensor(np.array([[[[0.31, -0.27], [1.23, 0.4]], [[-0.62, 1.37], [0.12, -1.41]]]]), requires_grad=True)
    for padding_mode in PADDINGS:
        assert engine.gradcheck(lambda a, b: F.grid_sample(a, b, padding_mode=padding_mode, align_corners=False),
                                (x, g))


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 2, 3, 4), (1, 1, 1, 3)])
@pytest.mark.parametrize("align_corners", [True, False])
def test_affine_grid_values_and_theta_gradients_match_torch(size, align_corners):
    nsp = len(size) - 2
    rng = np.random.default_rng(6)
    theta = rng.standard_normal((size[0], nsp, nsp + 1))
    tt, et = torch.tensor(theta, requires_grad=True), engine.tensor(theta, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size warning (both libraries give it)
        to, eo = TF.affine_grid(tt, size, align_corners=align_corners), F.affine_grid(et, size, align_corners)
    w = rng.standard_normal(to.shape)
    (to * torch.tensor(w)).sum().backward()
    (eo * engine.tensor(w)).sum().backward()
    assert eo.shape == tuple(to.shape)
    np.testing.assert_allclose(eo.numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(et.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_spatial_transformer_composition_matches_torch_end_to_end():
    """torch's STN tutorial in miniature: a localisation layer predicts theta, affine_grid + grid_sample warp the
    input, a loss on the warped image; every parameter's gradient and the input's equal torch's."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 1, 6, 6))
    loc_w = rng.standard_normal((6, 36)) * 0.05
    loc_b = np.array([1.0, 0.1, 0.05, -0.1, 0.9, 0.0])
    target = rng.standard_normal((2, 1, 6, 6))

    def run(lib, functional, tensor):
        inp, w, b = (tensor(a, requires_grad=True) for a in (x, loc_w, loc_b))
        theta = functional.linear(inp.reshape(2, 36), w, b).reshape(2, 2, 3)
        grid = functional.affine_grid(theta, (2, 1, 6, 6), align_corners=False)
        warped = functional.grid_sample(inp, grid, align_corners=False)
        loss = functional.mse_loss(warped, tensor(target))
        loss.backward()
        return [loss.detach().numpy()] + [t.grad.numpy() for t in (inp, w, b)]

    ours = run(engine, F, engine.tensor)
    theirs = run(torch, TF, torch.tensor)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_grid_sample_and_affine_grid_run_on_the_cuda_device(cuda_device):  # noqa: F811
    x, g, rng = _both((1, 2, 3, 4), (1, 2, 3, 2), False, seed=8)
    theta = rng.standard_normal((1, 2, 3))
    ex = engine.tensor(x, requires_grad=True, device=cuda_device)
    et = engine.tensor(theta, requires_grad=True, device=cuda_device)
    outs = [F.grid_sample(ex, F.affine_grid(et, (1, 2, 3, 2), align_corners=False) * 1.3, mode=mode,
                          padding_mode=pad, align_corners=False) for mode, pad in
            [("bilinear", "reflection"), ("nearest", "border"), ("bicubic", "zeros")]]
    sum(o.sum() for o in outs).backward()
    assert outs[0].device.type == "cuda" and ex.grad.device.type == "cuda" and et.grad.device.type == "cuda"

    tx, tt = torch.tensor(x, requires_grad=True), torch.tensor(theta, requires_grad=True)
    touts = [TF.grid_sample(tx, TF.affine_grid(tt, (1, 2, 3, 2), align_corners=False) * 1.3, mode=mode,
                            padding_mode=pad, align_corners=False) for mode, pad in
             [("bilinear", "reflection"), ("nearest", "border"), ("bicubic", "zeros")]]
    sum(o.sum() for o in touts).backward()
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.cpu().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ex.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(et.grad.cpu().numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-11)


def test_align_corners_none_warns_as_torch_and_means_false():
    x, g, _ = _both((1, 1, 3, 3), (1, 2, 2, 2), False, seed=9)
    theta = np.array([[[0.9, 0.1, 0.0], [-0.2, 1.1, 0.3]]])
    text = "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0."
    with pytest.warns(UserWarning, match=re.escape(text)):
        out = F.grid_sample(engine.tensor(x), engine.tensor(g))
    np.testing.assert_array_equal(out.numpy(), F.grid_sample(engine.tensor(x), engine.tensor(g), align_corners=False)
                                  .numpy())
    with pytest.warns(UserWarning, match=re.escape(text)):
        grid = F.affine_grid(engine.tensor(theta), (1, 1, 3, 3))
    np.testing.assert_array_equal(grid.numpy(), F.affine_grid(engine.tensor(theta), (1, 1, 3, 3), False).numpy())


def test_torch_signatures():
    import inspect

    assert inspect.signature(F.grid_sample).parameters.keys() == inspect.signature(TF.grid_sample).parameters.keys()
    assert list(inspect.signature(F.affine_grid).parameters) == list(inspect.signature(TF.affine_grid).parameters)
    for fn, tfn in ((F.grid_sample, TF.grid_sample), (F.affine_grid, TF.affine_grid)):
        assert [p.default for p in inspect.signature(fn).parameters.values()] == \
               [p.default for p in inspect.signature(tfn).parameters.values()]


@pytest.mark.parametrize("kwargs,shapes,error,message", [
    (dict(mode="area"), ((1, 1, 3, 3), (1, 2, 2, 2)), ValueError,
     "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'area'"),
    (dict(padding_mode="circular"), ((1, 1, 3, 3), (1, 2, 2, 2)), ValueError,
     "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
     "'circular'"),
    ({}, ((1, 1, 3, 3), (1, 2, 2, 3)), RuntimeError,
     "grid_sample(): expected grid to have size 2 in last dimension, but got grid with sizes [1, 2, 2, 3]"),
    ({}, ((2, 1, 3, 3), (1, 2, 2, 2)), RuntimeError,
     "grid_sample(): expected grid and input to have same batch size, but got input with sizes [2, 1, 3, 3] and "
     "grid with sizes [1, 2, 2, 2]"),
    ({}, ((1, 1, 3, 3), (1, 2, 2, 2, 2)), RuntimeError,
     "grid_sample(): expected 4D or 5D input and grid with same number of dimensions, but got input with sizes "
     "[1, 1, 3, 3] and grid with sizes [1, 2, 2, 2, 2]"),
    ({}, ((1, 1, 0, 3), (1, 2, 2, 2)), RuntimeError,
     "grid_sample(): expected input to have non-empty spatial dimensions, but input has sizes [1, 1, 0, 3] with "
     "dimension 2 being empty"),
    (dict(mode="bicubic"), ((1, 1, 3, 3, 3), (1, 2, 2, 2, 3)), RuntimeError,
     "grid_sample(): bicubic interpolation only supports 4D input"),
])
def test_grid_sample_errors_name_the_function(kwargs, shapes, error, message):
    x, g = engine.zeros(shapes[0], dtype="float64"), engine.zeros(shapes[1], dtype="float64")
    with pytest.raises(error, match=re.escape(message)):
        F.grid_sample(x, g, align_corners=False, **kwargs)


def test_grid_sample_rejects_mixed_dtypes():
    with pytest.raises(RuntimeError, match=re.escape("grid_sample(): expected input and grid to have same dtype, "
                                                     "but input has engine.float64 and grid has engine.float32")):
        F.grid_sample(engine.zeros((1, 1, 3, 3), dtype="float64"), engine.zeros((1, 2, 2, 2)), align_corners=False)


@pytest.mark.parametrize("theta_shape,size,error,message", [
    ((1, 2, 3), (1, 1, 3), NotImplementedError,
     "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size (1, 1, 3)."),
    ((1, 3, 4), (1, 1, 3, 3), ValueError,
     "affine_grid: Expected a batch of 2D affine matrices of shape Nx2x3 for size (1, 1, 3, 3). Got (1, 3, 4)."),
    ((1, 2, 3), (1, 1, 2, 3, 3), ValueError,
     "affine_grid: Expected a batch of 3D affine matrices of shape Nx3x4 for size (1, 1, 2, 3, 3). Got (1, 2, 3)."),
    ((1, 2, 3), (1, 1, 0, 3), ValueError, "affine_grid: Expected non-zero, positive output size. Got (1, 1, 0, 3)"),
    ((2, 2, 3), (1, 1, 3, 3), RuntimeError,
     "affine_grid: theta holds 2 matrices but size (1, 1, 3, 3) asks for a batch of 1"),
])
def test_affine_grid_errors_name_the_function(theta_shape, size, error, message):
    with pytest.raises(error, match=re.escape(message)):
        F.affine_grid(engine.zeros(theta_shape), size, align_corners=False)


def test_affine_grid_rejects_an_integer_theta():
    with pytest.raises(ValueError, match=re.escape("affine_grid: Expected theta to have floating point type, but got "
                                                   "engine.int64")):
        F.affine_grid(engine.tensor([[[1, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2), align_corners=False)


def _tutorial_net(torch_lib, nn_lib, functional):
    """torch's Spatial Transformer Networks tutorial model, verbatim but for the three module names."""
    torch, nn, F = torch_lib, nn_lib, functional  # noqa: N806  (the tutorial's spelling)

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)
            self.localization = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=7), nn.MaxPool2d(2, stride=2), nn.ReLU(True),
                nn.Conv2d(8, 10, kernel_size=5), nn.MaxPool2d(2, stride=2), nn.ReLU(True))
            self.fc_loc = nn.Sequential(nn.Linear(10 * 3 * 3, 32), nn.ReLU(True), nn.Linear(32, 3 * 2))
            self.fc_loc[2].weight.data.zero_()
            self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 10 * 3 * 3)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size())
            x = F.grid_sample(x, grid)
            return x

        def forward(self, x):
            x = self.stn(x)
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net()


def test_the_stn_tutorial_model_runs_and_matches_torch_gradients():
    import nn

    torch.manual_seed(0)
    theirs = _tutorial_net(torch, torch.nn, TF).double().eval()
    with torch.no_grad():  # a non-trivial transform, so that every localisation parameter gets a gradient
        theirs.fc_loc[2].weight.normal_(0.0, 0.05)
    ours = _tutorial_net(engine, nn, F).double().eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    data = np.random.default_rng(11).standard_normal((2, 1, 28, 28))
    target = np.array([3, 7])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tutorial leaves align_corners at None (both libraries warn)
        t_loss = TF.nll_loss(theirs(torch.tensor(data)), torch.tensor(target))
        k_loss = F.nll_loss(ours(engine.tensor(data)), engine.tensor(target))
    t_loss.backward()
    k_loss.backward()
    np.testing.assert_allclose(k_loss.item(), t_loss.item(), rtol=1e-12)
    k_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(k_params[name].grad.numpy(), p.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=name)
    assert np.abs(k_params["localization.0.weight"].grad.numpy()).max() > 0
