"""Mixed precision, as ``torch.amp``: :class:`autocast` (float16 / bfloat16 regions) and
:class:`GradScaler` (loss scaling that skips steps with inf/nan gradients).

Design: autocast has ONE hook point, the first lines of ``engine.function.Function.apply``: a check of
a module global that stays None (zero cost) unless an autocast region is open in some thread.  Which
op is lowered and which is kept in float32 is one table, :mod:`engine.amp.policy`, keyed by the op's
``Function`` class name, so no op's code knows about autocast and an op still lives in one place
(the one exception: the elementwise losses, made of several Functions, cast their operands to float32
through ``autocast_mode.float32_operand``).
Low precision is emulated (round to the low dtype, compute in float32, round the result): see
:mod:`engine.amp.autocast_mode`.
"""
from .autocast_mode import autocast, get_autocast_dtype, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype"]
