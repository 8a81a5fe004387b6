"""Layer cases: forward + backward of ``nn.MultiheadAttention`` (self-attention, batch first) and of a
sequence of ``nn.LSTMCell`` steps (backpropagation through time), each with ``torch.nn`` on the same shapes
and the same weights as the reference, timed interleaved.

FLOPs count the matmuls only, forward and backward (three times the forward's): for attention the four
projections and the two batched products (scores and weighted values); for the LSTM cell the input and
recurrent projections of every step.  The elementwise gate and softmax arithmetic is left out.
"""
from __future__ import annotations

import numpy as np

from .optional import torch, torch_device
from .work import matmul_flops

__all__ = ["cases"]


def _mha_case(device, batch, length, embed, heads):
    flops = 3 * (4 * matmul_flops(batch * length, embed, embed) + 2 * batch * matmul_flops(length, length, embed))

    def setup():
        import engine
        import nn

        np.random.seed(0)
        m = nn.MultiheadAttention(embed, heads, batch_first=True).to(device)
        x = engine.tensor(np.random.default_rng(0).standard_normal((batch, length, embed), dtype=np.float32),
                          device=device, requires_grad=True)

        def step():
            out, _ = m(x, x, x, need_weights=False)
            out.sum().backward()

        refs = {}
        tdev = torch_device(device) if torch() is not None else None
        if tdev is not None:
            t = torch()
            tm = t.nn.MultiheadAttention(embed, heads, batch_first=True).to(tdev)
            with t.no_grad():
                for name, p in tm.named_parameters():
                    p.copy_(t.tensor(np.asarray(m.state_dict()[name].numpy())))
            tx = t.tensor(x.numpy(), device=tdev, requires_grad=True)

            def tstep():
                out, _ = tm(tx, tx, tx, need_weights=False)
                out.sum().backward()

            refs["torch"] = tstep
        return step, refs

    return {"name": f"mha_fwd_bwd/B{batch}_L{length}_E{embed}_H{heads}", "setup": setup, "flops": flops,
            "group": "nn"}


def _bptt(cell, xs, steps):
    """``steps`` steps of an LSTM cell (Kiln's or torch's) from a zero state, then backward through all of them."""
    h = c = None
    total = 0.0
    for t in range(steps):
        h, c = cell(xs[t], None if h is None else (h, c))
        total = total + h.sum()
    total.backward()


def _lstm_cell_case(device, batch, inputs, hidden, steps):
    flops = 3 * steps * (matmul_flops(batch, 4 * hidden, inputs) + matmul_flops(batch, 4 * hidden, hidden))

    def setup():
        import engine
        import nn

        np.random.seed(0)
        cell = nn.LSTMCell(inputs, hidden).to(device)
        xs = engine.tensor(np.random.default_rng(0).standard_normal((steps, batch, inputs), dtype=np.float32),
                           device=device)

        def step():
            _bptt(cell, xs, steps)

        refs = {}
        tdev = torch_device(device) if torch() is not None else None
        if tdev is not None:
            tt = torch()
            tc = tt.nn.LSTMCell(inputs, hidden).to(tdev)
            with tt.no_grad():
                for name, p in tc.named_parameters():
                    p.copy_(tt.tensor(cell.state_dict()[name].numpy()))
            txs = tt.tensor(xs.numpy(), device=tdev)

            def tstep():
                _bptt(tc, txs, steps)

            refs["torch"] = tstep
        return step, refs

    return {"name": f"lstm_cell_bptt/N{batch}_I{inputs}_H{hidden}_T{steps}", "setup": setup, "flops": flops,
            "group": "nn"}


def cases(quick: bool = False, device: str = "cpu"):
    if quick:
        return [_mha_case(device, 2, 8, 16, 2), _lstm_cell_case(device, 2, 8, 16, 3)]
    return [_mha_case(device, 16, 64, 128, 4), _mha_case(device, 32, 128, 256, 8),
            _lstm_cell_case(device, 64, 128, 256, 20)]
