"""MNIST read row by row by an LSTM, in the shape of PyTorch's official ``mnist_rnn`` example with the
imports renamed: ``nn.LSTM(28, 64, batch_first=True)``, the last step's output through ``BatchNorm1d``,
``Dropout``, two ``Linear`` layers and ``log_softmax``; ``nll_loss``, ``Adadelta`` with ``StepLR``, a
``DataLoader`` over a ``TensorDataset``, ``model.train()``/``model.eval()`` and an evaluation under
``no_grad``.  The images are the project's MNIST copy (a small slice, normalised as the example does), read
with NumPy so that both libraries see the same numbers."""
import gzip
import os

import numpy as np

import engine
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, TensorDataset
from optim.lr_scheduler import StepLR

MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "data", "mnist")


def read_mnist(n, offset=0):
    with gzip.open(os.path.join(MNIST, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[offset:offset + n]
    with gzip.open(os.path.join(MNIST, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[offset:offset + n]
    x = ((images.astype(np.float32) / 255.0) - 0.1307) / 0.3081
    return engine.tensor(x), engine.tensor(labels.astype(np.int64))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        input = input.reshape(-1, 28, 28)
        output, (hidden, cell) = self.rnn(input)
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = F.relu(self.fc1(output))
        output = self.dropout2(output)
        return F.log_softmax(self.fc2(output), dim=1)


def main(epochs=3, n_train=512, n_test=256, seed=0):
    engine.manual_seed(seed)
    train_loader = DataLoader(TensorDataset(*read_mnist(n_train)), batch_size=64, shuffle=True)
    test_x, test_y = read_mnist(n_test, offset=50000)
    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for epoch in range(epochs):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    with engine.no_grad():
        output = model(test_x)
        test_loss = F.nll_loss(output, test_y, reduction="sum").item() / n_test
        accuracy = (output.argmax(dim=1, keepdim=True).eq(test_y.view_as(output.argmax(dim=1, keepdim=True)))
                    .sum().item() / n_test)
    return {"losses": losses, "test_loss": test_loss, "accuracy": accuracy, "lr": optimizer.param_groups[0]["lr"]}
