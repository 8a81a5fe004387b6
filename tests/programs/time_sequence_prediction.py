"""Sine-wave prediction in the shape of PyTorch's official ``time_sequence_prediction`` example, with the
imports renamed: two ``nn.LSTMCell`` layers and a ``Linear`` head stepped by hand over
``input.chunk(input.size(1), dim=1)``, states from ``engine.zeros(..., dtype=engine.double)``, outputs joined
with ``engine.stack(outputs, 1).squeeze(2)``, future steps fed back, ``model.double()``, ``MSELoss`` and
``optim.LBFGS(lr=0.8)`` driven by a closure.  The waves come from NumPy, as in the example's generator."""
import numpy as np

import engine
import nn
import optim


def make_data(n=12, length=200, period=20, seed=2):
    rng = np.random.default_rng(seed)
    x = np.arange(length)[None, :] + rng.integers(-4 * period, 4 * period, (n, 1))
    return np.sin(x / 1.0 / period).astype("float64")


class Sequence(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = engine.zeros(input.size(0), self.hidden, dtype=engine.double)
        c_t = engine.zeros(input.size(0), self.hidden, dtype=engine.double)
        h_t2 = engine.zeros(input.size(0), self.hidden, dtype=engine.double)
        c_t2 = engine.zeros(input.size(0), self.hidden, dtype=engine.double)
        for input_t in input.chunk(input.size(1), dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return engine.stack(outputs, 1).squeeze(2)


def main(steps=3, length=40, seed=0):
    engine.manual_seed(seed)
    data = make_data(length=length)
    input = engine.from_numpy(data[3:, :-1])
    target = engine.from_numpy(data[3:, 1:])
    test_input = engine.from_numpy(data[:3, :-1])
    test_target = engine.from_numpy(data[:3, 1:])
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    losses = []
    for i in range(steps):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            loss.backward()
            return loss
        losses.append(optimizer.step(closure).item())
    with engine.no_grad():
        future = 10
        pred = seq(test_input, future=future)
        test_loss = criterion(pred[:, :-future], test_target).item()
    return {"losses": losses, "test_loss": test_loss, "pred_shape": list(pred.shape)}
