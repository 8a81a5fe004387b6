"""The network and training step of PyTorch's official examples/mnist/main.py with its imports renamed:
two 3x3 convolutions, max pooling, dropout, ``torch.flatten(x, 1)``, two Linear layers and
``log_softmax(dim=1)``, trained with ``nll_loss``, ``Adadelta(lr=1.0)`` and ``StepLR(step_size=1,
gamma=0.7)``, seeded with ``manual_seed``.  Changes: instead of MNIST (which the torch side would need
torchvision for), a fixed batch of 32 random images with random labels that the network learns by heart
in a few steps; ``main`` returns the loss of each step."""
import numpy as np

import engine
import nn
import nn.functional as F
import optim
from optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = engine.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def main(steps=6, seed=1):
    engine.manual_seed(seed)
    rng = np.random.default_rng(seed)
    data = engine.tensor(rng.random((32, 1, 28, 28), dtype=np.float32))
    target = engine.tensor(rng.integers(0, 10, 32))
    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for step in range(steps):
        model.train()
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    model.eval()
    with engine.no_grad():
        final = F.nll_loss(model(data), target, reduction="sum").item() / 32
    return {"losses": losses, "eval_loss": final}
