"""A denoising autoencoder on MNIST, with optional greedy layer-wise pretraining (course example).

Digits are corrupted with Gaussian noise (std ``--noise``, clipped to [0, 1]) and a fully connected
autoencoder 784-256-64-256-784 (ReLU inside, sigmoid output) learns to map the noisy image back to the
clean one, minimising the cross-entropy per pixel.  Reported: the mean squared error per pixel against
the clean test images, of the noisy input itself (what "doing nothing" scores) and of the
reconstruction; saved: a PNG grid with rows of clean, noisy and reconstructed test digits
(``--grid``, default ``runs/denoising/reconstructions.png``).

``--pretrain`` adds greedy layer-wise pretraining first (Bengio et al. 2007, Vincent et al. 2008 —
the notes' link from greedy algorithms to deep learning): a shallow denoising autoencoder
784-256-784 is trained alone, then a second one 256-64-256 on the first one's codes (noisy codes in,
clean codes out), each stage solving its own small problem greedily; the stacked layers then start
end-to-end fine-tuning.  ``--compare`` trains both ways with the same fine-tuning budget and prints
the table.

    python examples/denoising_autoencoder.py [--epochs 3] [--limit-train 10000] [--noise 0.5] [--pretrain]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _training as T  # noqa: E402  (puts the repository root on sys.path)

import engine  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from nn.data import DataLoader, transforms  # noqa: E402

SIZES = (784, 256, 64)


def make_layers():
    """Encoder and decoder halves, one (Linear, ReLU) pair per level of SIZES; the outermost decoder
    layer is a bare Linear giving pixel *logits* (the sigmoid is applied by the loss and by
    :func:`reconstruct`, which keeps the cross-entropy finite where the sigmoid saturates)."""
    enc = [nn.Sequential(nn.Linear(a, b), nn.ReLU()) for a, b in zip(SIZES[:-1], SIZES[1:])]
    dec = [nn.Linear(b, a) if a == SIZES[0] else nn.Sequential(nn.Linear(b, a), nn.ReLU())
           for a, b in zip(SIZES[:-1], SIZES[1:])]
    return enc, dec


def reconstruct(model, x):
    """Images in [0, 1] from the autoencoder's logits."""
    return model(x).sigmoid()


def stack(enc, dec):
    """The full autoencoder: enc[0], enc[1], ..., dec[-1], ..., dec[0]."""
    return nn.Sequential(*enc, *reversed(dec))


def _flat(xb):
    return xb.reshape(xb.shape[0], -1)


def train_stage(model, loader, noise, epochs, lr, to_input=None, progress=True, desc="train"):
    """Minimise MSE(model(noisy input), clean input) over ``loader``; ``to_input`` maps an image batch
    to the representation this stage works on (identity for the full model)."""
    opt = optim.Adam(model.parameters(), lr=lr)
    # the image stage minimises the cross-entropy per pixel (pixels in [0, 1] read as probabilities;
    # it trains much faster than MSE through a sigmoid); inner stages reconstruct ReLU codes with MSE
    loss_fn = nn.BCEWithLogitsLoss() if to_input is None else nn.MSELoss()
    for epoch in range(epochs):
        bar = T.progress(loader, desc=f"{desc} {epoch + 1}/{epochs}", enabled=progress)
        total = 0.0
        for i, (xb, _) in enumerate(bar):
            clean = _flat(xb)
            noisy = _flat(noise(xb))
            if to_input is not None:
                with engine.no_grad():
                    clean, noisy = to_input(clean), to_input(noisy)
            loss = loss_fn(model(noisy), clean)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            if progress and (i + 1) % 20 == 0:
                bar.set_postfix(mse=f"{total / (i + 1):.4f}")
    return model


def reconstruction_error(model, loader, noise):
    """(MSE of the noisy input, MSE of the reconstruction), per pixel, against the clean images."""
    model.eval()
    n, err_noisy, err_rec = 0, 0.0, 0.0
    with engine.no_grad():
        for xb, _ in loader:
            clean, noisy = _flat(xb), _flat(noise(xb))
            rec = reconstruct(model, noisy)
            err_noisy += float(((noisy - clean) ** 2).sum().item())
            err_rec += float(((rec - clean) ** 2).sum().item())
            n += clean.numel()
    model.train()
    return err_noisy / n, err_rec / n


def save_grid(model, images, noise, path, n=10):
    """Rows: clean, noisy, reconstructed (first ``n`` images)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = engine.tensor(images[:n])
    noisy = noise(x)
    model.eval()
    with engine.no_grad():
        rec = reconstruct(model, _flat(noisy)).numpy().reshape(-1, 28, 28)
    model.train()
    rows = [("clean", x.numpy().reshape(-1, 28, 28)), ("noisy", noisy.numpy().reshape(-1, 28, 28)),
            ("reconstructed", rec)]
    fig, axes = plt.subplots(3, n, figsize=(n * 1.1, 3.6))
    for r, (name, imgs) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(imgs[c], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def build(pretrain, loader, noise, a):
    """A trained autoencoder: optional greedy layer-wise pretraining, then end-to-end fine-tuning."""
    np.random.seed(a.seed)
    enc, dec = make_layers()
    if pretrain:
        for k in range(len(enc)):
            below = nn.Sequential(*enc[:k]) if k else None
            shallow = nn.Sequential(enc[k], dec[k])
            train_stage(shallow, loader, noise, a.pretrain_epochs, a.lr, to_input=below, progress=a.progress,
                        desc=f"pretrain layer {k + 1}")
    model = stack(enc, dec)
    return train_stage(model, loader, noise, a.epochs, a.lr, progress=a.progress,
                       desc="fine-tune" if pretrain else "train")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3, help="end-to-end epochs")
    p.add_argument("--pretrain", action="store_true", help="greedy layer-wise pretraining first")
    p.add_argument("--pretrain-epochs", type=int, default=1, help="epochs per pretraining stage")
    p.add_argument("--compare", action="store_true", help="train with and without pretraining")
    p.add_argument("--noise", type=float, default=0.5)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--limit-train", type=int, default=10000)
    p.add_argument("--limit-test", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--grid", default="runs/denoising/reconstructions.png")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    a = p.parse_args(argv)

    train, _, test = T.mnist_splits(0, a.seed, a.limit_train, a.limit_test)
    loader = DataLoader(train, batch_size=a.batch_size, shuffle=True, generator=a.seed)
    test_loader = DataLoader(test, batch_size=1000)
    noise = transforms.GaussianNoise(a.noise, clip=(0.0, 1.0), seed=a.seed + 1)
    variants = [False, True] if a.compare else [a.pretrain]
    results = {}
    for pre in variants:
        model = build(pre, loader, noise, a)
        noise.seed(12345)  # the same corruption of the test set for every variant
        results[pre] = reconstruction_error(model, test_loader, noise)
    print(f"test reconstruction error (MSE per pixel, noise std {a.noise:g}, {len(test)} test digits)")
    print(f"{'method':<34}{'noisy input':>12}{'reconstruction':>16}")
    for pre, (e_noisy, e_rec) in results.items():
        name = "greedy pretraining + fine-tuning" if pre else "end-to-end only"
        print(f"{name:<34}{e_noisy:>12.4f}{e_rec:>16.4f}")
    noise.seed(0)
    save_grid(model, T.images_of(test), noise, a.grid)
    print(f"reconstructions saved to {a.grid}")
    return {("pretrain" if k else "plain"): {"noisy_mse": v[0], "reconstruction_mse": v[1]}
            for k, v in results.items()} | {"grid": a.grid}


if __name__ == "__main__":
    main()
