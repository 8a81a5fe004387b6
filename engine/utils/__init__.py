"""``engine.utils``, as ``torch.utils``: ``engine.utils.data`` is ``nn.data`` (Dataset, DataLoader, ...),
resolved on first use (see ``engine/_aliases.py``)."""
from __future__ import annotations


def __getattr__(name):
    if name == "data":
        from .._aliases import resolve

        return resolve("engine.utils.data")
    raise AttributeError(f"module 'engine.utils' has no attribute {name!r}")
