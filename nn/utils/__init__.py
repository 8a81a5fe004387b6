"""``nn.utils``, as ``torch.nn.utils``: gradient clipping (``clip_grad_norm_``/``clip_grad_value_``, the
same functions as ``optim.clip_grad_norm_``/``optim.clip_grad_value_``), ``parameters_to_vector`` /
``vector_to_parameters``, and the packed-sequence helpers in ``nn.utils.rnn``."""
from __future__ import annotations

from optim.clip import clip_grad_norm_, clip_grad_value_

from . import rnn
from .vector import parameters_to_vector, vector_to_parameters

clip_grad_norm = clip_grad_norm_  # torch's deprecated spelling

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
           "rnn"]
