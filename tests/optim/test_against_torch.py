"""Cross-check with PyTorch itself (skipped when torch is not installed): same float64 problem, same
hyperparameters, torch.optim and Kiln's optim agree to float64 rounding over 25 steps."""
import numpy as np
import pytest


from .problems import run_with_torch

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True, betas=(0.8, 0.95))),
]


@pytest.mark.parametrize("name, kw", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_same_trajectory_as_torch(name, kw):
    params, _, tps, _ = run_with_torch(name, kw, 4, 25)
    for a, b in zip(params, tps):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-13)
