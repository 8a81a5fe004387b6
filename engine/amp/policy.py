"""Which ops autocast lowers and which it keeps in float32: one table per device type, keyed by the
name of the op's ``Function`` class.

The lists follow PyTorch's autocast op lists (``torch.amp`` documentation, "CPU Ops that can autocast
to bfloat16 / float32" and "CUDA Ops that can autocast to float16 / float32"), restricted to the ops
Kiln has:

- ``"lower"``: computed in the autocast dtype (float16 / bfloat16): matrix products, linear layers,
  convolutions, batched products and attention, on both device types.
- ``"fp32"``: computed in float32: the losses on both device types; on CUDA also softmax,
  log_softmax, exp/log/pow, sums and log-sum-exp and layer norm (torch's CUDA list; torch's CPU list
  leaves those in the input's dtype, and so does Kiln, so that torch stays the oracle).
- ``"keep"``: never touched: ``astype`` (an explicit dtype wins, as in torch) and the pure layout ops,
  which move low-dtype arrays as they are;
- ``"input"``: the norms: computed in float32, the (first) output in the dtype of the input ``x``
  (torch's mixed-type batch/layer norm: float32 weights, running statistics kept in float32);
- not listed: runs in the dtype its inputs have (torch's "promote" rule: a mix of a low dtype and
  float32 gives float32).

The losses made of several elementwise ops (mse, l1, smooth_l1) have no single Function to name: their
functions cast low-dtype operands to float32 through ``autocast_mode.float32_operand``.

Adding an op to autocast is one row here, next to its class name; ``tests/engine/test_autocast.py``
checks that every name in these tables is a ``Function`` subclass that exists, so a renamed op cannot
silently drop out of autocast.
"""
from __future__ import annotations

LOWER = "lower"
FP32 = "fp32"
KEEP = "keep"
INPUT = "input"

_INPUT_OPS = ("BatchNormFn", "LayerNormFn")  # float32 affine parameters, output in the input's dtype

_KEEP_OPS = ("AsType", "Reshape", "Transpose", "BroadcastTo", "GetItem", "Split", "ToDevice")

_LOWER_OPS = (
    "MatMul",          # engine.matmul, @
    "LinearFn",        # nn.functional.linear (fused x @ W.T + b)
    "Conv2d",          # engine.conv2d
    "ConvTranspose2d",  # engine.conv_transpose2d
)

_FP32_LOSSES = (
    "SoftmaxCrossEntropy",  # engine.softmax_cross_entropy
    "SoftTargetCEFn",       # nn.functional.cross_entropy / nll_loss
    "BCEWithLogitsFn",      # nn.functional.binary_cross_entropy_with_logits
    "BinaryCrossEntropyFn",  # nn.functional.binary_cross_entropy
)

_CUDA_FP32_EXTRA = (
    "Softmax", "LogSoftmax", "Exp", "Log", "Pow", "Sum", "LogSumExp", "LayerNormFn",
)

#: device type -> {Function class name: "lower" | "fp32" | "input" | "keep"} (later entries win)
POLICY: dict[str, dict[str, str]] = {
    "cpu": {**{n: KEEP for n in _KEEP_OPS}, **{n: INPUT for n in _INPUT_OPS}, **{n: LOWER for n in _LOWER_OPS}, **{n: FP32 for n in _FP32_LOSSES}},
    "cuda": {**{n: KEEP for n in _KEEP_OPS}, **{n: INPUT for n in _INPUT_OPS}, **{n: LOWER for n in _LOWER_OPS},
             **{n: FP32 for n in _FP32_LOSSES + _CUDA_FP32_EXTRA}},
}


def policy_of(function_class, device_type: str):
    """``"lower"``, ``"fp32"``, ``"input"``, ``"keep"`` or None (run in the inputs' dtype) for ``function_class`` on ``device_type``."""
    return POLICY[device_type].get(function_class.__name__)
