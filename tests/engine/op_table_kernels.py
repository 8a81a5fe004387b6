"""Op-table cases for the ops built on the custom kernels (convolution, pooling, activations).

Shapes are small and odd on purpose (stride > 1, padding, dilation, batch 1, rectangular kernels);
every case is gradchecked in float64 and, where the op is twice differentiable, second-order checked.
"""
import engine

from .op_table import OpCase

_CONV = ("Conv2d", "Conv2dGrad", "ConvTranspose2d", "Conv2dWeightGrad")
_MAXP = ("MaxPool2d", "MaxPool2dBackward", "MaxPool2dGather")

KERNEL_CASES = [
    OpCase("conv2d", _CONV, lambda x, w, b: engine.conv2d(x, w, b), [((2, 3, 5, 6), (4, 3, 3, 3), (4,))]),
    OpCase("conv2d_stride_pad", _CONV, lambda x, w: engine.conv2d(x, w, stride=2, padding=1),
           [((1, 2, 7, 5), (3, 2, 3, 2))]),
    OpCase("conv2d_dilation", _CONV, lambda x, w: engine.conv2d(x, w, stride=(1, 2), padding=(2, 1), dilation=2),
           [((1, 2, 6, 7), (2, 2, 2, 3))]),
    # stride 1, few taps, 16 wide: the CPU takes the direct path for all three passes (kernels/cpu/conv_direct.py)
    OpCase("conv2d_direct", _CONV, lambda x, w, b: engine.conv2d(x, w, b, padding=1),
           [((1, 2, 3, 16), (3, 2, 3, 3), (3,))]),
    # 3x3 stride 1, 16+ channels (162 taps: past the direct path), 32 wide: the CPU takes the Winograd
    # path (kernels/cpu/conv_winograd.py)
    OpCase("conv2d_winograd", _CONV, lambda x, w, b: engine.conv2d(x, w, b, padding=1),
           [((1, 18, 2, 32), (18, 18, 3, 3), (18,))]),
    # 200 taps (past the direct path), 5x5, 8 output channels: the CPU takes the channel-vector
    # kernels for all three passes (kernels/cpu/conv_vec.py, conv_vec_grad.py)
    OpCase("conv2d_vec", _CONV, lambda x, w, b: engine.conv2d(x, w, b, padding=2),
           [((1, 8, 4, 6), (8, 8, 5, 5), (8,))]),
    OpCase("conv_transpose2d", _CONV, lambda x, w, b: engine.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                              output_padding=1),
           [((2, 3, 3, 4), (3, 2, 3, 3), (2,))]),
    OpCase("max_pool2d", _MAXP, lambda x: engine.max_pool2d(x, 2), [((2, 3, 4, 6),), ((1, 1, 5, 7),)]),
    OpCase("max_pool2d_overlap", _MAXP, lambda x: engine.max_pool2d(x, 3, stride=2, padding=1),
           [((1, 2, 7, 6),)]),
    OpCase("max_pool2d_ceil", _MAXP, lambda x: engine.max_pool2d(x, 2, ceil_mode=True), [((1, 2, 5, 5),)]),
    OpCase("avg_pool2d", ("AvgPool2d", "AvgPool2dBackward"), lambda x: engine.avg_pool2d(x, 3, stride=2, padding=1),
           [((2, 2, 7, 6),), ((1, 1, 4, 4),)]),
    OpCase("adaptive_avg_pool2d_1", ("AdaptiveAvgPool2d", "AdaptiveAvgPool2dBackward"),
           lambda x: engine.adaptive_avg_pool2d(x, 1), [((2, 3, 5, 4),)]),
    OpCase("adaptive_avg_pool2d_3", ("AdaptiveAvgPool2d", "AdaptiveAvgPool2dBackward"),
           lambda x: engine.adaptive_avg_pool2d(x, (3, 2)), [((1, 2, 7, 5),)]),
]

# ---- fused activations and softmax cross-entropy (engine/ops/activation.py, engine/ops/softmax_ce.py) ----
from .op_table_activations import ACTIVATION_CASES  # noqa: E402

KERNEL_CASES += ACTIVATION_CASES
