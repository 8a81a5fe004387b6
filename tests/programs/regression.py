"""PyTorch's official examples/regression/main.py with its imports renamed: fit a random degree-4
polynomial with one Linear layer on the features [x, x^2, x^3, x^4], by plain gradient steps written
through ``param.data.add_`` and the smooth-L1 loss, until the loss falls under 1e-3.  Changes to the
original: a seed (``engine.manual_seed``) and a cap on the number of batches, so a test can run it;
``main`` returns what the test checks instead of printing it."""
from itertools import count

import engine
import nn
import nn.functional as F

POLY_DEGREE = 4


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return engine.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def main(max_batches=2000, seed=1):
    engine.manual_seed(seed)
    W_target = engine.randn(POLY_DEGREE, 1) * 5
    b_target = engine.randn(1) * 5

    def f(x):
        """Approximated function."""
        return x.mm(W_target) + b_target.item()

    def get_batch(batch_size=32):
        """Builds a batch i.e. (x, f(x)) pair."""
        random = engine.randn(batch_size)
        x = make_features(random)
        y = f(x)
        return x, y

    fc = nn.Linear(W_target.size(0), 1)
    losses = []
    for batch_idx in count(1):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        losses.append(loss)
        if loss < 1e-3 or batch_idx >= max_batches:
            break
    return {"losses": losses, "weight": fc.weight.view(-1).tolist(), "bias": fc.bias.item(),
            "W_target": W_target.view(-1).tolist(), "b_target": b_target.item()}
