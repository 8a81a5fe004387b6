"""examples/mnist.py's training step on "cuda", counted on the simulated device (issue 19, section 4): per
step the host sends the batch and the augmentation's per-sample parameters only, the step reads nothing back
(cross-entropy checks its labels on the device; the example's metrics stay on the device until a log line),
and a LeNet5 Adam step issues 10 Numba launches (it was 28: conv 3 per pass, Adam one per parameter).

The first test uses a loss of device arithmetic only, so that its counts are the example's own; the second
runs the example's real step (``nn.CrossEntropyLoss``, Adam, augmentation on) and counts everything.
"""
import numpy as np

import engine
import nn
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


def test_the_real_step_reads_nothing_and_launches_ten_numba_kernels(sim, monkeypatch):
    from kernels.cuda import _launch

    launches = []
    real = _launch.check_launch  # every launch passes its checks, whichever name the kernel module imported
    monkeypatch.setattr(_launch, "check_launch", lambda name, *a: launches.append(name) or real(name, *a))
    model, opt, loader, scaler = _setup("cuda", batches=1)
    xb, yb = next(iter(loader))
    launches.clear()  # augmentation runs as device array operations: count the step only
    sim.reset_transfer_counts()
    loss, logits = mn.train_step(model, nn.CrossEntropyLoss(), opt, scaler, xb, yb)
    T.Tally().add(logits, yb, loss)
    assert sim.transfer_counts() == {"h2d": 0, "d2h": 0}
    # forward: im2col per conv, max pooling x2, the fused cross-entropy; backward: its gradient, max pooling x2,
    # col2im for conv2's input gradient (both weight gradients reuse the forward's columns); Adam: one launch
    assert sorted(launches) == sorted(["_im2col_nchw"] * 2 + ["_max_fwd"] * 2 + ["xent_fwd", "_xent_bwd"]
                                      + ["_max_bwd"] * 2 + ["_col2im_nchw", "_adam"])
    assert len(launches) <= 10  # issue 19's goal (was 28)
