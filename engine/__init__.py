"""Kiln's autodiff core: Tensor, Function, the backward pass, the differentiable ops and the device
backend.  ``import engine`` gives the whole public API of DESIGN.md."""
from . import amp, backend, ops, viz
from .autograd import run_backward
from .backend import CUDAUnavailableError, Device, cuda_available, get_array_module, to_device
from .creation import arange, as_tensor, tensor, eye, full, full_like, ones, ones_like, rand, randn, zeros, zeros_like
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
    log,
    maximum,
    minimum,
    mul,
    neg,
    power,
    relu,
    sigmoid,
    sin,
    sqrt,
    sub,
    tanh,
    where,
)
from .ops.linalg import matmul
from .ops.reduce import logsumexp, max, mean, min, sum, var
from .ops.shape import (
    astype,
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    pad,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
    unsqueeze,
)
from .ops.softmax import log_softmax, softmax
from .tensor import Tensor

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
