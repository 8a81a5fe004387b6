"""Recurrent layers: ``RNN`` (tanh or relu), ``LSTM`` and ``GRU``, with PyTorch's parameters and equations.

Parameters, per layer ``k`` (and ``..._reverse`` for the second direction when ``bidirectional``),
exactly as ``torch.nn``: ``weight_ih_l{k}`` (G*H, I_k), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (G*H,), with G = 1 (RNN), 4 (LSTM, gate order i, f, g, o) or 3 (GRU, order r, z, n);
``I_0 = input_size``, deeper layers take ``D*H``.  All are initialised from U(-1/sqrt(H), 1/sqrt(H)).
The equations, per time step::

    RNN   h' = act(W_ih x + b_ih + W_hh h + b_hh)                      act = tanh or relu
    LSTM  i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c')
    GRU   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr);  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
          n = tanh(W_in x + b_in + r * (W_hn h + b_hn));  h' = (1 - z) * n + z * h

``forward(input, hx=None)`` takes ``input`` as (N, T, I) with ``batch_first=True`` (the default of
DESIGN.md, unlike PyTorch) or (T, N, I), or unbatched (T, I); ``hx`` is (L*D, N, H) — a pair ``(h0,
c0)`` for the LSTM — and defaults to zeros.  It returns ``(output, h_n)`` (``(output, (h_n, c_n))``
for the LSTM): ``output`` holds the last layer's hidden state at every step, (N, T, D*H), and ``h_n``
the final state of every layer and direction, (L*D, N, H).  ``dropout`` applies between layers in
training mode only.

Backpropagation through time is ordinary reverse mode over engine ops.  The input projection of a
whole layer is one matmul over all T steps (with both biases folded in where the equations allow),
its per-step slices come from one ``split`` and the outputs are joined by one ``stack``, so the graph
per step is only the recurrent matmul and the gate arithmetic, and backward costs O(T) memory.
"""
from __future__ import annotations

import math

import numpy as np

import engine
from engine import Tensor

from .module import Module, Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (parameters, shapes, the loop over layers)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=True,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__()
        if int(input_size) <= 0 or int(hidden_size) <= 0 or int(num_layers) <= 0:
            raise ValueError(
                f"{self._name(mode)}: input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size}, {num_layers}"
            )
        if not 0 <= float(dropout) < 1:
            raise ValueError(f"{self._name(mode)}: dropout must lie in [0, 1), got {dropout}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        dtype = np.dtype(dtype) if dtype is not None else np.float32
        gh = _GATES[mode] * self.hidden_size
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else self.hidden_size * self.num_directions
            for suffix in self._suffixes(layer):
                self.register_parameter("weight_ih" + suffix, Parameter(np.empty((gh, in_size), dtype)))
                self.register_parameter("weight_hh" + suffix, Parameter(np.empty((gh, self.hidden_size), dtype)))
                if self.bias:
                    self.register_parameter("bias_ih" + suffix, Parameter(np.empty((gh,), dtype)))
                    self.register_parameter("bias_hh" + suffix, Parameter(np.empty((gh,), dtype)))
        self.reset_parameters()

    @staticmethod
    def _name(mode) -> str:
        return "RNN" if mode.startswith("RNN") else mode

    def _suffixes(self, layer):
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.bidirectional else [])

    def reset_parameters(self, generator=None) -> None:
        """PyTorch's default: every parameter from U(-1/sqrt(H), 1/sqrt(H)), drawn from ``generator``
        (a ``numpy.random.Generator``) or NumPy's global one."""
        k = 1.0 / math.sqrt(self.hidden_size)
        rng = generator if generator is not None else np.random
        for p in self.parameters():
            values = rng.uniform(-k, k, p.shape).astype(p.dtype)
            p.data[...] = engine.backend.to_device(values, p.device)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if not self.batch_first:
            s += ", batch_first=False"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # ---- checking and shaping -----------------------------------------------------------------
    def _check_input(self, x):
        name = self._name(self.mode)
        if not isinstance(x, Tensor):
            x = engine.as_tensor(x)
        if x.ndim not in (2, 3):
            raise ValueError(
                f"{name}: expected input of 3 dimensions ({'N, T' if self.batch_first else 'T, N'}, input_size) "
                f"or 2 (T, input_size), got shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input has {x.shape[-1]} features (shape {x.shape}), expected input_size={self.input_size}")
        if x.shape[-2 if x.ndim == 2 else (1 if self.batch_first else 0)] == 0:
            raise ValueError(f"{name}: input sequence of shape {x.shape} has no time steps")
        return x

    def _initial(self, hx, batch: int, unbatched: bool, like):
        """A list over layers*directions of (N, H) states from ``hx`` (or zeros)."""
        name = self._name(self.mode)
        ld, h = self.num_layers * self.num_directions, self.hidden_size
        if hx is None:
            z = Tensor._wrap(engine.get_array_module(like.data).zeros((batch, h), dtype=like.dtype))
            return [z] * ld
        hx = engine.as_tensor(hx)
        want = (ld, h) if unbatched else (ld, batch, h)
        if tuple(hx.shape) != want:
            raise ValueError(f"{name}: initial state has shape {hx.shape}, expected {want} (layers*directions, "
                             f"{'' if unbatched else 'N, '}hidden_size)")
        if unbatched:
            hx = hx.reshape(ld, 1, h)
        parts = hx.split(1, 0) if ld > 1 else (hx,)
        return [p.reshape(batch, h) for p in parts]

    # ---- the recurrence -----------------------------------------------------------------------
    def forward(self, input, hx=None):
        x = self._check_input(input)
        unbatched = x.ndim == 2
        if unbatched:
            x = x.reshape(x.shape[0], 1, x.shape[1])  # (T, 1, I)
        elif self.batch_first:
            x = x.swapaxes(0, 1)  # time-major inside: (T, N, I)
        batch = x.shape[1]
        is_lstm = self.mode == "LSTM"
        if is_lstm:
            if hx is None:
                h0 = c0 = None
            elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: the initial state must be a pair (h0, c0)")
            else:
                h0, c0 = hx
            hs = self._initial(h0, batch, unbatched, x)
            cs = self._initial(c0, batch, unbatched, x)
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{self._name(self.mode)}: the initial state must be one tensor, not a {type(hx).__name__}")
            hs = self._initial(hx, batch, unbatched, x)
            cs = [None] * len(hs)

        h_n, c_n = [], []
        layer_in = x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout and self.training:
                keep = 1.0 - self.dropout
                mask = (np.random.random_sample(layer_in.shape) < keep).astype(layer_in.dtype) / keep
                layer_in = layer_in * engine.backend.to_device(mask, layer_in.device)
            outs = []
            for d, suffix in enumerate(self._suffixes(layer)):
                k = layer * self.num_directions + d
                out, h, c = self._run(layer_in, suffix, hs[k], cs[k], reverse=d == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_in = outs[0] if len(outs) == 1 else engine.concatenate(outs, axis=2)

        output = layer_in  # (T, N, D*H)
        h_n = engine.stack(h_n, axis=0)
        if is_lstm:
            c_n = engine.stack(c_n, axis=0)
        if unbatched:
            output = output.reshape(output.shape[0], output.shape[2])
            h_n = h_n.reshape(h_n.shape[0], h_n.shape[2])
            if is_lstm:
                c_n = c_n.reshape(c_n.shape[0], c_n.shape[2])
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    def _run(self, x, suffix, h, c, reverse):
        """One layer, one direction over time-major ``x`` (T, N, I): returns (outputs (T, N, H), h_T, c_T)."""
        T, N, I = x.shape
        w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
        b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
        b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
        mode, H = self.mode, self.hidden_size
        # the input projection of all steps at once; b_hh joins it except for GRU (b_hn sits inside r * (...))
        xw = x.reshape(T * N, I) @ w_ih.T
        if b_ih is not None:
            xw = xw + (b_ih if mode == "GRU" else b_ih + b_hh)
        steps = xw.reshape(T, N, -1).split(1, 0) if T > 1 else (xw.reshape(1, N, -1),)
        w_hh_t = w_hh.T
        outs = [None] * T
        order = range(T - 1, -1, -1) if reverse else range(T)
        for t in order:
            xt = steps[t].reshape(N, -1)
            hw = h @ w_hh_t
            if mode == "GRU":
                if b_hh is not None:
                    hw = hw + b_hh
                xr, xz, xn = xt.chunk(3, 1)
                hr, hz, hn = hw.chunk(3, 1)
                r = (xr + hr).sigmoid()
                z = (xz + hz).sigmoid()
                n = (xn + r * hn).tanh()
                h = n + z * (h - n)  # = (1 - z) * n + z * h
            elif mode == "LSTM":
                i, f, g, o = (xt + hw).chunk(4, 1)
                c = f.sigmoid() * c + i.sigmoid() * g.tanh()
                h = o.sigmoid() * c.tanh()
            else:
                pre = xt + hw
                h = pre.tanh() if mode == "RNN_TANH" else pre.relu()
            outs[t] = h
        return engine.stack(outs, axis=0), h, c


class RNN(RNNBase):
    """Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity="relu"`` for ReLU)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=True, dropout=0.0, bidirectional=False, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; gates in PyTorch's order i, f, g, o; state ``(h, c)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=True, dropout=0.0,
                 bidirectional=False, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)


class GRU(RNNBase):
    """Gated recurrent unit; gates in PyTorch's order r, z, n, with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=True, dropout=0.0,
                 bidirectional=False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)
