"""Recurrent cells: ``RNNCell``, ``LSTMCell`` and ``GRUCell`` (one time step), with torch's parameters
and equations, and ``cell_step``, the step arithmetic shared with the sequence layers of ``nn.rnn``.

Parameters exactly as ``torch.nn``: ``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H), ``bias_ih`` and
``bias_hh`` (G*H,), G = 1 (RNN), 4 (LSTM, gates i, f, g, o) or 3 (GRU, gates r, z, n), all drawn from
U(-1/sqrt(H), 1/sqrt(H)).  ``forward(input, hx=None)``: ``input`` (N, I) or unbatched (I,); ``hx``
(N, H) — a pair ``(h, c)`` for the LSTM cell — zeros when omitted; returns the next state.
"""
from __future__ import annotations

import math

import numpy as np

import engine
from engine import Tensor

from ._axes import chunk
from .module import Module, Parameter
from .parameter import optional_parameters

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "cell_step", "GATES"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def cell_step(mode, gi, gh, h, c=None):
    """One step of the equations from the two pre-activations.

    ``gi = W_ih x + b_ih`` and ``gh = W_hh h + b_hh`` (N, G*H); for RNN and LSTM only their sum matters
    (so callers may fold both biases into ``gi``); GRU needs them apart (``n`` uses ``r * gh_n``).
    Returns ``(h', c')`` (``c'`` None except for the LSTM)::

        RNN   h' = act(gi + gh)
        LSTM  i, f, g, o = gi + gh;  c' = s(f) c + s(i) tanh(g);  h' = s(o) tanh(c')
        GRU   r = s(gi_r + gh_r);  z = s(gi_z + gh_z);  n = tanh(gi_n + r gh_n);  h' = (1 - z) n + z h
    """
    if mode == "LSTM":
        i, f, g, o = chunk(gi + gh, 4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c
    if mode == "GRU":
        xr, xz, xn = chunk(gi, 3, 1)
        hr, hz, hn = chunk(gh, 3, 1)
        r = (xr + hr).sigmoid()
        z = (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return n + z * (h - n), None  # = (1 - z) * n + z * h
    pre = gi + gh
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


def uniform_init_(module, hidden_size, generator=None) -> None:
    """torch's recurrent default: every parameter of ``module`` from U(-1/sqrt(H), 1/sqrt(H)), drawn from
    ``generator`` (a ``numpy.random.Generator``) or NumPy's global one."""
    k = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    rng = generator if generator is not None else np.random
    for p in module.parameters():
        values = rng.uniform(-k, k, p.shape).astype(p.dtype)
        p.array[...] = engine.backend.to_device(values, p.device)


class RNNCellBase(Module):
    """Parameters, checks and the zero default state shared by the three cells."""

    mode = "RNN_TANH"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, mode=None):
        super().__init__()
        self.mode = mode or type(self).mode
        name = type(self).__name__
        if int(input_size) <= 0 or int(hidden_size) <= 0:
            raise ValueError(f"{name}: input_size and hidden_size must be positive, got {input_size} and {hidden_size}")
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bool(bias)
        gh = GATES[self.mode] * self.hidden_size
        self.weight_ih = Parameter(engine.zeros(gh, self.input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(engine.zeros(gh, self.hidden_size, dtype=dtype, device=device))
        optional_parameters(self, bias, (gh,), device, dtype, bias_ih=0.0, bias_hh=0.0)
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        uniform_init_(self, self.hidden_size, generator)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def _prepare(self, input, hx):
        """(batched input (N, I), list of batched states, unbatched?) with every shape checked."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            input = engine.as_tensor(input)
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},), "
                             f"got {input.shape}")
        unbatched = input.ndim == 1
        x = input.reshape(1, self.input_size) if unbatched else input
        n = x.shape[0]
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            z = Tensor._wrap(engine.get_array_module(x.array).zeros((n, self.hidden_size), dtype=x.dtype))
            return x, [z] * count, unbatched
        states = list(hx) if count == 2 else [hx]
        if count == 2 and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{name}: the state must be a pair (h, c)")
        if count == 1 and isinstance(hx, (tuple, list)):
            raise TypeError(f"{name}: the state must be one tensor, not a {type(hx).__name__}")
        want = (self.hidden_size,) if unbatched else (n, self.hidden_size)
        out = []
        for s in states:
            s = engine.as_tensor(s)
            if tuple(s.shape) != want:
                raise ValueError(f"{name}: state of shape {s.shape} does not match input {input.shape}: expected {want}")
            out.append(s.reshape(1, self.hidden_size) if unbatched else s)
        return x, out, unbatched

    def forward(self, input, hx=None):
        x, states, unbatched = self._prepare(input, hx)
        gi = x @ self.weight_ih.T
        gh = states[0] @ self.weight_hh.T
        if self.bias:
            gi = gi + self.bias_ih
            gh = gh + self.bias_hh
        h, c = cell_step(self.mode, gi, gh, states[0], states[1] if len(states) > 1 else None)
        if unbatched:
            h = h.reshape(self.hidden_size)
            c = c.reshape(self.hidden_size) if c is not None else None
        return (h, c) if self.mode == "LSTM" else h


class RNNCell(RNNCellBase):
    """``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity="relu"`` for ReLU)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype, "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step; gates i, f, g, o; returns ``(h', c')``."""

    mode = "LSTM"


class GRUCell(RNNCellBase):
    """One GRU step; gates r, z, n, with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``."""

    mode = "GRU"
