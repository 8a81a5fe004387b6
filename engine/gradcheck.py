"""Numerical gradient checks in float64: ``gradcheck`` and ``gradgradcheck``.

``gradcheck(fn, inputs)`` compares the backward pass with central differences.  It projects the
outputs on a fixed random weighting ``v`` (so one backward gives ``J^T v``) and perturbs every element
of every input that requires grad (``mode="elementwise"``), or, for large inputs, checks directional
derivatives along a few random directions (``mode="random"``, two evaluations per direction).
Inputs are copied to float64 first.  It returns True or raises :class:`GradcheckError` naming the
input and its worst element.
"""
from __future__ import annotations

import numpy as np

from .backend import to_numpy
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with the numerical one (message names input and element)."""


def _prepare(inputs):
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            t = Tensor._wrap(x.array.astype(np.float64) if x.dtype.kind == "f" else x.array)
            if x.requires_grad:
                t.requires_grad = True
            out.append(t)
        else:
            out.append(x)
    return out


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _weighted(outs, vs) -> float:
    return float(sum(float((to_numpy(o.array).astype(np.float64) * v).sum()) for o, v in zip(outs, vs)))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, mode="elementwise", n_directions=4, seed=0):
    """Check ``fn``'s gradients against central differences; True or :class:`GradcheckError`."""
    from .functional import grad

    if mode not in ("elementwise", "random"):
        raise ValueError(f"gradcheck: mode must be 'elementwise' or 'random', got {mode!r}")
    inputs = _prepare(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    vs = [rng.standard_normal(o.shape) for o in outs]
    diff_outs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if not diff_outs:
        analytic = [np.zeros(inputs[i].shape) for i in wrt]
    else:
        gs = grad([o for o, _ in diff_outs], [inputs[i] for i in wrt],
                  grad_outputs=[Tensor._wrap(_like(o.array, v)) for o, v in diff_outs], allow_unused=True)
        analytic = [np.zeros(inputs[i].shape) if g is None else to_numpy(g.array).astype(np.float64)
                    for i, g in zip(wrt, gs)]

    def f_at() -> float:
        return _weighted(_outputs(fn, inputs), vs)

    for k, i in enumerate(wrt):
        x = inputs[i]
        if mode == "elementwise":
            numeric = np.zeros(x.shape)
            flat = x.array.reshape(-1)
            nflat = numeric.reshape(-1)
            for j in range(flat.size):
                orig = flat[j].item()
                flat[j] = orig + eps
                fp = f_at()
                flat[j] = orig - eps
                fm = f_at()
                flat[j] = orig
                nflat[j] = (fp - fm) / (2 * eps)
            err = np.abs(analytic[k] - numeric)
            tol = atol + rtol * np.abs(numeric)
            if (err > tol).any() or not np.isfinite(analytic[k]).all():
                worst = tuple(int(w) for w in np.unravel_index(int(np.argmax(err - tol)), x.shape)) if x.ndim else ()
                raise GradcheckError(
                    f"gradcheck: input {i} (shape {x.shape}) gradient mismatch; worst element {worst}: "
                    f"analytic {analytic[k][worst]:.8g} vs numerical {numeric[worst]:.8g} "
                    f"(atol={atol}, rtol={rtol})"
                )
        else:
            base = x.array.copy()
            for d in range(n_directions):
                u = rng.standard_normal(x.shape)
                x.array[...] = base + eps * _like(base, u)
                fp = f_at()
                x.array[...] = base - eps * _like(base, u)
                fm = f_at()
                x.array[...] = base
                numeric = (fp - fm) / (2 * eps)
                ana = float((analytic[k] * u).sum())
                if abs(ana - numeric) > atol + rtol * abs(numeric):
                    raise GradcheckError(
                        f"gradcheck: input {i} (shape {x.shape}) directional derivative mismatch along random "
                        f"direction {d}: analytic {ana:.8g} vs numerical {numeric:.8g} (atol={atol}, rtol={rtol})"
                    )
    return True


def _like(arr, values):
    """``values`` (NumPy) as an array of ``arr``'s kind (numpy or cupy) and dtype."""
    from .backend import get_array_module

    return get_array_module(arr).asarray(values, dtype=arr.dtype)


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, mode="elementwise", seed=0):
    """Check second derivatives: gradcheck of ``x -> grad(fn(x), x, v, create_graph=True)``."""
    from .functional import grad

    inputs = _prepare(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = np.random.default_rng(seed + 1)
    outs = _outputs(fn, inputs)
    vs = [_like(o.array, rng.standard_normal(o.shape)) for o in outs]

    def grad_fn(*xs):
        os_ = _outputs(fn, xs)
        pairs = [(o, Tensor._wrap(v)) for o, v in zip(os_, vs) if o.requires_grad]
        gs = grad([o for o, _ in pairs], [xs[i] for i in wrt], grad_outputs=[v for _, v in pairs],
                  create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None and g.requires_grad)

    return gradcheck(grad_fn, inputs, eps=eps, atol=atol, rtol=rtol, mode=mode, seed=seed)
