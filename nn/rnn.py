"""Recurrent layers: ``RNN`` (tanh or relu), ``LSTM`` and ``GRU``, with torch's parameters, defaults and equations.

Parameters, per layer ``k`` (and ``..._reverse`` for the second direction when ``bidirectional``),
exactly as ``torch.nn``: ``weight_ih_l{k}`` (G*H, I_k), ``weight_hh_l{k}`` (G*H, H_out), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (G*H,), with G = 1 (RNN), 4 (LSTM, gate order i, f, g, o) or 3 (GRU, order r, z, n);
with the LSTM's ``proj_size > 0`` also ``weight_hr_l{k}`` (proj_size, H) and H_out = proj_size (else
H_out = H).  ``I_0 = input_size``, deeper layers take ``D*H_out``.  All are initialised from
U(-1/sqrt(H), 1/sqrt(H)).  The step equations are ``nn.rnn_cells.cell_step``; with ``proj_size`` the
LSTM's hidden state is ``h' = W_hr (sigmoid(o) * tanh(c'))``.

``forward(input, hx=None)`` takes ``input`` as (T, N, I) (torch's default, ``batch_first=False``) or
(N, T, I) with ``batch_first=True``, unbatched (T, I), or a ``PackedSequence`` (``nn.utils.rnn``);
``hx`` is (L*D, N, H_out) — a pair ``(h0, c0)`` for the LSTM, ``c0`` (L*D, N, H) — and defaults to
zeros.  It returns ``(output, h_n)`` (``(output, (h_n, c_n))`` for the LSTM): ``output`` holds the last
layer's hidden state at every step, (T, N, D*H_out) (packed again for packed input), and ``h_n`` the
final state of every layer and direction, (L*D, N, H_out) — for packed input, each sequence's state at
its own last step.  ``dropout`` applies between layers in training mode only.  ``flatten_parameters()``
exists for torch programs and does nothing: there is no cuDNN weight buffer to compact here.

Backpropagation through time is ordinary reverse mode over engine ops.  The input projection of a
whole layer is one matmul over all T steps (with both biases folded in where the equations allow),
its per-step slices come from one split and the outputs are joined by one stack, so the graph per
step is only the recurrent matmul and the gate arithmetic, and backward costs O(T) memory.  Packed
sequences run padded, with each step's state frozen (and its output zero) past a sequence's end.
"""
from __future__ import annotations

import numpy as np

import engine
from engine import Tensor

from ._axes import chunk
from .module import Module, Parameter
from .rnn_cells import GATES, cell_step, uniform_init_
from .utils.rnn import PackedSequence, packed_positions, padded_from_packed

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (parameters, shapes, the loop over layers)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = self._name(mode)
        if int(input_size) <= 0 or int(hidden_size) <= 0 or int(num_layers) <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size}, {num_layers}"
            )
        if not 0 <= float(dropout) <= 1:
            raise ValueError(f"{name}: dropout must lie in [0, 1], got {dropout}")
        if int(proj_size) < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable projections, got {proj_size}")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size and proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size {proj_size} has to be smaller than hidden_size {hidden_size}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional, self.proj_size = bool(bidirectional), int(proj_size)
        self.num_directions = 2 if bidirectional else 1
        out_size = self.proj_size or self.hidden_size
        gh = GATES[mode] * self.hidden_size

        def empty(*shape):
            return Parameter(engine.zeros(*shape, dtype=dtype, device=device))

        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else out_size * self.num_directions
            for suffix in self._suffixes(layer):
                self.register_parameter("weight_ih" + suffix, empty(gh, in_size))
                self.register_parameter("weight_hh" + suffix, empty(gh, out_size))
                if self.bias:
                    self.register_parameter("bias_ih" + suffix, empty(gh))
                    self.register_parameter("bias_hh" + suffix, empty(gh))
                if self.proj_size:
                    self.register_parameter("weight_hr" + suffix, empty(self.proj_size, self.hidden_size))
        self.reset_parameters()

    @staticmethod
    def _name(mode) -> str:
        return "RNN" if mode.startswith("RNN") else mode

    def _suffixes(self, layer):
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.bidirectional else [])

    def reset_parameters(self, generator=None) -> None:
        """torch's default: every parameter from U(-1/sqrt(H), 1/sqrt(H)), drawn from ``generator``
        (a ``numpy.random.Generator``) or NumPy's global one."""
        uniform_init_(self, self.hidden_size, generator)

    def flatten_parameters(self) -> None:
        """A no-op kept for torch programs: torch compacts cuDNN's weight buffer here; Kiln has none."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
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

    def _initial(self, hx, batch: int, unbatched: bool, like, size: int, order=None):
        """A list over layers*directions of (N, size) states from ``hx`` (or zeros); ``order`` reorders
        the batch (packed input sorted by length)."""
        name = self._name(self.mode)
        ld = self.num_layers * self.num_directions
        if hx is None:
            z = Tensor._wrap(engine.get_array_module(like.array).zeros((batch, size), dtype=like.dtype))
            return [z] * ld
        hx = engine.as_tensor(hx)
        want = (ld, size) if unbatched else (ld, batch, size)
        if tuple(hx.shape) != want:
            raise ValueError(f"{name}: initial state has shape {hx.shape}, expected {want} (layers*directions, "
                             f"{'' if unbatched else 'N, '}hidden size)")
        if unbatched:
            hx = hx.reshape(ld, 1, size)
        if order is not None:
            hx = hx[:, order]
        return [p.reshape(batch, size) for p in chunk(hx, ld, 0)]

    # ---- the recurrence -----------------------------------------------------------------------
    def forward(self, input, hx=None):
        name = self._name(self.mode)
        packed = isinstance(input, PackedSequence)
        steps_alive = order = None
        if packed:
            data, batch_sizes, sorted_idx, unsorted_idx = input
            if data.ndim != 2 or data.shape[-1] != self.input_size:
                raise ValueError(f"{name}: packed data of shape {data.shape} does not have input_size={self.input_size}")
            bs = np.asarray(batch_sizes.numpy(), dtype=np.int64)
            x = padded_from_packed(data, bs)  # (T, B, I), batch sorted by length
            steps_alive = np.arange(x.shape[1])[None, :] < bs[:, None]  # (T, B)
            order = None if sorted_idx is None else sorted_idx.numpy()
            unbatched = False
        else:
            x = self._check_input(input)
            unbatched = x.ndim == 2
            if unbatched:
                x = x.reshape(x.shape[0], 1, x.shape[1])  # (T, 1, I)
            elif self.batch_first:
                x = x.swapaxes(0, 1)  # time-major inside: (T, N, I)
        batch = x.shape[1]
        out_size = self.proj_size or self.hidden_size
        is_lstm = self.mode == "LSTM"
        if is_lstm:
            if hx is None:
                h0 = c0 = None
            elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: the initial state must be a pair (h0, c0)")
            else:
                h0, c0 = hx
            hs = self._initial(h0, batch, unbatched, x, out_size, order)
            cs = self._initial(c0, batch, unbatched, x, self.hidden_size, order)
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{name}: the initial state must be one tensor, not a {type(hx).__name__}")
            hs = self._initial(hx, batch, unbatched, x, out_size, order)
            cs = [None] * len(hs)

        h_n, c_n = [], []
        layer_in = x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout and self.training:
                keep = 1.0 - self.dropout
                mask = (np.random.random_sample(layer_in.shape) < keep).astype(layer_in.dtype) / keep if keep else \
                    np.zeros(layer_in.shape, layer_in.dtype)
                layer_in = layer_in * engine.backend.to_device(mask, layer_in.device)
            outs = []
            for d, suffix in enumerate(self._suffixes(layer)):
                k = layer * self.num_directions + d
                out, h, c = self._run(layer_in, suffix, hs[k], cs[k], d == 1, steps_alive)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_in = outs[0] if len(outs) == 1 else engine.concatenate(outs, axis=2)

        output = layer_in  # (T, N, D*H_out)
        h_n = engine.stack(h_n, axis=0)
        c_n = engine.stack(c_n, axis=0) if is_lstm else None
        if packed:
            t_idx, b_idx = packed_positions(bs)
            output = PackedSequence(output[t_idx, b_idx], batch_sizes, sorted_idx, unsorted_idx)
            if unsorted_idx is not None:
                back = unsorted_idx.numpy()
                h_n = h_n[:, back]
                c_n = c_n[:, back] if is_lstm else None
        elif unbatched:
            output = output.reshape(output.shape[0], output.shape[2])
            h_n = h_n.reshape(h_n.shape[0], h_n.shape[2])
            if is_lstm:
                c_n = c_n.reshape(c_n.shape[0], c_n.shape[2])
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    def _run(self, x, suffix, h, c, reverse, steps_alive=None):
        """One layer, one direction over time-major ``x`` (T, N, I): returns (outputs (T, N, H_out), h_T, c_T).

        ``steps_alive`` (T, N) bool, for packed input: where False the state is carried unchanged and
        the output is zero, so each sequence ends (or, reversed, starts) at its own length."""
        T, N, I = x.shape
        w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
        b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
        b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
        w_hr = getattr(self, "weight_hr" + suffix) if self.proj_size else None
        mode = self.mode
        # the input projection of all steps at once; b_hh joins it except for GRU (b_hn sits inside r * (...))
        xw = x.reshape(T * N, I) @ w_ih.T
        if b_ih is not None:
            xw = xw + (b_ih if mode == "GRU" else b_ih + b_hh)
        steps = chunk(xw.reshape(T, N, -1), T, 0)
        w_hh_t = w_hh.T
        w_hr_t = w_hr.T if w_hr is not None else None
        outs = [None] * T
        order = range(T - 1, -1, -1) if reverse else range(T)
        for t in order:
            gi = steps[t].reshape(N, -1)
            gh = h @ w_hh_t
            if mode == "GRU" and b_hh is not None:
                gh = gh + b_hh
            h_new, c_new = cell_step(mode, gi, gh, h, c)
            if w_hr_t is not None:
                h_new = h_new @ w_hr_t
            if steps_alive is None or steps_alive[t].all():
                h, c = h_new, c_new
                outs[t] = h
                continue
            alive = engine.get_array_module(h.array).asarray(steps_alive[t][:, None])  # on the state's device
            h = engine.where(alive, h_new, h)
            c = engine.where(alive, c_new, c) if c is not None else None
            outs[t] = engine.where(alive, h_new, 0.0)
        return engine.stack(outs, axis=0), h, c


class RNN(RNNBase):
    """Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity="relu"`` for ReLU)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; gates in torch's order i, f, g, o; state ``(h, c)``; optional ``proj_size``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit; gates in torch's order r, z, n, with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)
