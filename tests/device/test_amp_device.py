"""GradScaler on "cuda": the same scaled training as on the CPU, gradients checked on the device with one
device read per step (simulated device: counted)."""
import copy

import numpy as np

import engine
import nn
import nn.functional as F
import optim
from engine import backend
from engine.amp import GradScaler


def _train(model, device, sim=None):
    model = model.to(device)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = GradScaler(init_scale=2.0**8, growth_interval=2)
    rng = np.random.default_rng(0)
    x = engine.tensor(rng.standard_normal((4, 5)), dtype="float32").to(device)
    y = engine.tensor(rng.integers(0, 3, 4)).to(device)
    reads = []
    for _ in range(3):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        if sim is not None:
            sim.reset_transfer_counts()
        scaler.step(opt)
        if sim is not None:
            reads.append(sim.transfer_counts()["d2h"])
        scaler.update()
    return [backend.to_numpy(p.array) for p in model.parameters()], scaler.get_scale(), reads


def test_grad_scaler_on_cuda_equals_cpu_with_one_read_per_step(sim):
    model = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))
    want, want_scale, _ = _train(copy.deepcopy(model), "cpu")
    got, got_scale, reads = _train(model, "cuda", sim)
    assert got_scale == want_scale == 2.0**9  # grew once after two clean steps
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert reads == [1, 1, 1]
