"""Autoencoders: ``Autoencoder`` (MLP encoder/decoder), ``ConvAutoencoder`` (strided convolutions
down, transposed convolutions up) and ``DenoisingAutoencoder`` (any of them, fed inputs corrupted by
Gaussian noise while training).

``Autoencoder(widths=(784, 256, 64))``: encoder ``MLP(widths)``, decoder ``MLP(reversed(widths))``,
activation between layers; the latent layer is linear and the output goes through ``output_activation``
(``"sigmoid"`` by default, for pixels in [0, 1]; ``None`` for unbounded data).  Inputs of any shape
(N, ...) are flattened and the reconstruction has the input's shape.

``ConvAutoencoder(in_channels=1, channels=(16, 32))``: each encoder stage is a 3x3 stride-2
convolution + activation (28 -> 14 -> 7); the decoder mirrors it with 3x3 stride-2 transposed
convolutions (``output_padding=1``), the last one followed by ``output_activation``.  Needs spatial
sizes divisible by 2 ** len(channels).

``DenoisingAutoencoder(base, noise_std=0.3)``: in training mode adds N(0, noise_std^2) noise to the
input before ``base``; the loss is then taken against the clean input.  In eval mode it is ``base``.
"""
from __future__ import annotations

import numpy as np

from engine import Tensor
from engine.backend import get_array_module

from ..containers import Sequential
from ..conv import Conv2d, ConvTranspose2d
from ..module import Module
from ._common import make_activation
from .mlp import MLP

__all__ = ["Autoencoder", "ConvAutoencoder", "DenoisingAutoencoder"]


class Autoencoder(Module):
    def __init__(self, widths=(784, 256, 64), activation="relu", output_activation="sigmoid"):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        self.encoder = MLP(widths, activation)
        self.decoder = MLP(widths[::-1], activation, output_activation=output_activation)

    def encode(self, x):
        return self.encoder(x.reshape(x.shape[0], -1))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).reshape(x.shape)


class ConvAutoencoder(Module):
    def __init__(self, in_channels: int = 1, channels=(16, 32), activation="relu", output_activation="sigmoid"):
        super().__init__()
        chans = (in_channels,) + tuple(channels)
        enc = []
        for a, b in zip(chans[:-1], chans[1:]):
            enc += [Conv2d(a, b, 3, stride=2, padding=1), make_activation(activation)]
        dec = []
        rev = chans[::-1]
        for i, (a, b) in enumerate(zip(rev[:-1], rev[1:])):
            dec.append(ConvTranspose2d(a, b, 3, stride=2, padding=1, output_padding=1))
            if i < len(rev) - 2:
                dec.append(make_activation(activation))
            elif output_activation is not None:
                dec.append(make_activation(output_activation))
        self.encoder = Sequential(*enc)
        self.decoder = Sequential(*dec)
        self.factor = 2 ** len(channels)

    def encode(self, x):
        if x.ndim != 4 or x.shape[2] % self.factor or x.shape[3] % self.factor:
            raise ValueError(
                f"ConvAutoencoder: expected (N, C, H, W) with H and W divisible by {self.factor}, got {x.shape}"
            )
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class DenoisingAutoencoder(Module):
    def __init__(self, base: Module, noise_std: float = 0.3, generator=None):
        super().__init__()
        if noise_std < 0:
            raise ValueError(f"DenoisingAutoencoder: noise_std must be non-negative, got {noise_std}")
        self.base = base
        self.noise_std = float(noise_std)
        self.generator = generator

    def corrupt(self, x):
        """``x`` plus Gaussian noise (a constant: no gradient flows into the noise)."""
        xp = get_array_module(x.array)
        if self.generator is not None:
            noise = self.generator.standard_normal(x.shape, dtype=np.float32)
            noise = xp.asarray(noise)
        else:
            noise = xp.random.standard_normal(x.shape).astype(np.float32, copy=False)
        return x + Tensor._wrap((noise * self.noise_std).astype(x.dtype, copy=False))

    def encode(self, x):
        return self.base.encode(x)

    def forward(self, x):
        if self.training and self.noise_std > 0:
            x = self.corrupt(x)
        return self.base(x)

    def extra_repr(self) -> str:
        return f"noise_std={self.noise_std}"
