"""A small DCGAN on MNIST (Radford et al. 2016, after PyTorch's official examples/dcgan), on Kiln.

Generator: z (``--nz``, 64) as a (N, nz, 1, 1) map -> ConvTranspose2d to 7 x 7 (``2 ngf`` channels) ->
14 x 14 (``ngf``) -> 28 x 28 (1 channel), BatchNorm2d + ReLU between, Tanh at the end, so images live in
[-1, 1] (real digits are scaled to that range too).  Discriminator: Conv2d 28 -> 14 (``ndf``) -> 7
(``2 ndf``, BatchNorm2d) -> 1, LeakyReLU(0.2) between, Sigmoid at the end: the probability of "real".
Weights start as DCGAN's ``weights_init`` says (conv N(0, 0.02), batch-norm scale N(1, 0.02), shift 0).
Training is DCGAN's loop: BCELoss, Adam(lr 2e-4, betas=(0.5, 0.999)) for both nets; the discriminator step
sums the real-batch and fake-batch losses (fakes detached, so no gradient reaches the generator there);
the generator step labels its fakes "real" (the non-saturating loss) and backpropagates through the
discriminator into the generator.

Written: ``<out>/fake_samples_epoch_<e>.png``, 64 digits from a fixed noise batch (8 x 8 grid, 242 x 242
pixels), atomically.  Printed: Loss_D, Loss_G, D(x), D(G(z)) before / after the discriminator step.

    python examples/gan.py [--epochs 5] [--batch-size 64] [--limit-train N] [--out runs/gan] [--device cpu]

Spellings Kiln lacks today, replaced here: a fresh
``engine.full`` for ``label.fill_(...)``, ``np.random.seed`` for ``torch.manual_seed``,
``engine.randn(..., generator=)`` with a NumPy Generator for ``torch.randn(..., generator=)``, and
examples/_images.save_image for torchvision's ``save_image(..., normalize=True)``.
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
import optim  # noqa: E402
from nn.data import DataLoader  # noqa: E402

REAL_LABEL, FAKE_LABEL = 1.0, 0.0


class Generator(nn.Module):
    def __init__(self, nz=64, ngf=32):
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False),      # (nz, 1, 1) -> (2 ngf, 7, 7)
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),     # -> (ngf, 14, 14)
            nn.BatchNorm2d(ngf),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),           # -> (1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),                    # (1, 28, 28) -> (ndf, 14, 14)
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),              # -> (2 ndf, 7, 7)
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),                # -> (1, 1, 1)
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x)


def weights_init(m):
    """DCGAN's initialisation: conv weights N(0, 0.02); batch-norm scale N(1, 0.02) and shift 0."""
    classname = type(m).__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def discriminator_step(netD, optimizerD, criterion, real, fake):
    """Maximise log D(x) + log(1 - D(G(z))); ``fake`` is detached so the generator gets no gradient."""
    netD.zero_grad()
    b = real.shape[0]
    label = engine.full((b,), REAL_LABEL, dtype=real.dtype, device=real.device)
    output = netD(real).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()

    label = engine.full((b,), FAKE_LABEL, dtype=real.dtype, device=real.device)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    optimizerD.step()
    return (errD_real + errD_fake).item(), D_x, D_G_z1


def generator_step(netG, netD, optimizerG, criterion, fake):
    """Maximise log D(G(z)): the discriminator's verdict on ``fake``, labelled real, back into G."""
    netG.zero_grad()
    label = engine.full((fake.shape[0],), REAL_LABEL, dtype=fake.dtype, device=fake.device)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    optimizerG.step()
    return errG.item(), output.mean().item()


def train_step(netG, netD, optimizerG, optimizerD, criterion, real, noise):
    """One DCGAN iteration on a batch of real images in [-1, 1]; returns the logged numbers."""
    fake = netG(noise)
    errD, D_x, D_G_z1 = discriminator_step(netD, optimizerD, criterion, real, fake)
    errG, D_G_z2 = generator_step(netG, netD, optimizerG, criterion, fake)
    return {"loss_D": errD, "loss_G": errG, "D_x": D_x, "D_G_z1": D_G_z1, "D_G_z2": D_G_z2}


def build(nz, ngf, ndf, lr, device):
    netG = Generator(nz, ngf).to(device)
    netG.apply(weights_init)
    netD = Discriminator(ndf).to(device)
    netD.apply(weights_init)
    optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(0.5, 0.999))
    return netG, netD, optimizerG, optimizerD


def save_samples(netG, noise, path):
    """The generator's images for ``noise`` (eval mode: batch norm uses its running statistics)."""
    netG.eval()
    with engine.no_grad():
        fake = netG(noise).cpu()
    netG.train()
    return _images.save_image(fake, path, value_range=(-1.0, 1.0))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--limit-train", type=int, default=None, help="train on the first N of a seeded shuffle")
    p.add_argument("--nz", type=int, default=64, help="size of the latent vector z")
    p.add_argument("--ngf", type=int, default=32)
    p.add_argument("--ndf", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--seed", type=int, default=999)
    p.add_argument("--log-interval", type=int, default=50, help="batches between log lines (0: none)")
    p.add_argument("--out", default="runs/gan", help="folder for the sample grids")
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    for name in ("batch_size", "epochs", "nz", "ngf", "ndf"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be positive, got {getattr(a, name)}")

    device = T.pick_device(a.device)
    np.random.seed(a.seed)  # Kiln's initialisers draw from NumPy's global generator
    rng = np.random.default_rng(a.seed)
    train, _, _ = T.mnist_splits(0, a.seed, a.limit_train, 1)
    loader = DataLoader(train, batch_size=a.batch_size, shuffle=True, drop_last=True, generator=a.seed)
    if len(loader) == 0:
        p.error(f"--limit-train {a.limit_train} gives no full batch of {a.batch_size}")
    netG, netD, optimizerG, optimizerD = build(a.nz, a.ngf, a.ndf, a.lr, device)
    criterion = nn.BCELoss()
    fixed_noise = engine.randn(64, a.nz, 1, 1, generator=rng, device=device)

    steps, sample_path = [], None
    for epoch in range(a.epochs):
        for i, (data, _) in enumerate(loader):
            real = (data * 2.0 - 1.0).to(device)          # [0, 1] -> [-1, 1], the Tanh's range
            noise = engine.randn(real.shape[0], a.nz, 1, 1, generator=rng, device=device)
            s = train_step(netG, netD, optimizerG, optimizerD, criterion, real, noise)
            steps.append(s)
            if a.log_interval and i % a.log_interval == 0:
                print(f"[{epoch}/{a.epochs}][{i}/{len(loader)}] Loss_D: {s['loss_D']:.4f} Loss_G: {s['loss_G']:.4f} "
                      f"D(x): {s['D_x']:.4f} D(G(z)): {s['D_G_z1']:.4f} / {s['D_G_z2']:.4f}")
        sample_path = save_samples(netG, fixed_noise, os.path.join(a.out, f"fake_samples_epoch_{epoch:03d}.png"))
    print(f"samples saved to {sample_path}")
    return {"netG": netG, "netD": netD, "steps": steps, "sample": sample_path}


if __name__ == "__main__":
    main()
