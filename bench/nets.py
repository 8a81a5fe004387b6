"""The benchmark networks, written once against the ``torch.nn`` API and built twice: with Kiln's ``nn`` and
with ``torch.nn`` (Kiln's ``nn`` follows PyTorch's names and layouts), so that a training step of each is the
same network, shapes, loss (cross-entropy on integer labels) and optimiser (SGD, lr 0.01, momentum 0.9).

- ``mlp``: Linear 784-256-128-10 with ReLU between.
- ``lenet5``: conv 1->6 5x5 pad 2, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2, flatten,
  Linear 400-120-84-10 with ReLU (the modern ReLU/max-pool LeNet-5).
- ``resnet20``: the CIFAR ResNet-20 — a 3x3 conv stem to 16 channels, three stages of three basic blocks
  (16/32/64 channels, stride 2 entering stages 2 and 3), BatchNorm after every conv, a 1x1 conv + BatchNorm
  shortcut where the shape changes (option B), global average pooling, Linear 64-10.

FLOP counts of these exact networks live in ``bench.work``.
"""
from __future__ import annotations

__all__ = ["mlp", "lenet5", "resnet20", "train_step", "NEEDS"]

#: the layer names each builder needs from the ``nn`` namespace
NEEDS = {
    "mlp": ("Sequential", "Linear", "ReLU", "CrossEntropyLoss"),
    "lenet5": ("Sequential", "Linear", "ReLU", "Conv2d", "MaxPool2d", "Flatten", "CrossEntropyLoss"),
    "resnet20": ("Module", "Sequential", "Linear", "ReLU", "Conv2d", "BatchNorm2d", "AdaptiveAvgPool2d",
                 "Flatten", "CrossEntropyLoss"),
}


def mlp(nn, widths=(784, 256, 128, 10)):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lenet5(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def resnet20(nn, width: int = 16, blocks: int = 3, classes: int = 10):
    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.project = stride != 1 or cin != cout
            if self.project:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (self.shortcut(x) if self.project else x))

    layers = [nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage in range(3):
        cout = width * 2**stage
        for b in range(blocks):
            layers.append(BasicBlock(cin, cout, 2 if (stage > 0 and b == 0) else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def train_step(model, nn, optim, x, y, lr: float = 0.01, momentum: float = 0.9):
    """A zero-argument callable doing one SGD-momentum training step of ``model`` on ``(x, y)``."""
    model.train()
    crit = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)

    def step():
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()

    return step
