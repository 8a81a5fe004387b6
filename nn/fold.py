"""``nn.Unfold`` and ``nn.Fold``, torch's sliding-block layers: modules holding the arguments of
``F.unfold`` / ``F.fold`` (``engine/ops/fold.py``), with torch's argument order and ``extra_repr``."""
from __future__ import annotations

from .functional_extra import fold, unfold
from .module import Module

__all__ = ["Unfold", "Fold"]


class _SlidingBlocks(Module):
    """The window both layers share: kernel_size, dilation, padding, stride."""

    def __init__(self, kernel_size, dilation, padding, stride):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Unfold(_SlidingBlocks):
    """(N, C, H, W) -> (N, C*kh*kw, L): every kernel-sized block as a column."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)

    def forward(self, input):  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(_SlidingBlocks):
    """(N, C*kh*kw, L) -> (N, C, *output_size): the blocks summed back into an image (Unfold's adjoint)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()
