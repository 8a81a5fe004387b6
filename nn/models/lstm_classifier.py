"""``LSTMClassifier``: an LSTM over a sequence followed by a linear head, giving class logits.

Input (N, T, input_size) (batch first); output logits (N, num_classes) for ``nn.CrossEntropyLoss``.
The sequence is summarised by ``pooling``: ``"last"`` (default) takes the final hidden state of the
top layer — for a bidirectional LSTM the forward direction's state after the last step joined with
the reverse direction's state after the first, as usual; ``"mean"`` and ``"max"`` pool the top
layer's outputs over time.  MNIST read row by row (T=28 steps of 28 pixels) is the classic use.

State dict keys follow a PyTorch model of the same shape: ``lstm.weight_ih_l0`` ..., ``fc.weight``
(num_classes, features) and ``fc.bias`` (an ``nn.Linear`` head).
"""
from __future__ import annotations

from engine import concatenate

from ..linear import Linear
from ..module import Module
from ..rnn import LSTM

__all__ = ["LSTMClassifier"]


class LSTMClassifier(Module):
    """LSTM encoder + linear classifier (see the module docstring)."""

    def __init__(self, input_size: int, hidden_size: int, num_classes: int, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, pooling: str = "last"):
        super().__init__()
        if pooling not in ("last", "mean", "max"):
            raise ValueError(f"LSTMClassifier: pooling must be 'last', 'mean' or 'max', got {pooling!r}")
        self.pooling = pooling
        self.lstm = LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True, dropout=dropout,
                         bidirectional=bidirectional)
        self.fc = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def extra_repr(self) -> str:
        return f"pooling={self.pooling!r}"

    def forward(self, x):
        if x.ndim != 3:
            raise ValueError(f"LSTMClassifier: expected a batch (N, T, input_size), got shape {tuple(x.shape)}")
        out, (h_n, _) = self.lstm(x)
        if self.pooling == "mean":
            feats = out.mean(axis=1)
        elif self.pooling == "max":
            feats = out.amax(dim=1)
        elif self.lstm.bidirectional:
            feats = concatenate([h_n[-2], h_n[-1]], axis=1)
        else:
            feats = h_n[-1]
        return self.fc(feats)
