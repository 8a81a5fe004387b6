"""The CPU twin's convolution fast paths, declared as capability tables: the first entry that applies wins.

Each ``FORWARD`` entry is ``(applies(params, dtype), forward(x, w, b, params))``; each ``BACKWARD``
entry is ``(gives, applies(params, dtype, need_input), backward(gy, x, w, params, need_input,
need_weight) -> (gx, gw))`` and takes, of the gradients it ``gives``, those still wanted when its turn
comes.  What no entry takes goes to the im2col path of ``kernels/cpu/conv.py``.  ``params`` is the
``Conv2dParams`` checked at the op's door.  The CUDA twin declares no fast paths.

Order and thresholds are measured (see each module's docstring): stride-1 layers with few taps on planes
not much narrower than their padding run the direct convolution (``conv_direct.py``; forward, weight
gradient, and the input gradient where the transposed layer is as small); 3x3 stride-1 layers with
16+ channels and wide outputs take Winograd's F(2x2, 3x3) (``conv_winograd.py``, both gradients from
one transform of the output gradient); other layers with at most 288 taps and 8+ output channels take
the register-tiled channel-vector kernels (``conv_vec.py``, ``conv_vec_grad.py``); what is left with
few input taps takes the channel-first columns of ``conv_small.py`` (the forward, and the weight
gradient of a layer that needs no input gradient).  The functions are looked up in their modules at
call time, so a test can count or replace them.
"""
import numpy as np

from kernels._chunks import get_memory_budget
from kernels.cpu import conv_direct, conv_small, conv_vec, conv_vec_grad, conv_winograd


def _direct(pa, dtype, need_input=None):
    return conv_direct.applies(pa.p, pa.x_shape[1], pa.out_hw[1])


def _direct_input(pa, dtype, need_input):
    return conv_direct.applies_input_grad(pa.p, pa.w_shape[0], pa.x_shape[3])


def _winograd(pa, dtype, need_input=None):
    oh, ow = pa.out_hw
    tiles = ((oh + 1) // 2) * ((ow + 1) // 2)
    return conv_winograd.applies(pa.p, pa.x_shape[1], pa.w_shape[0], ow, tiles, np.dtype(dtype).itemsize,
                                 get_memory_budget())


def _vec(pa, dtype, need_input=None):
    return conv_vec.applies(pa.p, pa.w_shape[0], pa.taps)


def _vec_input(pa, dtype, need_input):
    n, c, h, w = pa.x_shape
    return conv_vec.applies_input_grad(pa.p, c, pa.w_shape[0], h * w, pa.out_hw[0] * pa.out_hw[1])


def _small(pa, dtype, need_input=None, backward=False):
    n, oh, ow = pa.x_shape[0], pa.out_hw[0], pa.out_hw[1]
    column_bytes = n * pa.taps * oh * ow * np.dtype(dtype).itemsize
    return conv_small.applies(pa.taps, column_bytes, get_memory_budget(), backward, bool(need_input))


def _small_weight(pa, dtype, need_input):
    return _small(pa, dtype, need_input, backward=True)


def _forward_with(module):
    return lambda x, w, b, pa: getattr(module, "forward")(x, w, b, pa.p, *pa.out_hw)


def _input_grad_with(module):
    return lambda gy, x, w, pa, ni, nw: (getattr(module, "input_grad")(gy, w, pa.p, pa.x_shape), None)


def _weight_grad_with(module):
    return lambda gy, x, w, pa, ni, nw: (None, getattr(module, "weight_grad")(gy, x, pa.w_shape, pa.p))


def _winograd_backward(gy, x, w, pa, need_input, need_weight):
    return conv_winograd.backward(gy, x, w, pa.p, pa.x_shape, need_input, need_weight)


FORWARD = [
    (_direct, _forward_with(conv_direct)),
    (_winograd, _forward_with(conv_winograd)),
    (_vec, _forward_with(conv_vec)),
    (_small, _forward_with(conv_small)),
]

INPUT, WEIGHT = "input", "weight"
BACKWARD = [
    ({WEIGHT}, _direct, _weight_grad_with(conv_direct)),
    ({INPUT}, _direct_input, _input_grad_with(conv_direct)),
    ({INPUT, WEIGHT}, _winograd, _winograd_backward),
    ({INPUT}, _vec_input, _input_grad_with(conv_vec)),
    ({WEIGHT}, _vec, _weight_grad_with(conv_vec_grad)),
    ({WEIGHT}, _small_weight, _weight_grad_with(conv_small)),
]


def forward(x, w, b, pa):
    """The first fast forward that applies, or None (then the caller runs im2col)."""
    for applies, run in FORWARD:
        if applies(pa, x.dtype):
            return run(x, w, b, pa)
    return None


def backward(gy, x, w, pa, need_input, need_weight):
    """``(gx, gw, need_input, need_weight)``: the gradients the fast paths took, and which are still wanted."""
    gx = gw = None
    for gives, applies, run in BACKWARD:
        ni, nw = need_input and INPUT in gives, need_weight and WEIGHT in gives
        if (ni or nw) and applies(pa, gy.dtype, need_input):
            a, b = run(gy, x, w, pa, ni, nw)
            if ni:
                gx, need_input = a, False
            if nw:
                gw, need_weight = b, False
    return gx, gw, need_input, need_weight
