"""Kiln's autodiff core: Tensor, Function, the backward pass, the differentiable ops and the device
backend.  ``import engine`` gives the whole public API of DESIGN.md."""
from . import backend, ops, viz
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
    clip,
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
from .ops.activation import (  # noqa: E402
    abs_rectifier,
    bias_act,
    elu,
    hard_threshold,
    leaky_relu,
    log_sigmoid,
    mish,
    prelu,
    silu,
    sinc,
    softplus,
    softsign,
    swish,
)
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
