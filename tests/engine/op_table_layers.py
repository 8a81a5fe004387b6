"""Op-table cases for the fused layer and loss Functions of engine/ops/layers.py and engine/ops/loss.py
(linear, batch norm, layer norm, embedding, soft-target cross-entropy, BCE, BCE with logits), reached
through nn.functional as users call them, each with torch.nn.functional's twin as the reference.  Each gets
gradcheck and gradgradcheck from test_op_table.py;
targets are constants (only the inputs and parameters are differentiated)."""
import numpy as np

import engine
import nn.functional as F

from .op_table import OpCase, torch_module

_IDX = np.array([0, 2, 1, 2, 0])
_LABELS = np.array([1, 0, 3, 2])
_PROBS = engine.tensor(np.random.default_rng(5).dirichlet(np.ones(4), size=4))
_RUN_MEAN = engine.tensor(np.array([0.3, -0.2, 0.1]))
_RUN_VAR = engine.tensor(np.array([0.5, 1.5, 2.0]))
_BITS = engine.tensor(np.random.default_rng(6).integers(0, 2, (4, 3)).astype(np.float64))
_CLASS_W = engine.tensor(np.array([0.5, 1.5, 1.0, 2.0]))
_NOT_PAD = engine.tensor((_IDX != 1).astype(np.float64)[:, None])  # the rows padding_idx=1 picks, zeroed
_X_CONST = engine.tensor(np.random.default_rng(7).standard_normal((3, 4)))


def _T():
    return torch_module()


def _F():
    return torch_module().nn.functional


def _torch_like(t, x):
    """Kiln constant ``t`` as a torch tensor of ``x``'s dtype (the torch reference's targets)."""
    return _T().tensor(t.numpy(), dtype=x.dtype)


LAYER_CASES = [
    OpCase("linear", ("LinearFn", "LinearGrad"), lambda x, w, b: F.linear(x, w, b), [((3, 4), (5, 4), (5,)),
                                                                                    ((2, 3, 4), (5, 4), (5,))],
           torch=lambda x, w, b: _F().linear(x, w, b)),
    OpCase("linear_nobias", ("LinearFn", "LinearGrad"), lambda x, w: F.linear(x, w), [((2, 3, 4), (5, 4))],
           torch=lambda x, w: _F().linear(x, w)),
    OpCase("linear_const_input", ("LinearFn", "LinearGrad"), lambda w, b: F.linear(_X_CONST.to(w.device, w.dtype), w, b),
           [((5, 4), (5,))], torch=lambda w, b: _F().linear(_torch_like(_X_CONST, w), w, b)),
    OpCase("batch_norm_train", ("BatchNormFn",),
           lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [((6, 3), (3,), (3,)),
                                                                             ((4, 2, 3, 3), (2,), (2,))],
           torch=lambda x, w, b: _F().batch_norm(x, None, None, w, b, training=True)),
    OpCase("batch_norm_train_grad", ("BatchNormFn", "BatchNormGrad"),
           lambda x: F.batch_norm(x, None, None, training=True), [((3, 2, 2, 3),), ((5, 4),)],
           torch=lambda x: _F().batch_norm(x, None, None, training=True)),
    OpCase("batch_norm_eval", ("BatchNormFn", "BatchNormGrad"),
           lambda x, w, b: F.batch_norm(x, _RUN_MEAN.to(x.device, x.dtype), _RUN_VAR.to(x.device, x.dtype), w, b,
                                        training=False),
           [((4, 3, 2), (3,), (3,))],
           torch=lambda x, w, b: _F().batch_norm(x, _torch_like(_RUN_MEAN, x), _torch_like(_RUN_VAR, x), w, b,
                                                 training=False)),
    OpCase("layer_norm", ("LayerNormFn", "LayerNormGrad"), lambda x, w, b: F.layer_norm(x, (4,), w, b),
           [((3, 4), (4,), (4,))], torch=lambda x, w, b: _F().layer_norm(x, (4,), w, b)),
    OpCase("layer_norm_2d_no_affine", ("LayerNormFn", "LayerNormGrad"), lambda x: F.layer_norm(x, (3, 4)),
           [((2, 3, 4),)], torch=lambda x: _F().layer_norm(x, (3, 4))),
    OpCase("layer_norm_bias_only", ("LayerNormFn", "LayerNormGrad"), lambda x, b: F.layer_norm(x, (4,), None, b),
           [((3, 4), (4,))], torch=lambda x, b: _F().layer_norm(x, (4,), None, b)),
    OpCase("embedding", ("EmbeddingFn", "EmbeddingGrad"), lambda w: F.embedding(_IDX, w), [((3, 4),)],
           torch=lambda w: _F().embedding(_T().tensor(_IDX), w)),
    OpCase("embedding_padding", ("EmbeddingFn", "EmbeddingGrad"),
           lambda w: (F.embedding(_IDX, w, padding_idx=1) * _NOT_PAD.to(w.device, w.dtype)) ** 2, [((3, 4),)],
           torch=lambda w: (_F().embedding(_T().tensor(_IDX), w, padding_idx=1) * _torch_like(_NOT_PAD, w)) ** 2),
    OpCase("cross_entropy_soft", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.cross_entropy(x, _PROBS.to(x.device, x.dtype)), [((4, 4),)],
           torch=lambda x: _F().cross_entropy(x, _torch_like(_PROBS, x))),
    OpCase("cross_entropy_smoothing", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.cross_entropy(x, _LABELS, label_smoothing=0.1), [((4, 4),)],
           torch=lambda x: _F().cross_entropy(x, _T().tensor(_LABELS), label_smoothing=0.1)),
    OpCase("cross_entropy_weighted_none", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.cross_entropy(x, _LABELS, weight=_CLASS_W.to(x.device, x.dtype), reduction="none"), [((4, 4),)],
           torch=lambda x: _F().cross_entropy(x, _T().tensor(_LABELS), weight=_torch_like(_CLASS_W, x),
                                              reduction="none")),
    OpCase("nll_loss_sum", ("SoftTargetCEFn", "SoftTargetCEGrad"),
           lambda x: F.nll_loss(x.log_softmax(1), _LABELS, reduction="sum"), [((4, 4),)],
           torch=lambda x: _F().nll_loss(x.log_softmax(1), _T().tensor(_LABELS), reduction="sum")),
    OpCase("bce", ("BinaryCrossEntropyFn",), lambda x: F.binary_cross_entropy(x.sigmoid(), _BITS.to(x.device, x.dtype)),
           [((4, 3),)], torch=lambda x: _F().binary_cross_entropy(x.sigmoid(), _torch_like(_BITS, x))),
    OpCase("bce_with_logits", ("BCEWithLogitsFn", "BCEWithLogitsGrad"),
           lambda x: F.binary_cross_entropy_with_logits(x, _BITS.to(x.device, x.dtype)), [((4, 3),)],
           torch=lambda x: _F().binary_cross_entropy_with_logits(x, _torch_like(_BITS, x))),
    OpCase("bce_with_logits_weights_none", ("BCEWithLogitsFn", "BCEWithLogitsGrad"),
           lambda x: F.binary_cross_entropy_with_logits(x, _BITS.to(x.device, x.dtype),
                                                        weight=_CLASS_W[:3].to(x.device, x.dtype),
                                                        pos_weight=_CLASS_W[1:].to(x.device, x.dtype), reduction="none"),
           [((4, 3),)],
           torch=lambda x: _F().binary_cross_entropy_with_logits(x, _torch_like(_BITS, x),
                                                                 weight=_torch_like(_CLASS_W, x)[:3],
                                                                 pos_weight=_torch_like(_CLASS_W, x)[1:],
                                                                 reduction="none")),
]
