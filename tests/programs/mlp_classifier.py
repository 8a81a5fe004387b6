"""An everyday PyTorch training script with its imports renamed: a two-layer MLP classifies three
Gaussian blobs in 4-d, fed by ``DataLoader(TensorDataset(X, y))``, trained with ``CrossEntropyLoss``,
``SGD(momentum=0.9)`` and a ``StepLR`` schedule, then evaluated under ``no_grad`` in eval mode.  The data
and the starting weights (loaded with ``load_state_dict``) come from a seeded NumPy generator, so Kiln
and PyTorch run the same numbers; ``main`` returns the loss of each step and the final accuracy."""
import numpy as np

import engine
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, d_in, hidden, classes):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def make_data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.0, (3, 4))
    labels = np.arange(n) % 3
    points = centres[labels] + rng.normal(0.0, 1.0, (n, 4))
    return points.astype(np.float32), labels.astype(np.int64)


def main(epochs=4, seed=0):
    X, y = make_data(seed=seed)
    dataset = TensorDataset(engine.tensor(X), engine.tensor(y))
    loader = DataLoader(dataset, batch_size=32, shuffle=False)

    model = MLP(4, 32, 3)
    rng = np.random.default_rng(seed + 1)
    model.load_state_dict({k: engine.tensor((0.3 * rng.standard_normal(tuple(v.shape))).astype(np.float32))
                           for k, v in model.state_dict().items()})
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = nn.CrossEntropyLoss()

    losses = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()

    model.eval()
    with engine.no_grad():
        inputs, targets = engine.tensor(X), engine.tensor(y)
        pred = model(inputs).argmax(dim=1)
        accuracy = (pred == targets).float().mean().item()
    return {"losses": losses, "accuracy": accuracy, "lr": optimizer.param_groups[0]["lr"]}
