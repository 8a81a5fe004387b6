"""Optimiser cases: one ``step()`` of each optimiser over the parameters of a CIFAR ResNet-20 (59 arrays,
269,722 float32 values: conv, BatchNorm and linear shapes), with gradients already in place.

Each Kiln step is one fused kernel launch per parameter (``kernels.optim_updates``: Numba ``@njit`` on the
CPU, Numba CUDA on the GPU).  References, timed interleaved:

- ``numpy`` / ``cupy``: the same update rule as a chain of in-place array ops (``out=``), unfused, what the
  fused kernels replace;
- ``torch``: ``torch.optim`` on the same shapes (default implementation for the device: single-tensor
  on the CPU, ``foreach`` on the GPU).

``bytes`` is the memory traffic of the fused update: per element, every parameter, gradient and state
array read once and every parameter and state array written once (float32).  ``clip_grad_norm`` reads
each gradient twice and writes it once.
"""
from __future__ import annotations

import numpy as np

from .optional import torch, torch_device

__all__ = ["cases", "resnet20_shapes"]


def resnet20_shapes(width: int = 16, classes: int = 10):
    """Parameter shapes of the CIFAR ResNet-20 (option-A shortcuts, so shortcuts hold no parameters)."""
    shapes = [(width, 3, 3, 3), (width,), (width,)]
    cin = width
    for stage in range(3):
        cout = width * 2**stage
        for _ in range(3):
            shapes += [(cout, cin, 3, 3), (cout,), (cout,), (cout, cout, 3, 3), (cout,), (cout,)]
            cin = cout
    return shapes + [(classes, cin), (classes,)]


# name -> (Kiln class name, kwargs, float32 arrays read+written per element by the fused update)
OPTIMISERS = {
    "sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=5e-4), 5),
    "sgd_nesterov": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), 5),
    "adam": ("Adam", dict(lr=1e-3), 7),
    "adam_amsgrad": ("Adam", dict(lr=1e-3, amsgrad=True), 9),
    "adamw": ("AdamW", dict(lr=1e-3, weight_decay=1e-2), 7),
    "rmsprop": ("RMSprop", dict(lr=1e-2), 5),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=1e-2, centered=True, momentum=0.9), 9),
    "adagrad": ("Adagrad", dict(lr=1e-2), 5),
}


def _unfused(name, kw, xp, params, grads):
    """The same rule as in-place array ops, state kept in closures (the numpy / cupy reference)."""
    st = [{} for _ in params]
    tmp = [xp.empty_like(p) for p in params]

    def sgd():
        for p, g, s, t in zip(params, grads, st, tmp):
            xp.multiply(p, kw.get("weight_decay", 0.0), out=t)
            t += g
            b = s.get("b")
            if b is None:
                b = s["b"] = t.copy()
            else:
                b *= kw["momentum"]
                b += t
            if kw.get("nesterov"):
                t += kw["momentum"] * b
                t *= kw["lr"]
            else:
                xp.multiply(b, kw["lr"], out=t)
            p -= t

    def adam():
        b1, b2, lr, wd = 0.9, 0.999, kw["lr"], kw.get("weight_decay", 0.0)
        for p, g, s, t in zip(params, grads, st, tmp):
            if not s:
                s.update(t=0, m=xp.zeros_like(p), v=xp.zeros_like(p), vmax=xp.zeros_like(p))
            s["t"] += 1
            if name == "adamw":
                p *= 1 - lr * wd
            s["m"] *= b1
            xp.multiply(g, 1 - b1, out=t)
            s["m"] += t
            s["v"] *= b2
            xp.multiply(g, g, out=t)
            t *= 1 - b2
            s["v"] += t
            v = s["v"]
            if kw.get("amsgrad"):
                xp.maximum(s["vmax"], v, out=s["vmax"])
                v = s["vmax"]
            xp.sqrt(v, out=t)
            t /= (1 - b2 ** s["t"]) ** 0.5
            t += 1e-8
            xp.divide(s["m"], t, out=t)
            t *= lr / (1 - b1 ** s["t"])
            p -= t

    def rmsprop():
        alpha = 0.99
        for p, g, s, t in zip(params, grads, st, tmp):
            if not s:
                s.update(sq=xp.zeros_like(p), ga=xp.zeros_like(p), b=xp.zeros_like(p))
            s["sq"] *= alpha
            xp.multiply(g, g, out=t)
            t *= 1 - alpha
            s["sq"] += t
            if kw.get("centered"):
                s["ga"] *= alpha
                s["ga"] += (1 - alpha) * g
                xp.multiply(s["ga"], s["ga"], out=t)
                xp.subtract(s["sq"], t, out=t)
                xp.sqrt(t, out=t)
            else:
                xp.sqrt(s["sq"], out=t)
            t += 1e-8
            xp.divide(g, t, out=t)
            if kw.get("momentum"):
                s["b"] *= kw["momentum"]
                s["b"] += t
                xp.multiply(s["b"], kw["lr"], out=t)
            else:
                t *= kw["lr"]
            p -= t

    def adagrad():
        for p, g, s, t in zip(params, grads, st, tmp):
            if not s:
                s["sum"] = xp.zeros_like(p)
            xp.multiply(g, g, out=t)
            s["sum"] += t
            xp.sqrt(s["sum"], out=t)
            t += 1e-10
            xp.divide(g, t, out=t)
            t *= kw["lr"]
            p -= t

    return {"sgd_momentum": sgd, "sgd_nesterov": sgd, "adam": adam, "adam_amsgrad": adam, "adamw": adam,
            "rmsprop": rmsprop, "rmsprop_centered_momentum": rmsprop, "adagrad": adagrad}[name]


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    shapes = resnet20_shapes()
    return ([rng.standard_normal(s, dtype=np.float32) * 0.1 for s in shapes],
            [rng.standard_normal(s, dtype=np.float32) * 0.01 for s in shapes])


def _optimiser_case(name: str, device: str) -> dict:
    cls_name, kw, arrays_per_element = OPTIMISERS[name]
    n = sum(int(np.prod(s)) for s in resnet20_shapes())

    def setup():
        import engine
        import optim

        ps0, gs0 = _arrays()
        params = [engine.tensor(a, device=device, requires_grad=True) for a in ps0]
        for p, g in zip(params, gs0):
            p.grad = engine.tensor(g, device=device)
        opt = getattr(optim, cls_name)(params, **kw)
        refs = {}
        xp = params[0].array.__class__.__module__.split(".")[0]
        xp_mod = np if xp == "numpy" else __import__("cupy")
        xp_params = [xp_mod.asarray(a).copy() for a in ps0]
        xp_grads = [xp_mod.asarray(g) for g in gs0]
        refs["numpy" if xp_mod is np else "cupy"] = _unfused(name, kw, xp_mod, xp_params, xp_grads)
        tdev = torch_device(device) if torch() is not None else None
        if tdev is not None:
            t = torch()
            tps = [t.tensor(a, device=tdev, requires_grad=True) for a in ps0]
            for tp, g in zip(tps, gs0):
                tp.grad = t.tensor(g, device=tdev)
            topt = getattr(t.optim, cls_name)(tps, **kw)
            refs["torch"] = topt.step
        return opt.step, refs

    return {"name": f"step/{name}", "setup": setup, "bytes": arrays_per_element * 4 * n, "group": "optim"}


def _clip_case(device: str) -> dict:
    n = sum(int(np.prod(s)) for s in resnet20_shapes())

    def setup():
        import engine
        import optim

        _, gs0 = _arrays(1)
        params = [engine.zeros(g.shape, device=device, requires_grad=True) for g in gs0]
        for p, g in zip(params, gs0):
            p.grad = engine.tensor(g, device=device)

        def fn():
            optim.clip_grad_norm_(params, 1e9)  # measures and rescales by 1: gradients stay put

        refs = {}
        tdev = torch_device(device) if torch() is not None else None
        if tdev is not None:
            t = torch()
            tps = [t.zeros(g.shape, device=tdev, requires_grad=True) for g in gs0]
            for tp, g in zip(tps, gs0):
                tp.grad = t.tensor(g, device=tdev)
            refs["torch"] = lambda: t.nn.utils.clip_grad_norm_(tps, 1e9)
        return fn, refs

    return {"name": "clip_grad_norm", "setup": setup, "bytes": 3 * 4 * n, "group": "optim"}


def cases(quick: bool = False, device: str = "cpu") -> list:
    """One case per optimiser configuration (quick: SGD-momentum and Adam only) and one for clipping."""
    names = ["sgd_momentum", "adam"] if quick else list(OPTIMISERS)
    return [_optimiser_case(n, device) for n in names] + [_clip_case(device)]
