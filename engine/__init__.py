"""Kiln's autodiff core: Tensor, Function, the backward pass, the differentiable ops and the device
backend.  ``import engine`` gives the whole public API of DESIGN.md."""
from . import amp, backend, ops, viz
from .autograd import run_backward
from .backend import CUDAUnavailableError, Device, cuda_available, get_array_module, to_device
from .creation import (
    arange,
    as_tensor,
    eye,
    full,
    full_like,
    is_tensor,
    numel,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (  # noqa: A004  (torch's names: engine.float, engine.int, engine.bool, ...)
    dtype,
    get_default_dtype,
    promote_types,
    set_default_dtype,
)
from .dtypes import _BY_NAME as _DTYPES, _ALIASES as _DTYPE_ALIASES
from .function import Function, once_differentiable
from .functional import grad, hvp, jacobian
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.elementwise import (
    abs,
    add,
    cos,
    div,
    exp,
    floor_divide,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    power,
    relu,
    remainder,
    sigmoid,
    sin,
    sqrt,
    sub,
    tanh,
    where,
)
from .ops.linalg import addmm, bmm, matmul, mm
from .ops.reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    return_types,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .ops.shape import (
    astype,
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    narrow,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    transpose,
    unflatten,
    unsqueeze,
)
from .ops.softmax import log_softmax, softmax, softmin
from .tensor import Size, Tensor

globals().update(_DTYPES)  # engine.float32, engine.int64, engine.bfloat16, ...
globals().update({alias: _DTYPES[name] for alias, name in _DTYPE_ALIASES.items()})  # engine.float, engine.long, ...

# ---- ops built on the custom kernels (conv, pooling, fused activations) are imported below ----
from .ops.conv import conv2d, conv_transpose2d
from .ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d

# ---- fused activations and softmax cross-entropy (engine/ops/activation.py, engine/ops/softmax_ce.py) ----
from .ops.activation import *  # noqa: E402,F401,F403  (elu, leaky_relu, ..., bias_act: from the spec rows)
from .ops.softmax_ce import softmax_cross_entropy  # noqa: E402
from .serialization import load, save  # noqa: E402  (torch.save / torch.load without pickle)

# ---- interop: DLPack (engine/dlpack.py), ONNX export (engine/onnx/) ----
from . import dlpack  # noqa: E402
from .dlpack import from_dlpack, to_dlpack  # noqa: E402
from . import onnx  # noqa: E402  (engine.onnx.export; the onnx package itself is imported lazily)

# ---- torch's namespace: engine.nn / engine.optim / engine.utils.data are nn / optim / nn.data ----
from . import _aliases as _aliases, utils  # noqa: E402

_aliases.install()


def __getattr__(name):
    if name in ("nn", "optim"):  # resolved on first use: nn and optim import engine themselves
        return _aliases.resolve("engine." + name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


# ---- torch's device namespace: engine.device (the backend's Device), engine.cuda, engine.accelerator ----
from . import accelerator, cuda  # noqa: E402
from .backend import Device as device  # noqa: E402  (torch.device's role; one class, two names)

# ---- torch ops: elementwise maths, scans, sorting, index and layout ops, einsum, random -----------
from . import random  # noqa: E402
from .creation import (  # noqa: E402
    empty, empty_like, from_numpy, linspace, logspace, meshgrid, rand_like, randint, randint_like, randn_like,
    randperm,
)
from .ops import einsum as _einsum_ops, index as _index_ops, layout as _layout_ops  # noqa: E402
from .ops import arith as _arith_ops, logic as _logic_ops, math as _math_ops  # noqa: E402
from .ops import scan as _scan_ops, sort as _sort_ops  # noqa: E402
from .ops import conv_grouped as _conv_grouped_ops, interp as _interp_ops, pool_indices as _pool_ops  # noqa: E402
from .ops.conv_grouped import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, convolve2d  # noqa: E402,F811
from .ops.einsum import einsum  # noqa: E402
from .ops.pool_indices import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d  # noqa: E402,F811
from .ops.index import (  # noqa: E402
    argwhere, gather, index_select, masked_fill, masked_select, nonzero, scatter, scatter_add, take_along_dim, where,
)
from .ops.layout import (  # noqa: E402
    diag, diag_embed, diagonal, flip, fliplr, flipud, moveaxis, movedim, repeat_interleave, roll, tile, tril, triu,
)
from .ops.arith import (  # noqa: E402
    arctan2, atan2, clamp, clip, copysign, div, divide, fmod, lerp, logaddexp, pow, remainder,
    true_divide,
)
from .ops.logic import (  # noqa: E402
    allclose, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor, eq, equal,
    ge, greater, greater_equal, gt, isclose, isfinite, isinf, isnan, isneginf, isposinf, le, less, less_equal,
    logical_and, logical_not, logical_or, logical_xor, lt, ne, not_equal,
)
from .ops.math import (  # noqa: E402
    acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin, asinh, atan, atanh, ceil, cosh, erf, erfc,
    erfinv, exp2, expm1, fix, floor, log10, log1p, log2, reciprocal, round, rsqrt, sgn, sign, sinc, sinh, tan, trunc,
)
from .ops.views import column_stack, dstack, hstack, row_stack, vstack  # noqa: E402
from .ops.scan import cummax, cummin, cumprod, cumsum, logcumsumexp, prod  # noqa: E402
from .ops.sort import argsort, kthvalue, msort, sort, topk  # noqa: E402
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state  # noqa: E402,E501

# ---- mixed precision (engine/amp/): engine.autocast is torch.autocast, engine.amp.GradScaler ----
from . import amp  # noqa: E402
from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402

# ---- everyday tensor functions: clone, ravel, unbind, diff, nansum, ..., small elementwise maths, dtype helpers ----
from .ops.basics import (  # noqa: E402
    addcdiv, addcmul, broadcast_tensors, can_cast, clone, count_nonzero, diff, inference_mode, is_complex,
    is_floating_point, nanmean, nansum, ravel, result_type, rot90, square, take, unbind,
)
from .ops.basics_more import (  # noqa: E402
    clamp_max, clamp_min, deg2rad, digamma, float_power, frac, heaviside, hypot, isin, ldexp, lgamma, logit,
    nan_to_num, polygamma, positive, rad2deg, rsub, signbit, xlogy,
)

# ---- order statistics, unique values, histograms, sorted search; random draws (ops/stats.py, ops/sampling.py) ----
from .ops.stats import (  # noqa: E402
    bincount, bucketize, histc, histogram, median, mode, nanmedian, nanquantile, quantile, searchsorted, unique,
    unique_consecutive,
)
from .ops.sampling import bernoulli, multinomial, normal, poisson  # noqa: E402

# ---- linear algebra: products, norms, decompositions (engine.linalg is torch.linalg) ----
from . import linalg  # noqa: E402
from .ops.products import (  # noqa: E402
    addbmm, addmv, addr, baddbmm, cdist, chain_matmul, cross, dist, dot, ger, inner, kron, mv, norm, outer, renorm,
    tensordot, trace, vdot,
)
from .ops.products_builders import (  # noqa: E402
    block_diag, cartesian_prod, combinations, corrcoef, cov, cumulative_trapezoid, diagflat, tril_indices,
    trapezoid, triu_indices, vander,
)
from .ops.decompositions import det, inverse, logdet, matrix_power, pinverse, slogdet, svd  # noqa: E402

# ---- torch's memory formats (Kiln has one layout; engine/memory_format.py) ----
from .memory_format import channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format  # noqa: E402,E501
