"""CIFAR-style ResNet (He et al. 2016, section 4.2): a 3x3 stem of 16 channels, three stages of
``n`` basic blocks with 16, 32 and 64 channels (stride 2 entering stages 2 and 3), global average
pooling and a linear classifier; depth ``6n + 2`` (``resnet8``: n=1, ``resnet20``: n=3,
``resnet32``: n=5).

``BasicBlock``: conv3x3-BN-ReLU-conv3x3-BN, plus the skip connection, then ReLU.  Where the shape
changes the skip is a 1x1 convolution + BN (``shortcut="B"``, torchvision's ``downsample``) or the
parameter-free option A of the paper (subsample by 2 and zero-pad the channels, ``shortcut="A"``).
Names follow torchvision (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.0``, ``fc``).
Convolutions are initialised with ``kaiming_normal_(mode="fan_out", nonlinearity="relu")``.
"""
from __future__ import annotations

import engine

from .. import init
from ..containers import Sequential
from ..conv import Conv2d
from ..linear import Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d

__all__ = ["BasicBlock", "ResNet", "resnet8", "resnet20", "resnet32"]


def _conv3x3(cin, cout, stride=1):
    return Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class _PadShortcut(Module):
    """Option A: take every other pixel and zero-pad the new channels (no parameters)."""

    def __init__(self, extra_channels: int):
        super().__init__()
        self.extra = extra_channels

    def forward(self, x):
        x = x[:, :, ::2, ::2]
        half = self.extra // 2
        return engine.pad(x, (0, 0, 0, 0, half, self.extra - half))  # torch's order: last dim first


class BasicBlock(Module):
    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1, shortcut: str = "B"):
        super().__init__()
        self.conv1 = _conv3x3(in_planes, planes, stride)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            if shortcut == "B":
                self.downsample = Sequential(Conv2d(in_planes, planes, 1, stride=stride, bias=False), BatchNorm2d(planes))
            elif shortcut == "A":
                self.downsample = _PadShortcut(planes - in_planes)
            else:
                raise ValueError(f"BasicBlock: shortcut must be 'A' or 'B', got {shortcut!r}")
        else:
            self.downsample = None

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return (out + identity).relu()


class ResNet(Module):
    def __init__(self, num_blocks=(3, 3, 3), num_classes: int = 10, in_channels: int = 3, widths=(16, 32, 64),
                 shortcut: str = "B"):
        super().__init__()
        self.conv1 = _conv3x3(in_channels, widths[0])
        self.bn1 = BatchNorm2d(widths[0])
        planes = widths[0]
        for i, (n, w) in enumerate(zip(num_blocks, widths)):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BasicBlock(planes, w, stride, shortcut))
                planes = w
            self.add_module(f"layer{i + 1}", Sequential(*blocks))
        self.n_stages = len(num_blocks)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc = Linear(planes, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.bn1(self.conv1(x)).relu()
        for i in range(self.n_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        x = self.avgpool(x)
        return self.fc(x.reshape(x.shape[0], -1))


def resnet8(num_classes: int = 10, **kw) -> ResNet:
    return ResNet((1, 1, 1), num_classes, **kw)


def resnet20(num_classes: int = 10, **kw) -> ResNet:
    return ResNet((3, 3, 3), num_classes, **kw)


def resnet32(num_classes: int = 10, **kw) -> ResNet:
    return ResNet((5, 5, 5), num_classes, **kw)
