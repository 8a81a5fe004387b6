"""Engine cases: per-op overhead, matmul forward+backward, and full training steps.

- ``op_overhead/add``, ``op_overhead/mul``: forward+backward of a 1-element op (``(x + y).backward()``,
  gradients reset to None each call), against PyTorch eager on the same device.  This is the Python cost
  of one graph node; no FLOPs are counted.
- ``matmul_fwdbwd/N``: ``C = A @ B`` and its backward with a given output gradient, float32 (N, N), for N in
  256..4096 (quick: 64, 128); references: the same three GEMMs in NumPy (or CuPy on the GPU) and PyTorch
  autograd.  Work from ``bench.work.matmul_fwdbwd``.
- ``train/mlp_b128``, ``train/lenet5_b64``, ``train/resnet20_b128``: one SGD-momentum step of the networks of
  ``bench.nets`` (Kiln vs the same network in PyTorch).  They need ``nn`` and ``optim``; while those lack a
  layer the case is skipped with a 'not available yet' note.
"""
from __future__ import annotations

import numpy as np

from . import nets, work
from .optional import cupy, torch, torch_device
from .registry import Case

__all__ = ["cases"]

MATMUL_SIZES = (256, 512, 1024, 2048, 4096)
MATMUL_SIZES_QUICK = (64, 128)


def _engine_tensor(arr, device, requires_grad=False):
    import engine

    return engine.tensor(arr, device=device, requires_grad=requires_grad)


def _torch_tensor(arr, device, requires_grad=False):
    t = torch().from_numpy(np.ascontiguousarray(arr)).to(torch_device(device))
    return t.requires_grad_(requires_grad) if requires_grad else t


def _op_overhead(op: str, device: str) -> Case:
    def setup():
        x = _engine_tensor(np.array([1.5], np.float32), device, True)
        y = _engine_tensor(np.array([2.5], np.float32), device, True)
        f = (lambda a, b: a + b) if op == "add" else (lambda a, b: a * b)

        def kiln():
            x.grad = None
            y.grad = None
            f(x, y).backward()

        refs = {}
        if torch_device(device):
            tx = _torch_tensor(np.array([1.5], np.float32), device, True)
            ty = _torch_tensor(np.array([2.5], np.float32), device, True)

            def ref():
                tx.grad = None
                ty.grad = None
                f(tx, ty).backward()

            refs["torch"] = ref
        return kiln, refs

    return Case(f"op_overhead/{op}", setup=setup, group="engine")


def _matmul_backward(a, b, g) -> None:
    """``a @ b`` and its backward from ``g`` (Kiln's tensors or torch's), the gradients cleared first."""
    a.grad = None
    b.grad = None
    (a @ b).backward(g)


def _matmul(n: int, device: str) -> Case:
    flops, nbytes = work.matmul_fwdbwd(n, n, n)

    def setup():
        rng = np.random.default_rng(n)
        A, B = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
        G = np.ones((n, n), np.float32)
        a, b = _engine_tensor(A, device, True), _engine_tensor(B, device, True)
        g = _engine_tensor(G, device)

        def kiln():
            _matmul_backward(a, b, g)

        refs = {}
        xp = cupy() if device.startswith("cuda") else np
        if xp is not None:
            xa, xb, xg = xp.asarray(A), xp.asarray(B), xp.asarray(G)

            def ref_xp():
                _ = xa @ xb
                _ = xg @ xb.T
                _ = xa.T @ xg

            refs["cupy" if xp is not np else "numpy"] = ref_xp
        if torch_device(device):
            ta, tb = _torch_tensor(A, device, True), _torch_tensor(B, device, True)
            tg = _torch_tensor(G, device)

            def ref_torch():
                _matmul_backward(ta, tb, tg)

            refs["torch"] = ref_torch
        return kiln, refs

    return Case(f"matmul_fwdbwd/{n}", setup=setup, flops=flops, bytes=nbytes, group="engine")


def _missing_layers(net: str) -> list:
    try:
        import nn
        import optim
    except Exception as exc:
        return [f"import failed ({type(exc).__name__}: {exc})"]
    missing = [f"nn.{name}" for name in nets.NEEDS[net] if not hasattr(nn, name)]
    if not hasattr(optim, "SGD"):
        missing.append("optim.SGD")
    return missing


def _train(net: str, batch: int, shape: tuple, device: str, label: str) -> Case:
    fwd = {"mlp": lambda: work.mlp_forward_flops(batch, (784, 256, 128, 10)),
           "lenet5": lambda: work.lenet5_forward_flops(batch),
           "resnet20": lambda: work.resnet20_forward_flops(batch)}[net]()
    name = f"train/{label}"
    missing = _missing_layers(net)
    if missing:
        return Case(name, group="engine", flops=work.train_step_flops(fwd),
                    note="not available yet: needs " + ", ".join(missing))

    def setup():
        import nn
        import optim

        rng = np.random.default_rng(0)
        X = rng.standard_normal((batch,) + shape, dtype=np.float32)
        Y = rng.integers(0, 10, size=batch).astype(np.int64)
        model = getattr(nets, net)(nn)
        if device != "cpu":
            model.to(device)
        kiln = nets.train_step(model, nn, optim, _engine_tensor(X, device), _engine_tensor(Y, device))
        refs = {}
        if torch_device(device):
            t = torch()
            t.manual_seed(0)
            tmodel = getattr(nets, net)(t.nn).to(torch_device(device))
            refs["torch"] = nets.train_step(tmodel, t.nn, t.optim, _torch_tensor(X, device),
                                            _torch_tensor(Y, device))
        return kiln, refs

    return Case(name, setup=setup, flops=work.train_step_flops(fwd), group="engine")


def cases(quick: bool = False, device: str = "cpu") -> list:
    out = [_op_overhead("add", device), _op_overhead("mul", device)]
    out += [_matmul(n, device) for n in (MATMUL_SIZES_QUICK if quick else MATMUL_SIZES)]
    mlp_b, lenet_b, resnet_b = (16, 8, 4) if quick else (128, 64, 128)
    out.append(_train("mlp", mlp_b, (784,), device, f"mlp_b{mlp_b}"))
    out.append(_train("lenet5", lenet_b, (1, 28, 28), device, f"lenet5_b{lenet_b}"))
    out.append(_train("resnet20", resnet_b, (3, 32, 32), device, f"resnet20_b{resnet_b}"))
    return out
