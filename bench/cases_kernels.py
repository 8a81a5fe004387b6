"""Kernel cases (issue 3): convolution, max pooling, activations, softmax cross-entropy, tiled matmul.

Every Kiln callable calls ``kernels`` directly (the engine ops add one graph node on top), on float32
arrays built in ``setup`` (NumPy on the CPU, CuPy on the GPU).  References, timed interleaved:

- ``torch``: the same work through PyTorch autograd on the same device (input gradient only where the
  Kiln case computes one: a network's first layer never needs it);
- ``numpy`` / ``cupy``: the same arithmetic as plain array expressions — one NumPy pass per operation,
  which is what the fused activation kernels are held against.

Cases (quick mode: tiny shapes and a few activations, a smoke test):
``conv2d_fwd/*`` and ``conv2d_fwdbwd/*`` at LeNet c1 (64x1x28x28 -> 6, 5x5, pad 2, no input grad),
LeNet c2 (64x6x14x14 -> 16, 5x5) and a ResNet layer (32x64x32x32 -> 64, 3x3, pad 1);
``maxpool2x2_fwdbwd`` on 32x64x32x32; ``act_fwdbwd/<name>`` on 2^22 elements (GB/s);
``softmax_xent_fwdbwd`` on 4096x1000 logits; ``matmul_tiled/<n>`` (GPU only: our tiled kernel vs cuBLAS).

Work: convolution FLOPs are ``2 N OH OW C_out C kh kw`` per GEMM (forward 1, backward 1 or 2); bytes are
the arrays each kernel must read and write at least once.
"""
from __future__ import annotations

import numpy as np

from .optional import cupy, torch, torch_device

__all__ = ["cases"]

CONV_SHAPES = {
    "lenet_c1": ((64, 1, 28, 28), (6, 1, 5, 5), 2, False),
    "lenet_c2": ((64, 6, 14, 14), (16, 6, 5, 5), 0, True),
    "resnet_64x32x32": ((32, 64, 32, 32), (64, 64, 3, 3), 1, True),
}
CONV_QUICK = {"tiny": ((2, 3, 9, 9), (4, 3, 3, 3), 1, True)}
ACTS = ["relu", "leaky_relu", "prelu", "elu", "silu", "mish", "softplus", "softsign", "sigmoid", "tanh",
        "log_sigmoid", "sinc", "hard_threshold", "abs"]
ACTS_QUICK = ["relu", "silu", "tanh"]


def _xp(device):
    if device.startswith("cuda"):
        return cupy()
    return np


def _arr(xp, a):
    return xp.asarray(np.ascontiguousarray(a, dtype=np.float32))


def _normals(seed, *specs):
    """float32 host arrays of standard normals times a scale, one per ``(shape, scale)``, drawn in order from one
    generator seeded ``seed``."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape) * scale).astype(np.float32) for shape, scale in specs]


def _tt(a, device, grad=False):
    t = torch().from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(torch_device(device))
    return t.requires_grad_(True) if grad else t


def _skip(name, device):
    return {"name": name, "fn": None, "note": f"needs CuPy and a GPU for device {device!r}", "group": "kernels"}


# ---- convolution ---------------------------------------------------------------------------------
def _conv_case(tag, spec, device, backward):
    import kernels

    xs, ws, pad, need_x = spec
    n, c, h, w = xs
    co, _, kh, kw = ws
    oh, ow = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    gemm = 2 * n * oh * ow * co * c * kh * kw
    flops = gemm * ((2 if need_x else 1) + 1) if backward else gemm
    nbytes = 4 * (n * c * h * w + co * c * kh * kw + n * co * oh * ow) * (2 if backward else 1)
    name = f"conv2d_{'fwdbwd' if backward else 'fwd'}/{tag}"
    xp = _xp(device)
    if xp is None:
        return _skip(name, device)

    def setup():
        x0, w0, b0, g0 = _normals(0, (xs, 1), (ws, 0.1), ((co,), 1), ((n, co, oh, ow), 1))
        x, wt, b, g = (_arr(xp, a) for a in (x0, w0, b0, g0))

        if backward:
            def fn():
                kernels.conv2d_forward(x, wt, b, 1, pad)
                kernels.conv2d_backward(g, x, wt, 1, pad, 1, need_x, True, True)
        else:
            def fn():
                kernels.conv2d_forward(x, wt, b, 1, pad)
        refs = {}
        if torch_device(device):
            F = torch().nn.functional
            tx, tw, tb, tg = _tt(x0, device, need_x and backward), _tt(w0, device, backward), \
                _tt(b0, device, backward), _tt(g0, device)

            if backward:
                def tfn():
                    F.conv2d(tx, tw, tb, padding=pad).backward(tg)
                    tw.grad = tb.grad = tx.grad = None
            else:
                def tfn():
                    with torch().no_grad():
                        F.conv2d(tx, tw, tb, padding=pad)
            refs["torch"] = tfn
        return fn, refs

    case = {"name": name, "setup": setup, "flops": flops, "bytes": nbytes, "group": "kernels"}
    if device == "cpu" and (kh, kw) == (3, 3) and min(c, co) >= 16:
        case["note"] = "CPU runs Winograd F(2x2,3x3) (2.25x fewer GEMM flops); rate counts direct-conv flops"
    elif device == "cpu" and c * kh * kw <= 32:
        case["note"] = "CPU runs the direct stride-1 convolution (kernels/cpu/conv_direct.py)"
    elif device == "cpu" and c * kh * kw <= 288 and co >= 8:
        case["note"] = "CPU runs the channel-vector forward and weight gradient (kernels/cpu/conv_vec*.py)"
    return case


# ---- max pooling ---------------------------------------------------------------------------------
def _maxpool_case(device, quick):
    import kernels
    from engine.ops.pool_params import pool2d_params

    shape = (2, 3, 8, 8) if quick else (32, 64, 32, 32)
    n, c, h, w = shape
    elems = n * c * h * w
    nbytes = 4 * elems * 2 + 4 * (elems // 4) * 4  # x in, gx out; y, idx out then gy, idx in
    name = "maxpool2x2_fwdbwd"
    xp = _xp(device)
    if xp is None:
        return _skip(name, device)

    def setup():
        x0, g0 = _normals(1, (shape, 1), ((n, c, h // 2, w // 2), 1))
        x, g = _arr(xp, x0), _arr(xp, g0)

        def fn():  # the params are built per call, as the op's door does
            p = pool2d_params("max_pool2d", x, 2)
            _, idx = kernels.max_pool2d_forward(x, p)
            kernels.max_pool2d_backward(g, idx, p)

        def ref():
            xr = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
            am = xr.argmax(-1)[..., None]
            xp.take_along_axis(xr, am, -1)
            gx = xp.zeros_like(xr)
            xp.put_along_axis(gx, am, g[..., None], -1)
            gx.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)

        refs = {"cupy" if xp is not np else "numpy": ref}
        if torch_device(device):
            F = torch().nn.functional
            tx, tg = _tt(x0, device, True), _tt(g0, device)

            def tfn():
                F.max_pool2d(tx, 2).backward(tg)
                tx.grad = None

            refs["torch"] = tfn
        return fn, refs

    return {"name": name, "setup": setup, "bytes": nbytes, "group": "kernels"}


# ---- activations ---------------------------------------------------------------------------------
def _np_act(name, xp, x, g):
    """Forward and backward of ``name`` as plain array expressions (one pass per operation)."""
    if name == "relu":
        y = xp.maximum(x, 0)
        return g * (x > 0), y
    if name in ("leaky_relu", "prelu"):
        y = xp.where(x > 0, x, 0.01 * x)
        return g * xp.where(x > 0, 1.0, 0.01).astype(x.dtype), y
    if name == "elu":
        y = xp.where(x > 0, x, xp.expm1(x))
        return g * xp.where(x > 0, 1, y + 1), y
    if name == "sigmoid":
        y = 1 / (1 + xp.exp(-x))
        return g * y * (1 - y), y
    if name == "tanh":
        y = xp.tanh(x)
        return g * (1 - y * y), y
    if name == "silu":
        s = 1 / (1 + xp.exp(-x))
        y = x * s
        return g * (s * (1 + x * (1 - s))), y
    if name == "mish":
        sp = xp.logaddexp(x, 0)
        t = xp.tanh(sp)
        y = x * t
        s = 1 / (1 + xp.exp(-x))
        return g * (t + x * s * (1 - t * t)), y
    if name == "softplus":
        y = xp.logaddexp(x, 0)
        return g / (1 + xp.exp(-x)), y
    if name == "softsign":
        d = 1 + xp.abs(x)
        y = x / d
        return g / (d * d), y
    if name == "log_sigmoid":
        y = -xp.logaddexp(-x, 0)
        return g / (1 + xp.exp(x)), y
    if name == "sinc":
        y = xp.sin(x) / x
        return g * (xp.cos(x) - y) / x, y
    if name == "hard_threshold":
        y = (x >= 0).astype(x.dtype)
        return xp.zeros_like(g), y
    if name == "abs":
        y = xp.abs(x)
        return g * xp.sign(x), y
    raise KeyError(name)


def _torch_act(name, F, t):
    return {
        "relu": F.relu, "leaky_relu": F.leaky_relu, "elu": F.elu, "silu": F.silu, "mish": F.mish,
        "softplus": F.softplus, "softsign": F.softsign, "sigmoid": t.sigmoid, "tanh": t.tanh,
        "log_sigmoid": F.logsigmoid, "sinc": lambda v: t.sin(v) / v, "abs": t.abs,
        "hard_threshold": lambda v: F.threshold(v, 0.0, 0.0),
        "prelu": lambda v: F.prelu(v, t.full((1,), 0.25, device=v.device)),
    }[name]


def _act_case(name, device, quick):
    import kernels

    n = 2**12 if quick else 2**22
    reads_y = name in ("sigmoid", "tanh", "elu")
    nbytes = 4 * n * (2 + 3 + (1 if reads_y else 0))  # fwd: x in, y out; bwd: gy, x (, y) in, gx out
    cname = f"act_fwdbwd/{name}"
    xp = _xp(device)
    if xp is None:
        return _skip(cname, device)

    def setup():
        x0, g0 = _normals(2, (n, 3), (n, 1))
        x, g = _arr(xp, x0), _arr(xp, g0)
        w = xp.full((1,), 0.25, dtype=xp.float32) if name == "prelu" else None

        def fn():
            y = kernels.activation_forward(x, name, weight=w)
            kernels.activation_backward(g, x, name, y, weight=w)

        refs = {"cupy" if xp is not np else "numpy": lambda: _np_act(name, xp, x, g)}
        if torch_device(device):
            T = torch()
            tx, tg = _tt(x0, device, True), _tt(g0, device)
            f = _torch_act(name, T.nn.functional, T)

            def tfn():
                f(tx).backward(tg)
                tx.grad = None

            refs["torch"] = tfn
        return fn, refs

    return {"name": cname, "setup": setup, "bytes": nbytes, "group": "kernels"}


# ---- softmax cross-entropy -----------------------------------------------------------------------
def _xent_case(device, quick):
    import kernels

    rows, classes = (64, 10) if quick else (4096, 1000)
    nbytes = 4 * rows * classes * 3  # logits read twice, gradient written once
    name = "softmax_xent_fwdbwd"
    xp = _xp(device)
    if xp is None:
        return _skip(name, device)

    def setup():
        rng = np.random.default_rng(3)
        x0 = (rng.standard_normal((rows, classes)) * 3).astype(np.float32)
        t0 = rng.integers(0, classes, rows)
        x, t = _arr(xp, x0), xp.asarray(t0)
        ones = xp.full(rows, 1.0 / rows, dtype=xp.float32)

        def fn():
            loss, lse = kernels.softmax_cross_entropy_forward(x, t)
            loss.mean()
            kernels.softmax_cross_entropy_backward(ones, x, t, lse)

        def ref():
            m = x.max(axis=1, keepdims=True)
            e = xp.exp(x - m)
            s = e.sum(axis=1, keepdims=True)
            (xp.log(s) + m)[:, 0] - x[xp.arange(rows), t]
            p = e / s
            p[xp.arange(rows), t] -= 1
            p *= 1.0 / rows

        refs = {"cupy" if xp is not np else "numpy": ref}
        if torch_device(device):
            T = torch()
            tx = _tt(x0, device, True)
            tt = T.from_numpy(t0).to(torch_device(device))

            def tfn():
                T.nn.functional.cross_entropy(tx, tt).backward()
                tx.grad = None

            refs["torch"] = tfn
        return fn, refs

    return {"name": name, "setup": setup, "bytes": nbytes, "group": "kernels"}


# ---- tiled matmul (GPU) --------------------------------------------------------------------------
def _matmul_case(size, device):
    import kernels

    name = f"matmul_tiled/{size}"
    cp = cupy() if device.startswith("cuda") else None
    if cp is None:
        return {"name": name, "fn": None, "group": "kernels",
                "note": "GPU only: the tiled CUDA kernel held against cuBLAS (on the CPU it is plain BLAS)"}

    def setup():
        rng = np.random.default_rng(4)
        a = cp.asarray(rng.standard_normal((size, size)).astype(np.float32))
        b = cp.asarray(rng.standard_normal((size, size)).astype(np.float32))
        return (lambda: kernels.matmul_tiled(a, b)), {"cupy": lambda: a @ b}

    return {"name": name, "setup": setup, "flops": 2 * size**3, "bytes": 3 * 4 * size * size, "group": "kernels"}


def cases(quick: bool = False, device: str = "cpu") -> list:
    """All kernel cases for ``device`` ("cpu" or "cuda"); quick: tiny shapes, a smoke test."""
    shapes = CONV_QUICK if quick else CONV_SHAPES
    out = []
    for tag, spec in shapes.items():
        out.append(_conv_case(tag, spec, device, False))
        out.append(_conv_case(tag, spec, device, True))
    out.append(_maxpool_case(device, quick))
    out += [_act_case(a, device, quick) for a in (ACTS_QUICK if quick else ACTS)]
    out.append(_xent_case(device, quick))
    out += [_matmul_case(s, device) for s in ((64,) if quick else (1024, 4096))]
    return out
