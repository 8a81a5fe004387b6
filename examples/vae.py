"""A variational autoencoder on MNIST, as in PyTorch's official example (examples/vae), on Kiln.

Encoder 784-400-(20, 20) giving the mean and log-variance of q(z | x), the reparameterisation trick
z = mu + eps * exp(logvar / 2) with eps ~ N(0, I) (so the sample is differentiable in mu and logvar),
decoder 20-400-784 with a sigmoid output read as Bernoulli pixel probabilities.  The loss per batch is
the negative ELBO summed over the batch: binary cross-entropy of the reconstruction (reduction="sum")
plus the closed-form KL divergence -1/2 * sum(1 + logvar - mu^2 - exp(logvar)); Adam, lr 1e-3.  As in the
official example the reported losses are per image (the batch sums divided by the number of images).

After each epoch: the test loss, ``<out>/reconstruction_<epoch>.png`` (first row: 8 test digits; second
row: their reconstructions) and ``<out>/sample_<epoch>.png`` (64 digits decoded from z ~ N(0, I), an 8 x 8
grid of 28-pixel images with 2-pixel borders: 242 x 242 pixels), both written atomically.

    python examples/vae.py [--epochs 10] [--batch-size 128] [--limit-train N] [--out runs/vae] [--device cpu]

Differences from the PyTorch program, each a spelling Kiln lacks today:
``engine.randn(*shape, generator=, device=, dtype=)`` for
``torch.randn_like``, ``np.random.seed`` (which seeds Kiln's initialisers) for ``torch.manual_seed``, and
examples/_images.save_image for torchvision's ``save_image``.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _images  # noqa: E402
import _training as T  # noqa: E402  (puts the repository root on sys.path)

import engine  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from nn.data import DataLoader  # noqa: E402

LATENT = 20


class VAE(nn.Module):
    """784-400-(20, 20) encoder, 20-400-784 decoder; ``generator`` (a numpy Generator) draws eps."""

    def __init__(self, generator=None):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, LATENT)
        self.fc22 = nn.Linear(400, LATENT)
        self.fc3 = nn.Linear(LATENT, 400)
        self.fc4 = nn.Linear(400, 784)
        self.generator = generator

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = engine.exp(0.5 * logvar)
        eps = engine.randn(*std.shape, generator=self.generator, device=std.device, dtype=std.dtype)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return engine.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    """Negative ELBO summed over the batch: BCE(recon_x, x) + KL(q(z | x) || N(0, I))."""
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * engine.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train_epoch(model, optimizer, loader, device, epoch, log_interval, steps):
    """One epoch; appends each step's loss per image to ``steps``; returns the epoch's loss per image."""
    model.train()
    train_loss, seen = 0.0, 0
    for batch_idx, (data, _) in enumerate(loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        value = loss.item()
        train_loss += value
        seen += data.shape[0]
        optimizer.step()
        steps.append(value / data.shape[0])
        if log_interval and batch_idx % log_interval == 0:
            print(f"Train Epoch: {epoch} [{seen}/{len(loader.dataset)}]\tLoss: {value / data.shape[0]:.6f}")
    train_loss /= seen
    print(f"====> Epoch: {epoch} Average loss: {train_loss:.4f}")
    return train_loss


def test_epoch(model, loader, device, epoch, out):
    """The test loss per image; writes the reconstruction grid of the first batch's first 8 digits."""
    model.eval()
    test_loss, seen = 0.0, 0
    with engine.no_grad():
        for i, (data, _) in enumerate(loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            seen += data.shape[0]
            if i == 0:
                n = min(data.shape[0], 8)
                comparison = engine.concatenate(
                    [data[:n], recon_batch.view(-1, 1, 28, 28)[:n]], axis=0)
                _images.save_image(comparison.cpu(), os.path.join(out, f"reconstruction_{epoch}.png"), nrow=n)
    test_loss /= seen
    print(f"====> Test set loss: {test_loss:.4f}")
    return test_loss


def save_samples(model, device, path, n=64, generator=None):
    """Decode ``n`` draws of z ~ N(0, I) and save them as an 8-wide grid."""
    model.eval()
    with engine.no_grad():
        sample = engine.randn(n, LATENT, generator=generator, device=device)
        sample = model.decode(sample).cpu()
    return _images.save_image(sample.view(n, 1, 28, 28), path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--limit-train", type=int, default=None, help="train on the first N of a seeded shuffle")
    p.add_argument("--limit-test", type=int, default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-interval", type=int, default=10, help="batches between log lines (0: none)")
    p.add_argument("--out", default="runs/vae", help="folder for the PNG grids")
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    if a.batch_size < 1 or a.epochs < 1:
        p.error(f"--batch-size and --epochs must be positive, got {a.batch_size} and {a.epochs}")

    device = T.pick_device(a.device)
    np.random.seed(a.seed)  # Kiln's initialisers draw from NumPy's global generator
    train, _, test = T.mnist_splits(0, a.seed, a.limit_train, a.limit_test)
    train_loader = DataLoader(train, batch_size=a.batch_size, shuffle=True, generator=a.seed)
    test_loader = DataLoader(test, batch_size=a.batch_size)
    model = VAE(generator=np.random.default_rng(a.seed)).to(device)
    optimizer = optim.Adam(model.parameters(), lr=a.lr)

    steps, history, sample_path = [], [], None
    for epoch in range(1, a.epochs + 1):
        train_loss = train_epoch(model, optimizer, train_loader, device, epoch, a.log_interval, steps)
        test_loss = test_epoch(model, test_loader, device, epoch, a.out)
        sample_path = save_samples(model, device, os.path.join(a.out, f"sample_{epoch}.png"),
                                   generator=np.random.default_rng(a.seed + epoch))
        history.append({"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss})
    print(f"samples saved to {sample_path}")
    return {"model": model, "steps": steps, "history": history, "sample": sample_path}


if __name__ == "__main__":
    main()
