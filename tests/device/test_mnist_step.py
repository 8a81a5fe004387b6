"""examples/mnist.py's training step on "cuda", counted on the simulated device (issue 19, section 4): per
step the host sends the batch and the augmentation's per-sample parameters only, and the example reads
nothing back (its metrics stay on the device until a log line).

What is asserted about device-to-host reads, and why that way: ``F.cross_entropy`` still reads the device
inside the library today (its label range check and count; another change removes them), so the example's
own reads are isolated two ways, each on LeNet5 with Adam and the example's real loader:

* with a loss made of device arithmetic only, a whole example step (forward, backward, Adam, metrics
  tally) reads nothing: 0 reads per step, and ``Tally.take`` (a log line) is exactly 1;
* with the example's real ``nn.CrossEntropyLoss``, an example step reads exactly as often as a bare
  ``model -> F.cross_entropy -> backward -> step`` on the same batch, measured in the same test: the example
  adds no read of its own to whatever cross-entropy still does.
"""
import numpy as np
import pytest

import engine
import nn
import nn.functional as F
import optim
from nn.data import DataLoader
from tests.examples._load import load

mn = load("mnist")
T = mn.T

BATCH = 2


def _setup(device, batches=2):
    """The example's pieces, as ``run`` builds them, on a tiny slice of MNIST: model, Adam, disabled
    GradScaler, augmenting loader."""
    cfg = {"model": "lenet5", "optimizer": "adam", "lr": 2e-3, "weight_decay": 0.0, "seed": 0, "augment": True}
    np.random.seed(cfg["seed"])
    model = mn.make_model(cfg["model"]).to(device)
    opt = mn.make_optimizer(cfg, model.parameters())
    train, _, _ = T.mnist_splits(val_size=1, seed=cfg["seed"], limit_train=BATCH * batches)
    loader = DataLoader(train, batch_size=BATCH, shuffle=True, generator=cfg["seed"], device=device,
                        transform=mn.train_transform(cfg))
    scaler = engine.amp.GradScaler(engine.Device(device).type, enabled=False)
    return model, opt, loader, scaler


def test_a_step_sends_the_batch_and_the_augmentation_parameters_and_reads_nothing(sim):
    """Two steps with a loss of device arithmetic only (so that every count is the example's own)."""
    model, opt, loader, scaler = _setup("cuda")
    window, fetched, stepped = T.Tally(), [], []
    batches = iter(loader)
    for _ in range(len(loader)):
        sim.reset_transfer_counts()
        xb, yb = next(batches)
        fetched.append(sim.transfer_counts())
        sim.reset_transfer_counts()
        loss, logits = mn.train_step(model, lambda out, _: (out * out).mean(), opt, scaler, xb, yb)
        window.add(logits, yb, loss)
        stepped.append(sim.transfer_counts())
    # images, labels, rotation angles, translation shifts; the first batch also brings Normalize's two constants
    assert [c["h2d"] for c in fetched] == [6, 4] and [c["d2h"] for c in fetched] == [0, 0]
    assert stepped == [{"h2d": 0, "d2h": 0}] * 2
    sim.reset_transfer_counts()
    loss_sum, correct, seen = window.take()  # a log line: one read
    assert sim.transfer_counts() == {"h2d": 0, "d2h": 1}
    assert seen == 2 * BATCH and 0 <= correct <= seen and loss_sum > 0


def test_the_example_step_adds_no_read_to_cross_entropys(sim):
    model, opt, loader, scaler = _setup("cuda", batches=1)
    xb, yb = next(iter(loader))
    sim.reset_transfer_counts()
    opt.zero_grad()
    F.cross_entropy(model(xb), yb).backward()
    opt.step()
    bare = sim.transfer_counts()
    sim.reset_transfer_counts()
    loss, logits = mn.train_step(model, nn.CrossEntropyLoss(), opt, scaler, xb, yb)
    T.Tally().add(logits, yb, loss)
    assert sim.transfer_counts() == bare


def test_tally_sums_equal_the_per_batch_figures(cuda_device):
    """What the training loop reads once per log line equals the old per-step host sums."""
    rng = np.random.default_rng(0)
    window, loss_sum, correct = T.Tally(), 0.0, 0
    for n in (3, 5):
        logits = engine.tensor(rng.standard_normal((n, 4)), dtype="float32").to(cuda_device)
        labels = engine.tensor(rng.integers(0, 4, n)).to(cuda_device)
        loss = F.cross_entropy(logits, labels)
        window.add(logits, labels, loss)
        loss_sum += loss.item() * n
        correct += int((logits.numpy().argmax(axis=1) == labels.numpy()).sum())
    got = window.take()
    assert got[1:] == (correct, 8)
    assert got[0] == pytest.approx(loss_sum, rel=1e-12)
    assert window.take() == (0.0, 0, 0)
