"""Random numbers the torch way: ``engine.manual_seed``, ``engine.Generator`` and ``engine.seed``.

A :class:`Generator` wraps a NumPy PCG64 bit generator; ``rand``/``randn``/``randint``/``randperm``
and the ``*_like`` forms take ``generator=``.  Without one they draw from ``default_generator``,
which is NumPy's global generator, so that everything else drawing from it (dropout masks,
``nn.init``) is seeded by the same ``engine.manual_seed(s)`` (or ``np.random.seed``).  The same seed
gives the same numbers in Kiln (not the numbers torch would give: the algorithms differ).  Numbers
are drawn on the host and moved to the requested device.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator", "get_rng_state", "set_rng_state"]


class Generator:
    """torch.Generator: ``manual_seed``, ``seed``, ``initial_seed``, ``get_state``/``set_state``."""

    def __init__(self, device="cpu"):
        self.device = device
        self._initial = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.Generator(np.random.PCG64(self._initial))

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed += 2**64
        if not 0 <= seed < 2**64:
            raise RuntimeError(f"manual_seed: seed must be in [-2**63, 2**64), got {seed}")
        self._initial = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy % (2**63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial

    def get_state(self):
        """The generator's state as a uint8 tensor (pass it to ``set_state``)."""
        from .tensor import Tensor

        st = self._rng.bit_generator.state
        words = [st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"], self._initial]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return Tensor._wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        arr = np.asarray(new_state.numpy() if hasattr(new_state, "numpy") else new_state, dtype=np.uint8)
        if arr.shape != (80,):
            raise RuntimeError(f"set_state: expected a state of 80 bytes from get_state(), got shape {arr.shape}")
        b = arr.tobytes()
        words = [int.from_bytes(b[i:i + 16], "little") for i in range(0, 80, 16)]
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64", "state": {"state": words[0], "inc": words[1]},
                    "has_uint32": words[2], "uinteger": words[3]}
        self._rng = np.random.Generator(bg)
        self._initial = words[4]
        return self

    @property
    def numpy_generator(self) -> np.random.Generator:
        """The NumPy generator that draws the numbers."""
        return self._rng


class _DefaultGenerator(Generator):
    """``engine.default_generator``: NumPy's global generator, which every draw without
    ``generator=`` uses (so ``np.random.seed`` and ``engine.manual_seed`` both make them reproducible)."""

    def __init__(self):
        self.device = "cpu"
        self._initial = 0

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        self._initial = seed
        np.random.seed(seed % (2**32))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2**32))
        self.manual_seed(s)
        return s

    def get_state(self):
        from .tensor import Tensor

        _, keys, pos, has_gauss, gauss = np.random.get_state()
        raw = keys.astype("<u4").tobytes() + np.array([pos, has_gauss], dtype="<i8").tobytes() + \
            np.array([gauss], dtype="<f8").tobytes()
        return Tensor._wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        arr = np.asarray(new_state.numpy() if hasattr(new_state, "numpy") else new_state, dtype=np.uint8)
        if arr.shape != (624 * 4 + 24,):
            raise RuntimeError(f"set_rng_state: expected a state of {624 * 4 + 24} bytes from get_rng_state(), "
                               f"got shape {arr.shape}")
        b = arr.tobytes()
        keys = np.frombuffer(b[:2496], dtype="<u4").astype(np.uint32)
        pos, has_gauss = np.frombuffer(b[2496:2512], dtype="<i8")
        gauss = np.frombuffer(b[2512:], dtype="<f8")[0]
        np.random.set_state(("MT19937", keys, int(pos), int(has_gauss), float(gauss)))
        return self

    @property
    def numpy_generator(self):
        return np.random.mtrand._rand


default_generator = _DefaultGenerator()


def rng_of(generator):
    """What draws the numbers for ``generator``: NumPy's global RandomState for None (or the default
    generator), else the generator's NumPy Generator (a NumPy Generator itself is accepted too)."""
    if generator is None or generator is default_generator:
        return np.random.mtrand._rand
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be an engine.Generator, got {type(generator).__name__}")


def manual_seed(seed) -> Generator:
    """Seed the default generator (NumPy's global one); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)
