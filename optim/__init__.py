"""Kiln's optimisers (SGD, Adagrad, RMSprop, Rprop, Adam, AdamW, Adadelta, Adamax, NAdam, RAdam, ASGD, LBFGS),
learning-rate schedules, gradient clipping, the step-size search of Bottou and early stopping — PyTorch's
``torch.optim`` semantics throughout.

Every optimiser updates ``p.array`` in place, outside the autodiff graph: SGD, Adagrad, RMSprop and the Adam
pair with one fused kernel call per parameter group over flat buffers into which they re-home the parameters
and their state (``optim/fused.py``, ``optim/_flat.py``; Numba on the CPU, Numba CUDA on the GPU), the
others with NumPy/CuPy array operations.  L1/L2 penalties for
the loss live in ``nn.regularization`` (weights only, not biases); an optimiser's ``weight_decay`` is the
L2 penalty folded into the update instead.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .asgd import ASGD
from .distributed import DistributedOptimizer, broadcast_parameters
from .clip import clip_grad_norm_, clip_grad_value_
from .early_stopping import EarlyStopping
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .step_size import StepSizeResult, find_step_size

__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Rprop", "Adam", "AdamW", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
    "LBFGS", "lr_scheduler", "clip_grad_norm_",
    "clip_grad_value_", "find_step_size", "StepSizeResult", "EarlyStopping",
    "DistributedOptimizer", "broadcast_parameters",
]
