"""The ``nn`` version of the "Learning PyTorch with Examples" tutorial, with its imports renamed: fit
sin(x) on [-pi, pi] by a cubic, ``nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))`` on the features
``x.unsqueeze(-1).pow(p)``, ``MSELoss(reduction="sum")``, and the update written by hand:
``param -= learning_rate * param.grad`` under ``no_grad`` after ``model.zero_grad()``.  Changes: the
layer starts from fixed weights (``load_state_dict``) so that Kiln and PyTorch run the same numbers, and
``main`` returns the loss of each step."""
import math

import engine
import nn


def main(steps=200):
    x = engine.linspace(-math.pi, math.pi, 2000)
    y = engine.sin(x)

    p = engine.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)

    model = nn.Sequential(
        nn.Linear(3, 1),
        nn.Flatten(0, 1)
    )
    model.load_state_dict({"0.weight": engine.tensor([[0.1, -0.2, 0.05]]), "0.bias": engine.tensor([0.3])})
    loss_fn = nn.MSELoss(reduction="sum")

    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with engine.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    return {"losses": losses, "coefficients": [linear_layer.bias.item()] + linear_layer.weight.view(-1).tolist()}
