"""Loss modules over the functional losses torch has beyond DESIGN.md's list: ``HuberLoss``,
``KLDivLoss``, ``MarginRankingLoss``, ``HingeEmbeddingLoss``, ``CosineEmbeddingLoss``,
``TripletMarginLoss``, ``PoissonNLLLoss``, ``GaussianNLLLoss``, ``MultiLabelSoftMarginLoss``.

Each has torch's constructor and calls ``nn.functional.<name>`` at forward time with torch's keyword
names (NotImplementedError naming the function where the functional namespace lacks it).
``reduction`` is checked at construction, as for the other losses.
"""
from __future__ import annotations

from .activation_torch import functional_op
from .losses import _buffer, _Loss

__all__ = ["HuberLoss", "KLDivLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
           "TripletMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MultiLabelSoftMarginLoss"]


class HuberLoss(_Loss):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return functional_op("huber_loss", "HuberLoss")(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    def __init__(self, reduction="mean", log_target=False):
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
        super().__init__("mean")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):
        return functional_op("kl_div", "KLDivLoss")(input, target, reduction=self.reduction, log_target=self.log_target)


class _MarginLoss(_Loss):
    """A loss whose one option is ``margin``: ``forward`` hands its inputs to ``nn.functional.<_function>``."""

    _function = None  # the functional's name, set by each subclass

    def __init__(self, margin=0.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def _apply(self, *inputs):
        return functional_op(self._function, type(self).__name__)(*inputs, margin=self.margin,
                                                                  reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    _function = "margin_ranking_loss"

    def forward(self, input1, input2, target):
        return self._apply(input1, input2, target)


class HingeEmbeddingLoss(_MarginLoss):
    _function = "hinge_embedding_loss"

    def __init__(self, margin=1.0, reduction="mean"):  # torch's default margin here is 1
        super().__init__(margin, reduction)

    def forward(self, input, target):
        return self._apply(input, target)


class CosineEmbeddingLoss(_MarginLoss):
    _function = "cosine_embedding_loss"

    def forward(self, input1, input2, target):
        return self._apply(input1, input2, target)


class TripletMarginLoss(_Loss):
    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return functional_op("triplet_margin_loss", "TripletMarginLoss")(
            anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps, swap=self.swap,
            reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    def __init__(self, log_input=True, full=False, eps=1e-8, reduction="mean"):
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return functional_op("poisson_nll_loss", "PoissonNLLLoss")(
            log_input, target, log_input=self.log_input, full=self.full, eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    def __init__(self, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return functional_op("gaussian_nll_loss", "GaussianNLLLoss")(input, target, var, full=self.full, eps=self.eps,
                                                                     reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input, target):
        return functional_op("multilabel_soft_margin_loss", "MultiLabelSoftMarginLoss")(
            input, target, weight=self.weight, reduction=self.reduction)
