"""Heavy torch-spelled ops, forward + backward, each against ``torch`` on the same inputs, timed interleaved.

- ``einsum/bmm_*``: ``engine.einsum('bij,bjk->bik')``, a batched matmul.
- ``einsum/attn_*``: ``engine.einsum('bhqd,bhkd->bhqk')``, attention scores.
- ``interpolate/bilinear_*``: ``F.interpolate(mode='bilinear', align_corners=False)`` to a given size.
- ``interpolate/nearest_x2_*``: ``F.interpolate(scale_factor=2, mode='nearest')``.
- ``conv1d/*``: ``F.conv1d`` with bias, 'same' padding.
- ``conv2d_grouped/g4_*`` and ``conv2d_grouped/depthwise_*``: ``F.conv2d`` with ``groups=4`` and ``groups=C``,
  3x3, padding 1, with bias.
- ``op_overhead/graph3_x200``: issue 15's per-op overhead: 200 times a 3-op graph of 1-element tensors
  (``((x * y) + x).exp()``) and its backward, gradients reset to None each time.  No FLOPs counted.

Every input (weights included) requires a gradient; one call is the forward and ``out.backward(g)`` with a
fixed output gradient, gradients reset to None first.  Before any timing, ``setup`` runs Kiln and torch once
and compares the output and every gradient (float32, rtol/atol 1e-3 scaled by the largest magnitude): a case
whose two sides disagree fails with a ``ValueError`` naming the case and the tensor, so a ratio is never
reported for different work.  FLOPs are the GEMM-like multiply-adds (3x the forward's, ``bench.work``'s
convention); interpolation counts bytes (input read and output written, forward and backward).
"""
from __future__ import annotations

import numpy as np

from .optional import torch, torch_device
from .registry import Case
from .work import conv_out, matmul_flops

__all__ = ["cases"]


def _to_numpy(t) -> np.ndarray:
    """A Kiln or torch tensor's values as a host NumPy array."""
    if hasattr(t, "detach"):  # torch
        return t.detach().cpu().numpy()
    return np.asarray(t.numpy())


def _check_same(case_name: str, label: str, got, want) -> None:
    got, want = _to_numpy(got), _to_numpy(want)
    if got.shape != want.shape:
        raise ValueError(f"{case_name}: Kiln's {label} has shape {got.shape}, torch's {want.shape}")
    tol = 1e-3 * max(1.0, float(np.abs(want).max(initial=0.0)))
    err = float(np.abs(got.astype(np.float64) - want).max(initial=0.0))
    if not np.isfinite(err) or err > tol:
        raise ValueError(f"{case_name}: Kiln's {label} differs from torch's by {err:.3g} (tolerance {tol:.3g})")


def _op_case(name: str, shapes, kiln_op, torch_op, device: str, flops: float = 0.0, nbytes: float = 0.0) -> Case:
    """A forward+backward case of ``out = op(*inputs)`` on random float32 inputs of ``shapes``.

    ``kiln_op(*tensors)`` / ``torch_op(*tensors)`` compute the output; see the module docstring for the
    parity check done before timing."""

    def setup():
        import engine

        rng = np.random.default_rng(len(name))
        arrays = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
        xs = [engine.tensor(a, device=device, requires_grad=True) for a in arrays]
        out = kiln_op(*xs)
        grad_np = rng.standard_normal(tuple(out.shape), dtype=np.float32)
        g = engine.tensor(grad_np, device=device)

        def kiln():
            for x in xs:
                x.grad = None
            kiln_op(*xs).backward(g)

        refs = {}
        tdev = torch_device(device)
        if tdev is not None:
            t = torch()
            txs = [t.tensor(a, device=tdev, requires_grad=True) for a in arrays]
            tg = t.tensor(grad_np, device=tdev)

            def ref():
                for x in txs:
                    x.grad = None
                torch_op(*txs).backward(tg)

            full = f"torch_ops/{name}"
            _check_same(full, "output", kiln_op(*xs), torch_op(*txs))
            kiln()
            ref()
            for i, (x, tx) in enumerate(zip(xs, txs)):
                _check_same(full, f"gradient of input {i}", x.grad, tx.grad)
            refs["torch"] = ref
        return kiln, refs

    return Case(name, setup=setup, flops=flops, bytes=nbytes, group="torch_ops")


def _einsum_bmm(device, b, i, j, k) -> Case:
    import engine

    return _op_case(f"einsum/bmm_b{b}_{i}x{j}x{k}", [(b, i, j), (b, j, k)],
                    lambda x, y: engine.einsum("bij,bjk->bik", x, y),
                    lambda x, y: torch().einsum("bij,bjk->bik", x, y),
                    device, flops=3 * b * matmul_flops(i, k, j))


def _einsum_attention(device, b, h, q, k, d) -> Case:
    import engine

    return _op_case(f"einsum/attn_b{b}_h{h}_q{q}_k{k}_d{d}", [(b, h, q, d), (b, h, k, d)],
                    lambda x, y: engine.einsum("bhqd,bhkd->bhqk", x, y),
                    lambda x, y: torch().einsum("bhqd,bhkd->bhqk", x, y),
                    device, flops=3 * b * h * matmul_flops(q, k, d))


def _interp_bytes(n, c, h, w, ho, wo) -> float:
    """Forward: read the input, write the output; backward: read the output gradient, write the input's."""
    return 2.0 * 4 * n * c * (h * w + ho * wo)


def _bilinear(device, n, c, h, w, ho, wo) -> Case:
    import nn.functional as F

    def kiln(x):
        return F.interpolate(x, size=(ho, wo), mode="bilinear", align_corners=False)

    def ref(x):
        return torch().nn.functional.interpolate(x, size=(ho, wo), mode="bilinear", align_corners=False)

    return _op_case(f"interpolate/bilinear_{n}x{c}x{h}x{w}_to_{ho}x{wo}", [(n, c, h, w)], kiln, ref, device,
                    nbytes=_interp_bytes(n, c, h, w, ho, wo))


def _nearest_x2(device, n, c, h, w) -> Case:
    import nn.functional as F

    def kiln(x):
        return F.interpolate(x, scale_factor=2, mode="nearest")

    def ref(x):
        return torch().nn.functional.interpolate(x, scale_factor=2, mode="nearest")

    return _op_case(f"interpolate/nearest_x2_{n}x{c}x{h}x{w}", [(n, c, h, w)], kiln, ref, device,
                    nbytes=_interp_bytes(n, c, h, w, 2 * h, 2 * w))


def _conv1d(device, n, cin, length, cout, k) -> Case:
    import nn.functional as F

    pad = k // 2
    flops = 3 * 2 * n * cout * conv_out(length, k, 1, pad) * cin * k
    return _op_case(f"conv1d/{n}x{cin}x{length}_out{cout}_k{k}", [(n, cin, length), (cout, cin, k), (cout,)],
                    lambda x, w, b: F.conv1d(x, w, b, padding=pad),
                    lambda x, w, b: torch().nn.functional.conv1d(x, w, b, padding=pad),
                    device, flops=flops)


def _conv2d_grouped(device, n, c, h, w, groups, label) -> Case:
    import nn.functional as F

    flops = 3 * 2 * n * c * h * w * (c // groups) * 9
    return _op_case(f"conv2d_grouped/{label}_{n}x{c}x{h}x{w}_3x3", [(n, c, h, w), (c, c // groups, 3, 3), (c,)],
                    lambda x, wt, b: F.conv2d(x, wt, b, padding=1, groups=groups),
                    lambda x, wt, b: torch().nn.functional.conv2d(x, wt, b, padding=1, groups=groups),
                    device, flops=flops)


def _graph3(x, y):
    return ((x * y) + x).exp()


def _overhead_graph3(device, times: int) -> Case:
    """Issue 15's per-op overhead case (see the module docstring)."""

    def setup():
        import engine

        x = engine.tensor(np.array([0.5], np.float32), device=device, requires_grad=True)
        y = engine.tensor(np.array([0.25], np.float32), device=device, requires_grad=True)

        def kiln():
            for _ in range(times):
                x.grad = None
                y.grad = None
                _graph3(x, y).backward()

        refs = {}
        tdev = torch_device(device)
        if tdev is not None:
            t = torch()
            tx = t.tensor([0.5], device=tdev, requires_grad=True)
            ty = t.tensor([0.25], device=tdev, requires_grad=True)

            def ref():
                for _ in range(times):
                    tx.grad = None
                    ty.grad = None
                    _graph3(tx, ty).backward()

            name = f"torch_ops/op_overhead/graph3_x{times}"
            kiln()
            ref()
            _check_same(name, "gradient of x", x.grad, tx.grad)
            _check_same(name, "gradient of y", y.grad, ty.grad)
            refs["torch"] = ref
        return kiln, refs

    return Case(f"op_overhead/graph3_x{times}", setup=setup, group="torch_ops")


#: each case's maker and its arguments after ``device``: (quick, full)
_SIZES = [
    (_einsum_bmm, (2, 4, 5, 3), (32, 64, 64, 64)),
    (_einsum_attention, (1, 2, 4, 5, 3), (8, 8, 128, 128, 64)),
    (_bilinear, (1, 2, 4, 4, 7, 6), (8, 16, 32, 32, 64, 64)),
    (_nearest_x2, (1, 2, 4, 4), (8, 16, 32, 32)),
    (_conv1d, (2, 4, 16, 4, 5), (32, 16, 256, 32, 5)),
    (_conv2d_grouped, (2, 8, 6, 6, 4, "g4"), (16, 32, 32, 32, 4, "g4")),
    (_conv2d_grouped, (2, 8, 6, 6, 8, "depthwise"), (16, 32, 32, 32, 32, "depthwise")),
    (_overhead_graph3, (5,), (200,)),
]


def cases(quick: bool = False, device: str = "cpu") -> list:
    return [make(device, *(small if quick else full)) for make, small, full in _SIZES]
