"""Op-table cases for the fused layer and loss Functions of engine/ops/layers.py and engine/ops/loss.py
(linear, batch norm, layer norm, embedding, soft-target cross-entropy, BCE, BCE with logits), reached
through nn.functional as users call them.  Each gets gradcheck and gradgradcheck from test_op_table.py;
targets are constants (only the inputs and parameters are differentiated)."""
import numpy as np

import engine
import nn.functional as F

from .op_table import OpCase

_IDX = np.array([0, 2, 1, 2, 0])
_LABELS = np.array([1, 0, 3, 2])
_PROBS = engine.tensor(np.random.default_rng(5).dirichlet(np.ones(4), size=4))
_RUN_MEAN = engine.tensor(np.array([0.3, -0.2, 0.1]))
_RUN_VAR = engine.tensor(np.array([0.5, 1.5, 2.0]))
_BITS = engine.tensor(np.random.default_rng(6).integers(0, 2, (4, 3)).astype(np.float64))

LAYER_CASES = [
    OpCase("linear", ("LinearFn",), lambda x, w, b: F.linear(x, w, b), [((3, 4), (5, 4), (5,))]),
    OpCase("linear_nobias", ("LinearFn",), lambda x, w: F.linear(x, w), [((2, 3, 4), (5, 4))]),
    OpCase("batch_norm_train", ("BatchNormFn",),
           lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [((6, 3), (3,), (3,)),
                                                                             ((4, 2, 3, 3), (2,), (2,))]),
    OpCase("batch_norm_train_grad", ("BatchNormFn", "BatchNormGrad"),
           lambda x: F.batch_norm(x, None, None, training=True), [((3, 2, 2, 3),), ((5, 4),)]),
    OpCase("batch_norm_eval", ("BatchNormFn", "BatchNormGrad"),
           lambda x, w, b: F.batch_norm(x, _RUN_MEAN.to(x.dtype), _RUN_VAR.to(x.dtype), w, b, training=False),
           [((4, 3, 2), (3,), (3,))]),
    OpCase("layer_norm", ("LayerNormFn",), lambda x, w, b: F.layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,))]),
    OpCase("embedding", ("EmbeddingFn",), lambda w: F.embedding(_IDX, w), [((3, 4),)]),
    OpCase("cross_entropy_soft", ("SoftTargetCEFn",), lambda x: F.cross_entropy(x, _PROBS.to(x.dtype)),
           [((4, 4),)]),
    OpCase("cross_entropy_smoothing", ("SoftTargetCEFn",),
           lambda x: F.cross_entropy(x, _LABELS, label_smoothing=0.1), [((4, 4),)]),
    OpCase("bce", ("BinaryCrossEntropyFn",), lambda x: F.binary_cross_entropy(x.sigmoid(), _BITS.to(x.dtype)),
           [((4, 3),)]),
    OpCase("bce_with_logits", ("BCEWithLogitsFn",),
           lambda x: F.binary_cross_entropy_with_logits(x, _BITS.to(x.dtype)), [((4, 3),)]),
]
