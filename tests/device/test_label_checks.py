"""Cross-entropy's label range check: immediate on the CPU; on "cuda" done by the kernel on the device (no
blocking read per step), the loss NaN and the error raised at the next read from the device, as torch's
device-side assert."""
import numpy as np
import pytest

import engine
import nn.functional as F

_MSG = "cross_entropy: target label 4 is out of range for 4 classes"


def _logits(device):
    """The same leaf logits on the CPU and on ``device``."""
    x = np.arange(12.0).reshape(3, 4) / 7
    return engine.tensor(x, requires_grad=True), engine.tensor(x, device=device, requires_grad=True)


def test_on_the_cpu_a_bad_label_raises_at_once():
    x = _logits("cpu")[0]
    with pytest.raises(IndexError, match=_MSG):
        F.cross_entropy(x, engine.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="target label -1 is out of range"):
        engine.softmax_cross_entropy(x, np.array([0, -1, 1]), reduction="sum")
    assert x.grad is None


@pytest.mark.parametrize("read", ["item", "numpy", "repr", "other tensor"])
def test_on_cuda_a_bad_label_gives_nan_and_raises_at_the_next_read(cuda_device, read):
    _, xd = _logits(cuda_device)
    loss = F.cross_entropy(xd, engine.tensor([0, 4, 1]).to(cuda_device))  # no read: nothing raised yet
    loss.backward()  # nor here: the gradient stays on the device
    reads = {"item": loss.item, "numpy": loss.numpy, "repr": lambda: repr(loss),
             "other tensor": lambda: float(xd.sum())}
    with pytest.raises(IndexError, match=_MSG):
        reads[read]()
    assert np.isnan(loss.item())  # raised once; the loss itself is NaN, never a finite wrong number
    g = xd.grad.numpy()
    assert np.isnan(g[1]).all() and np.isfinite(g[[0, 2]]).all()


def test_on_cuda_good_labels_read_equal_the_cpu(cuda_device):
    x, xd = _logits(cuda_device)
    labels = np.array([0, 3, -100])
    ref = F.cross_entropy(x, engine.tensor(labels))
    loss = F.cross_entropy(xd, engine.tensor(labels).to(cuda_device))
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    none = F.cross_entropy(xd, engine.tensor([-100, -100, -100]).to(cuda_device))
    assert np.isnan(none.item())  # every label ignored: the mean is NaN, as torch


def _general_path_losses(x, y, w):
    """Cross-entropy with class weights and label smoothing on (N, C, d) logits, and nll_loss: the losses that
    build a target from the labels instead of running the fused kernel."""
    return F.cross_entropy(x, y, weight=w, label_smoothing=0.1, ignore_index=2) + F.nll_loss(x.log_softmax(1), y)


def test_the_general_path_reads_nothing_on_cuda_and_equals_the_cpu(sim):
    rng = np.random.default_rng(3)
    x0, y0, w0 = rng.standard_normal((2, 3, 4)), rng.integers(0, 3, (2, 4)), np.array([1.0, 2.0, 0.5])
    ref = _general_path_losses(engine.tensor(x0), engine.tensor(y0), engine.tensor(w0))
    x = engine.tensor(x0, device="cuda", requires_grad=True)
    y, w = engine.tensor(y0).to("cuda"), engine.tensor(w0).to("cuda")
    sim.reset_transfer_counts()
    loss = _general_path_losses(x, y, w)
    loss.backward()
    assert sim.transfer_counts() == {"h2d": 0, "d2h": 0}
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)


def test_the_general_path_raises_at_once_on_the_cpu_and_at_the_next_read_on_cuda(cuda_device):
    x0, y0 = np.zeros((2, 3, 4)), np.array([[0, 1, 2, 1], [0, 5, 1, 1]])
    with pytest.raises(IndexError, match="nll_loss: target label 5 is out of range for 3 classes"):
        F.nll_loss(engine.tensor(x0), engine.tensor(y0))
    x, y = engine.tensor(x0, device=cuda_device), engine.tensor(y0).to(cuda_device)
    nll = F.nll_loss(x, y)
    with pytest.raises(IndexError, match="nll_loss: target label 5 is out of range for 3 classes"):
        nll.item()
    assert np.isnan(nll.item())
    ce = F.cross_entropy(x, y, weight=engine.tensor([1.0, 1.0, 2.0]).to(cuda_device), reduction="none")
    with pytest.raises(IndexError, match="cross_entropy: target label 5"):
        ce.numpy()
    assert np.isnan(ce.numpy()[1, 1])
