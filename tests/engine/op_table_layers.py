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


def _T():
    return torch_module()


def _F():
    return torch_module().nn.functional


def _torch_like(t, x):
    """Kiln constant ``t`` as a torch tensor of ``x``'s dtype (the torch reference's targets)."""
    return _T().tensor(t.numpy(), dtype=x.dtype)


LAYER_CASES = [
    OpCase("linear", ("LinearFn",), lambda x, w, b: F.linear(x, w, b), [((3, 4), (5, 4), (5,))],
           torch=lambda x, w, b: _F().linear(x, w, b)),
    OpCase("linear_nobias", ("LinearFn",), lambda x, w: F.linear(x, w), [((2, 3, 4), (5, 4))],
           torch=lambda x, w: _F().linear(x, w)),
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
    OpCase("layer_norm", ("LayerNormFn",), lambda x, w, b: F.layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,))],
           torch=lambda x, w, b: _F().layer_norm(x, (4,), w, b)),
    OpCase("embedding", ("EmbeddingFn",), lambda w: F.embedding(_IDX, w), [((3, 4),)],
           torch=lambda w: _F().embedding(_T().tensor(_IDX), w)),
    OpCase("cross_entropy_soft", ("SoftTargetCEFn",), lambda x: F.cross_entropy(x, _PROBS.to(x.device, x.dtype)),
           [((4, 4),)], torch=lambda x: _F().cross_entropy(x, _torch_like(_PROBS, x))),
    OpCase("cross_entropy_smoothing", ("SoftTargetCEFn",),
           lambda x: F.cross_entropy(x, _LABELS, label_smoothing=0.1), [((4, 4),)],
           torch=lambda x: _F().cross_entropy(x, _T().tensor(_LABELS), label_smoothing=0.1)),
    OpCase("bce", ("BinaryCrossEntropyFn",), lambda x: F.binary_cross_entropy(x.sigmoid(), _BITS.to(x.device, x.dtype)),
           [((4, 3),)], torch=lambda x: _F().binary_cross_entropy(x.sigmoid(), _torch_like(_BITS, x))),
    OpCase("bce_with_logits", ("BCEWithLogitsFn",),
           lambda x: F.binary_cross_entropy_with_logits(x, _BITS.to(x.device, x.dtype)), [((4, 3),)],
           torch=lambda x: _F().binary_cross_entropy_with_logits(x, _torch_like(_BITS, x))),
]
