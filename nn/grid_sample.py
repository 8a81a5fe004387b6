"""torch.nn.functional.affine_grid and grid_sample (Spatial Transformer Networks), as compositions of engine ops.

``affine_grid`` is one matmul of a constant base grid with ``theta``; ``grid_sample`` turns the normalised grid
into source coordinates with differentiable ops (torch's unnormalisation, border clipping and reflection, each with
torch's gradient: zero where a coordinate is clipped), takes the floor (or the nearest integer) of those
coordinates as constant integer indexes, gathers the input there with advanced indexing and weights the gathered
values with interpolation weights computed from the coordinates.  So the result is differentiable in both the
input and the grid, and twice differentiable (every op used is).  Nothing here asks which device it runs on: the
indexes are made by the array module of the grid's own array.

Decisions where torch is silent or odd:
- ``mode='nearest'`` rounds half to even (``std::nearbyint``, as torch) and gives the grid a zero gradient (a
  tensor of zeros, as torch, rather than no gradient).
- ``align_corners=None`` means False and warns with torch's UserWarning text (torch 2.14 still warns).
- Errors carry torch's messages, named after the function (``grid_sample():``, ``affine_grid:``).
"""
from __future__ import annotations

import itertools
import warnings

from engine.backend import get_array_module
from engine.ops._util import constant
from engine.ops.elementwise import where

from .functional import _t

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_CORNERS_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify "
    "align_corners=True if the old behavior is desired. See the documentation of grid_sample for details.")
_MODES = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")
_CUBIC_A = -0.75  # torch's (and OpenCV's) bicubic convolution constant


def _align_corners(align_corners):
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


# ---- affine_grid -------------------------------------------------------------------------------------
def _linspace_from_neg_one(xp, steps, align_corners, dtype):
    """torch's base-grid coordinates: ``steps`` points over [-1, 1] (pixel corners) or their pixel centres
    (``align_corners=False``); a single step sits at 0."""
    if steps <= 1:
        return xp.zeros(1, dtype=dtype)
    points = xp.linspace(-1.0, 1.0, steps, dtype=dtype)
    return points if align_corners else points * ((steps - 1) / steps)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of a batch of affine matrices ``theta`` (N, 2, 3) or
    (N, 3, 4) for an output of ``size`` (N, C, H, W) or (N, C, D, H, W); the last grid axis is (x, y[, z]).
    Differentiable in ``theta``."""
    theta = _t(theta, "affine_grid")
    align = _align_corners(align_corners)
    size = tuple(int(s) for s in size)
    if theta.dtype.kind != "f":
        raise ValueError(f"affine_grid: Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) not in (4, 5):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    nsp = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (nsp, nsp + 1):
        raise ValueError(f"affine_grid: Expected a batch of {nsp}D affine matrices of shape Nx{nsp}x{nsp + 1} for "
                         f"size {size}. Got {tuple(theta.shape)}.")
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"affine_grid: Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {theta.shape[0]} matrices but size {size} asks for a batch "
                           f"of {size[0]}")
    xp = get_array_module(theta.array)
    axes = [_linspace_from_neg_one(xp, s, align, theta.array.dtype) for s in spatial]  # (D,) H, W
    mesh = list(xp.meshgrid(*axes, indexing="ij"))
    base = xp.stack(mesh[::-1] + [xp.ones_like(mesh[0])], axis=-1).reshape(-1, nsp + 1)  # rows (x, y[, z], 1)
    grid = constant(base) @ theta.transpose(1, 2)  # (N, prod(spatial), nsp)
    return grid.reshape((size[0],) + spatial + (nsp,))


# ---- grid_sample -------------------------------------------------------------------------------------
def _check_grid_sample(x, grid, mode, padding_mode):
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDING_MODES:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    xs, gs = list(x.shape), list(grid.shape)
    if x.ndim not in (4, 5) or x.ndim != grid.ndim:
        raise RuntimeError("grid_sample(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {xs} and grid with sizes {gs}")
    if x.device != grid.device:
        raise RuntimeError(f"grid_sample(): expected input and grid to be on same device, but input is on "
                           f"{x.device} and grid is on {grid.device}")
    if x.dtype != grid.dtype:
        raise RuntimeError(f"grid_sample(): expected input and grid to have same dtype, but input has {x.dtype} "
                           f"and grid has {grid.dtype}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"grid_sample(): expected a floating-point input, got {x.dtype}")
    if xs[0] != gs[0]:
        raise RuntimeError("grid_sample(): expected grid and input to have same batch size, but got input with "
                           f"sizes {xs} and grid with sizes {gs}")
    if gs[-1] != x.ndim - 2:
        raise RuntimeError(f"grid_sample(): expected grid to have size {x.ndim - 2} in last dimension, but got grid "
                           f"with sizes {gs}")
    for d in range(2, x.ndim):
        if xs[d] == 0:
            raise RuntimeError("grid_sample(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {xs} with dimension {d} being empty")
    if mode == "bicubic" and x.ndim != 4:
        raise RuntimeError("grid_sample(): bicubic interpolation only supports 4D input")


def _unnormalize(coord, size, align_corners):
    """[-1, 1] to pixel units: -1 and 1 are the corner pixels' centres (align_corners) or their outer edges."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(coord, size):
    """``coord`` clipped to [0, size - 1], with torch's gradient: 1 strictly inside, 0 on and beyond the edges."""
    raw = coord.array
    xp = get_array_module(raw)
    inside = (raw > 0) & (raw < size - 1)
    return where(inside, coord, xp.clip(raw, 0, size - 1).astype(raw.dtype))


def _reflect(coord, twice_low, twice_high):
    """``coord`` folded into [twice_low / 2, twice_high / 2] by reflections off both ends (torch's rule); the
    gradient is +-1 as the number of reflections is even or odd."""
    xp = get_array_module(coord.array)
    if twice_low == twice_high:
        return where(xp.zeros(coord.shape, dtype=bool), coord, 0.0)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = coord - low
    sign = xp.where(shifted.array < 0, -1.0, 1.0).astype(coord.array.dtype)
    distance = shifted * sign
    flips = xp.floor(distance.array / span)
    extra = distance - flips * span
    return where(flips % 2 == 0, extra + low, (span + low) - extra)


def _source_coordinate(coord, size, padding_mode, align_corners):
    """torch's compute_coordinates: the pixel coordinate after the padding rule (zeros leaves it alone)."""
    if padding_mode == "border":
        return _clip(coord, size)
    if padding_mode == "reflection":
        twice = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        return _clip(_reflect(coord, *twice), size)
    return coord


def _gather(channels_last, batch_index, indexes, sizes):
    """``input[n, i_0, ..., i_k, :]`` at integer ``indexes`` (one array per spatial dim), zero where any index
    falls outside its dim; the result has the indexes' shape plus the channel dim."""
    xp = get_array_module(batch_index)
    inside = xp.ones(batch_index.shape, dtype=bool)
    clamped = []
    for index, size in zip(indexes, sizes):
        inside &= (index >= 0) & (index < size)
        clamped.append(xp.clip(index, 0, size - 1))
    values = channels_last[(batch_index, *clamped)]
    return values * constant(inside[..., None].astype(values.array.dtype))


def _cubic_coefficients(t):
    """The four cubic-convolution weights of taps -1, 0, 1, 2 for fractional offsets ``t`` (torch's)."""
    a = _CUBIC_A

    def near(s):  # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):  # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):  # noqa: A002
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised locations of ``grid`` (N, Ho, Wo, 2)
    or (N, Do, Ho, Wo, 3), whose last axis is (x, y[, z]) in [-1, 1]; ``mode`` 'bilinear' (trilinear for 5-d),
    'nearest' or 'bicubic' (4-d only); ``padding_mode`` 'zeros', 'border' or 'reflection' for locations outside
    the input.  Differentiable in ``input`` and (except for 'nearest') ``grid``."""
    x, grid = _t(input, "grid_sample"), _t(grid, "grid_sample")
    _check_grid_sample(x, grid, mode, padding_mode)
    align = _align_corners(align_corners)
    sizes = tuple(x.shape[2:])
    nsp = len(sizes)
    xp = get_array_module(grid.array)
    # the grid's last axis runs (x, y, z): coordinate k addresses spatial dim nsp - 1 - k
    coords = [_unnormalize(grid[..., nsp - 1 - d], sizes[d], align) for d in range(nsp)]
    batch_index = xp.broadcast_to(xp.arange(x.shape[0]).reshape((-1,) + (1,) * nsp), tuple(grid.shape[:-1]))
    channels_last = x.permute(0, *range(2, x.ndim), 1)
    if mode == "bicubic":
        out = _bicubic(channels_last, batch_index, coords, sizes, padding_mode, align)
    else:
        coords = [_source_coordinate(c, s, padding_mode, align) for c, s in zip(coords, sizes)]
        if mode == "nearest":
            out = _gather(channels_last, batch_index, [xp.rint(c.array).astype(xp.int64) for c in coords], sizes)
            # torch gives the grid a gradient of zeros: a where() that never picks the grid gives exactly that
            out = out + where(xp.zeros(grid.shape[:-1] + (1,), dtype=bool), grid[..., :1], 0.0)
        else:
            out = _linear(channels_last, batch_index, coords, sizes)
    return out.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _linear(channels_last, batch_index, coords, sizes):
    """Bi/trilinear interpolation: each of the 2**k corners around a point weighted by the opposite volume."""
    xp = get_array_module(batch_index)
    floors = [xp.floor(c.array) for c in coords]
    out = None
    for corner in itertools.product((0, 1), repeat=len(coords)):
        weight = None
        for d in reversed(range(len(coords))):  # x first, as torch multiplies
            w = coords[d] - floors[d] if corner[d] else (floors[d] + 1) - coords[d]
            weight = w if weight is None else weight * w
        indexes = [(f + b).astype(xp.int64) for f, b in zip(floors, corner)]
        term = _gather(channels_last, batch_index, indexes, sizes) * weight.unsqueeze(-1)
        out = term if out is None else out + term
    return out


def _bicubic(channels_last, batch_index, coords, sizes, padding_mode, align_corners):
    """Bicubic convolution over the 4 x 4 taps around each point; each tap's integer coordinate goes through
    the padding rule on its own (torch's get_value_bounded), so only the weights depend on the grid."""
    xp = get_array_module(batch_index)
    (y, x), (height, width) = coords, sizes
    fy, fx = xp.floor(y.array), xp.floor(x.array)
    wy, wx = _cubic_coefficients(y - fy), _cubic_coefficients(x - fx)

    def tap_index(floor, offset, size):
        tap = constant(floor + offset)
        bounded = _source_coordinate(tap, size, padding_mode, align_corners).array
        return xp.trunc(bounded).astype(xp.int64)

    out = None
    for i in range(4):
        iy = tap_index(fy, i - 1, height)
        for j in range(4):
            ix = tap_index(fx, j - 1, width)
            term = _gather(channels_last, batch_index, [iy, ix], sizes) * (wx[j] * wy[i]).unsqueeze(-1)
            out = term if out is None else out + term
    return out
