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
_BITS = engine.tensor(np.random.default_rng(6).integers(0, 2, (4, 3)).astype(np.float64))
_CLASS_W = engine.tensor(np.array([0.5, 1.5, 1.0, 2.0]))
_NOT_PAD = engine.tensor((_IDX != 1).astype(np.float64)[:, None])  # the rows padding_idx=1 picks, zeroed
_X_CONST = engine.tensor(np.random.default_rng(7).standard_normal((3, 4)))

LAYER_CASES = [
    OpCase("linear", ("LinearFn", "LinearGrad"), lambda x, w, b: F.linear(x, w, b), [((3, 4), (5, 4), (5,)),
                                                                                    ((2, 3, 4), (5, 4), (5,))]),
    OpCase("linear_nobias", ("LinearFn", "LinearGrad"), lambda x, w: F.linear(x, w), [((2, 3, 4), (5, 4))]),
    OpCase("linear_const_input", ("LinearFn", "LinearGrad"), lambda w, b: F.linear(_X_CONST.to(w.dtype), w, b),
           [((5, 4), (5,))]),
    OpCase("batch_norm_train", ("BatchNormFn",),
           lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [((6, 3), (3,), (3,)),
                                                                             ((4, 2, 3, 3), (2,), (2,))]),
    OpCase("layer_norm", ("LayerNormFn", "LayerNormGrad"), lambda x, w, b: F.layer_norm(x, (4,), w, b),
           [((3, 4), (4,), (4,))]),
    OpCase("layer_norm_2d_no_affine", ("LayerNormFn", "LayerNormGrad"), lambda x: F.layer_norm(x, (3, 4)),
           [((2, 3, 4),)]),
    OpCase("layer_norm_bias_only", ("LayerNormFn", "LayerNormGrad"), lambda x, b: F.layer_norm(x, (4,), None, b),
           [((3, 4), (4,))]),
    OpCase("embedding", ("EmbeddingFn", "EmbeddingGrad"), lambda w: F.embedding(_IDX, w), [((3, 4),)]),
    OpCase("embedding_padding", ("EmbeddingFn", "EmbeddingGrad"), lambda w: (F.embedding(_IDX, w, padding_idx=1) * _NOT_PAD.to(w.dtype)) ** 2,
           [((3, 4),)]),
    OpCase("cross_entropy_soft", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.cross_entropy(x, _PROBS.to(x.dtype)), [((4, 4),)]),
    OpCase("cross_entropy_smoothing", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.cross_entropy(x, _LABELS, label_smoothing=0.1), [((4, 4),)]),
    OpCase("cross_entropy_weighted_none", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.cross_entropy(x, _LABELS, weight=_CLASS_W.to(x.dtype), reduction="none"), [((4, 4),)]),
    OpCase("nll_loss_sum", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.nll_loss(x.log_softmax(1), _LABELS, reduction="sum"), [((4, 4),)]),
    OpCase("bce", ("BinaryCrossEntropyFn",), lambda x: F.binary_cross_entropy(x.sigmoid(), _BITS.to(x.dtype)),
           [((4, 3),)]),
    OpCase("bce_with_logits", ("BCEWithLogitsFn", "BCEWithLogitsGrad"),
           lambda x: F.binary_cross_entropy_with_logits(x, _BITS.to(x.dtype)), [((4, 3),)]),
    OpCase("bce_with_logits_weights_none", ("BCEWithLogitsFn", "BCEWithLogitsGrad"),
           lambda x: F.binary_cross_entropy_with_logits(x, _BITS.to(x.dtype), weight=_CLASS_W[:3].to(x.dtype),
                                                        pos_weight=_CLASS_W[1:].to(x.dtype), reduction="none"),
           [((4, 3),)]),
]
