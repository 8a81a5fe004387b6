"""torch's memory formats: ``engine.preserve_format``, ``contiguous_format``, ``channels_last`` and
``channels_last_3d``, so that ``x.clone(memory_format=torch.preserve_format)`` and
``x.contiguous(memory_format=torch.channels_last)`` run after renaming imports.

Kiln keeps one memory layout (C-contiguous arrays, NCHW for images), so a memory format never changes a value
or a shape, only the strides torch would pick; every op that takes ``memory_format`` accepts these objects and
returns Kiln's layout (said here, as torch documents the argument as a layout hint)."""
from __future__ import annotations

__all__ = ["memory_format", "preserve_format", "contiguous_format", "channels_last", "channels_last_3d"]


class memory_format:  # noqa: N801  (torch's class name)
    """One of torch's memory formats (compared by identity, printed as torch prints them)."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"engine.{self._name}"


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def check(op: str, fmt) -> None:
    """A TypeError naming ``op`` unless ``fmt`` is None or one of the formats above."""
    if fmt is not None and not isinstance(fmt, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be torch.memory_format, not {type(fmt).__name__}")
