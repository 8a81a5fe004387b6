"""Checking a state dict against a module before anything is written (``Module.load_state_dict``).

Every key, dtype kind and shape is checked first and all problems are reported together in one
RuntimeError, so a failed load leaves the module exactly as it was.
"""
from __future__ import annotations

import numpy as np

from engine import Tensor
from engine.backend import is_array


def check_state_dict(targets, state_dict, strict: bool, owner: str):
    """``(plan, missing, unexpected)``: plan pairs each target tensor with the array to copy into it.

    ``targets`` maps dotted names to the module's tensors; raises RuntimeError listing every problem.
    """
    missing = [k for k in targets if k not in state_dict]
    unexpected = [k for k in state_dict if k not in targets]
    errors = []
    plan = []
    for key, target in targets.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        arr = value.array if isinstance(value, Tensor) else value
        if not is_array(arr):
            try:
                arr = np.asarray(arr)
            except Exception:
                arr = None
        if arr is None or arr.dtype.kind not in "biuf":
            kind = type(value).__name__ if arr is None else f"dtype {arr.dtype}"
            errors.append(f"{key}: cannot load a value of {kind} (a numeric array is expected)")
            continue
        if tuple(arr.shape) != tuple(target.shape):
            errors.append(
                f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)}, "
                f"the shape in the current model is {tuple(target.shape)}"
            )
            continue
        plan.append((target, arr))
    if strict:
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if unexpected:
            errors.insert(
                1 if missing else 0,
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".",
            )
    if errors:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {owner} (nothing was changed):\n\t"
            + "\n\t".join(errors)
        )
    return plan, missing, unexpected
