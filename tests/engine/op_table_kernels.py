"""Op-table cases for the ops built on the custom kernels (convolution, pooling, activations).

Shapes are small and odd on purpose (stride > 1, padding, dilation, batch 1, rectangular kernels);
every case is gradchecked in float64 and, where the op is twice differentiable, second-order checked.
"""
import engine
import nn.functional as F

from .op_table import OpCase, torch_module

def _F():
    return torch_module().nn.functional


_LONG_SUMS = {"float32": dict(rtol=1e-4, atol=1e-4)}  # 160-200 float32 terms per output: rounding, not error
_CONV = ("Conv2d", "Conv2dGrad", "ConvTranspose2d", "Conv2dWeightGrad")
_MAXP = ("MaxPool2d", "MaxPool2dBackward", "MaxPool2dGather")
_DEPTHWISE = ("DepthwiseConv2d", "DepthwiseConv2dGrad")

KERNEL_CASES = [
    OpCase("conv2d", _CONV, lambda x, w, b: engine.conv2d(x, w, b), [((2, 3, 5, 6), (4, 3, 3, 3), (4,))],
           torch=lambda x, w, b: _F().conv2d(x, w, b), derive=("empty",)),
    OpCase("conv2d_stride_pad", _CONV, lambda x, w: engine.conv2d(x, w, stride=2, padding=1),
           [((1, 2, 7, 5), (3, 2, 3, 2))], torch=lambda x, w: _F().conv2d(x, w, stride=2, padding=1)),
    OpCase("conv2d_dilation", _CONV, lambda x, w: engine.conv2d(x, w, stride=(1, 2), padding=(2, 1), dilation=2),
           [((1, 2, 6, 7), (2, 2, 2, 3))],
           torch=lambda x, w: _F().conv2d(x, w, stride=(1, 2), padding=(2, 1), dilation=2)),
    # stride 1, few taps, 16 wide: the CPU takes the direct path for all three passes (kernels/cpu/conv_direct.py)
    OpCase("conv2d_direct", _CONV, lambda x, w, b: engine.conv2d(x, w, b, padding=1),
           [((1, 2, 3, 16), (3, 2, 3, 3), (3,))], torch=lambda x, w, b: _F().conv2d(x, w, b, padding=1)),
    # 3x3 stride 1, 16+ channels (162 taps: past the direct path), 32 wide: the CPU takes the Winograd
    # path (kernels/cpu/conv_winograd.py)
    OpCase("conv2d_winograd", _CONV, lambda x, w, b: engine.conv2d(x, w, b, padding=1),
           [((1, 18, 2, 32), (18, 18, 3, 3), (18,))], torch=lambda x, w, b: _F().conv2d(x, w, b, padding=1),
           tol=_LONG_SUMS),
    # 200 taps (past the direct path), 5x5, 8 output channels: the CPU takes the channel-vector
    # kernels for all three passes (kernels/cpu/conv_vec.py, conv_vec_grad.py)
    OpCase("conv2d_vec", _CONV, lambda x, w, b: engine.conv2d(x, w, b, padding=2),
           [((1, 8, 4, 6), (8, 8, 5, 5), (8,))], torch=lambda x, w, b: _F().conv2d(x, w, b, padding=2),
           tol=_LONG_SUMS),
    OpCase("conv_transpose2d", _CONV, lambda x, w, b: engine.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                              output_padding=1),
           [((2, 3, 3, 4), (3, 2, 3, 3), (2,))],
           torch=lambda x, w, b: _F().conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
           derive=("empty",)),
    OpCase("unfold", ("Unfold", "Fold"), lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
           [((2, 3, 5, 6),), ((3, 4, 4),)],
           torch=lambda x: _F().unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), derive=("empty",)),
    # overlapping blocks (stride 1 < kernel): fold sums several columns onto one pixel
    OpCase("fold", ("Fold", "Unfold"), lambda c: F.fold(c, (4, 5), 2, padding=(1, 0)), [((2, 12, 20),), ((8, 20),)],
           torch=lambda c: _F().fold(c, (4, 5), 2, padding=(1, 0)), derive=("empty",)),
    # 1 < groups < C: one conv2d per group, concatenated (engine/ops/conv_grouped.py)
    OpCase("conv2d_groups", _CONV + ("Concatenate",),
           lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1, dilation=(2, 1), groups=2),
           [((2, 4, 6, 7), (6, 2, 3, 2), (6,))], derive=("empty",),
           torch=lambda x, w, b: _F().conv2d(x, w, b, stride=(1, 2), padding=1, dilation=(2, 1), groups=2)),
    # groups == C: the direct depthwise kernels (engine/ops/conv_depthwise.py); a channel multiplier of 2
    OpCase("conv2d_depthwise", _DEPTHWISE, lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=3),
           [((2, 3, 5, 4), (6, 1, 3, 3), (6,))], torch=lambda x, w, b: _F().conv2d(x, w, b, padding=1, groups=3),
           derive=("empty",)),
    OpCase("conv2d_depthwise_strided", _DEPTHWISE,
           lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(0, 2), dilation=(1, 2), groups=2),
           [((1, 2, 7, 6), (2, 1, 2, 3))],
           torch=lambda x, w: _F().conv2d(x, w, stride=(2, 1), padding=(0, 2), dilation=(1, 2), groups=2)),
    OpCase("max_pool2d", _MAXP, lambda x: engine.max_pool2d(x, 2), [((2, 3, 4, 6),), ((1, 1, 5, 7),)],
           torch=lambda x: _F().max_pool2d(x, 2), derive=("empty",)),
    OpCase("max_pool2d_overlap", _MAXP, lambda x: engine.max_pool2d(x, 3, stride=2, padding=1),
           [((1, 2, 7, 6),)], torch=lambda x: _F().max_pool2d(x, 3, stride=2, padding=1)),
    OpCase("max_pool2d_ceil", _MAXP, lambda x: engine.max_pool2d(x, 2, ceil_mode=True), [((1, 2, 5, 5),)],
           torch=lambda x: _F().max_pool2d(x, 2, ceil_mode=True)),
    OpCase("avg_pool2d", ("AvgPool2d", "AvgPool2dBackward"), lambda x: engine.avg_pool2d(x, 3, stride=2, padding=1),
           [((2, 2, 7, 6),), ((1, 1, 4, 4),)], torch=lambda x: _F().avg_pool2d(x, 3, stride=2, padding=1),
           derive=("empty",)),
    OpCase("max_pool2d_dilation", _MAXP, lambda x: engine.max_pool2d(x, (2, 3), stride=(1, 2), dilation=(2, 1)),
           [((1, 2, 6, 7),)], torch=lambda x: _F().max_pool2d(x, (2, 3), stride=(1, 2), dilation=(2, 1))),
    OpCase("avg_pool2d_exclude_pad_ceil", ("AvgPool2d", "AvgPool2dBackward"),
           lambda x: engine.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
           [((1, 2, 6, 5),)],
           torch=lambda x: _F().avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    OpCase("adaptive_avg_pool2d_1", ("AdaptiveAvgPool2d", "AdaptiveAvgPool2dBackward"),
           lambda x: engine.adaptive_avg_pool2d(x, 1), [((2, 3, 5, 4),)],
           torch=lambda x: _F().adaptive_avg_pool2d(x, 1), derive=("empty",)),
    OpCase("adaptive_avg_pool2d_3", ("AdaptiveAvgPool2d", "AdaptiveAvgPool2dBackward"),
           lambda x: engine.adaptive_avg_pool2d(x, (3, 2)), [((1, 2, 7, 5),)],
           torch=lambda x: _F().adaptive_avg_pool2d(x, (3, 2))),
]


def _conv_size(h, k, s, p, d):
    """Output sizes as torch computes them (floor division): values and gradients against torch only (the rows
    above gradcheck the same kernels)."""
    return OpCase(f"conv2d_size_h{h}_k{k}_s{s}_p{p}_d{d}", _CONV, lambda x, w: engine.conv2d(x, w, stride=s, padding=p,
                                                                                             dilation=d),
                  [((1, 2, h, h + 1), (3, 2, k, k))], torch=lambda x, w: _F().conv2d(x, w, stride=s, padding=p,
                                                                                      dilation=d), gradcheck=False)


def _pool_size(h, k, s, p, ceil):
    """Max and average pooling output sizes as torch computes them (ceil_mode's last window must start inside
    the input or its left padding)."""
    def pools(x, F):
        return (F.max_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil),
                F.avg_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil))

    return OpCase(f"pool2d_size_h{h}_k{k}_s{s}_p{p}_{'ceil' if ceil else 'floor'}", _MAXP + ("AvgPool2d",),
                  lambda x: pools(x, engine), [((1, 1, h, h),)], torch=lambda x: pools(x, _F()), second_order=False)


KERNEL_CASES += [_conv_size(*a) for a in [(28, 5, 1, 2, 1), (7, 3, 2, 1, 1), (10, 3, 3, 0, 2), (5, 5, 1, 0, 1)]]
KERNEL_CASES += [_pool_size(*a) for a in [(7, 2, 2, 0, False), (7, 2, 2, 0, True), (5, 3, 2, 1, True),
                                          (6, 3, 3, 1, True)]]

# ---- fused activations and softmax cross-entropy (engine/ops/activation.py, engine/ops/softmax_ce.py) ----
from .op_table_activations import ACTIVATION_CASES  # noqa: E402

KERNEL_CASES += ACTIVATION_CASES
