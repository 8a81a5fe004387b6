"""Next-value prediction on sine waves with an LSTM, a PyTorch program with its imports renamed:
``nn.LSTM(batch_first=True)`` + ``nn.Linear`` head, ``Adam``, ``MSELoss``, gradient clipping with
``clip_grad_norm_``, then the trained weights saved with ``engine.save(model.state_dict(), path)`` and
loaded into a fresh model with ``engine.load`` + ``load_state_dict``, whose predictions must be the same.
Waves and starting weights come from a seeded NumPy generator, so Kiln and PyTorch run the same numbers;
``main`` returns the loss of each step and the reloaded model's test error."""
import numpy as np

import engine
import nn
import optim


class SineNet(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out[:, -1, :])


def make_waves(n, steps=20, seed=0):
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    t = phase + 0.3 * np.arange(steps + 1)
    wave = np.sin(t).astype(np.float32)
    return wave[:, :-1, None], wave[:, -1:]


def main(path, steps=40, seed=0):
    x, y = (engine.tensor(a) for a in make_waves(64, seed=seed))
    x_test, y_test = (engine.tensor(a) for a in make_waves(32, seed=seed + 1))
    model = SineNet()
    rng = np.random.default_rng(seed + 2)
    model.load_state_dict({k: engine.tensor((0.3 * rng.standard_normal(tuple(v.shape))).astype(np.float32))
                           for k, v in model.state_dict().items()})
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    criterion = nn.MSELoss()
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())

    engine.save(model.state_dict(), path)
    restored = SineNet()
    restored.load_state_dict(engine.load(path))
    restored.eval()
    model.eval()
    with engine.no_grad():
        test_error = criterion(restored(x_test), y_test).item()
        same = bool((restored(x_test) == model(x_test)).all())
    return {"losses": losses, "test_error": test_error, "same_predictions": same}
