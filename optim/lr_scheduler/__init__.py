"""Learning-rate schedules that set ``group["lr"]`` of an optimiser's param groups, as in
``torch.optim.lr_scheduler``: call ``scheduler.step()`` after ``optimizer.step()`` (once per epoch, or per
batch for the cyclic ones).

- ``base``: ``LRScheduler`` (torch's stepping rules, checked ``state_dict``/``load_state_dict``)
- ``decay``: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, MultiplicativeLR, ConstantLR, LinearLR,
  PolynomialLR, InverseTimeLR (Kiln's 1/t decay)
- ``cyclic``: CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts
- ``composite``: ChainedScheduler, SequentialLR
- ``plateau``: ReduceLROnPlateau
"""
from .base import LRScheduler
from .base import LRScheduler as _LRScheduler  # torch's old name, still used by older programs
from .composite import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .decay import (ConstantLR, CosineAnnealingLR, ExponentialLR, InverseTimeLR, LambdaLR, LinearLR,
                    MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR)
from .plateau import ReduceLROnPlateau

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "MultiplicativeLR",
    "ConstantLR", "LinearLR", "PolynomialLR", "InverseTimeLR", "CyclicLR", "OneCycleLR", "CosineAnnealingWarmRestarts",
    "ChainedScheduler", "SequentialLR", "ReduceLROnPlateau",
]
