"""The torch-parity harness: run one lambda on torch and on Kiln, compare values, dtypes and gradients.

A case is ``fn(T, *inputs)`` where ``T`` is the library (``torch`` or ``engine``, or for functional
cases ``torch.nn.functional`` / ``nn.functional`` through :func:`check`'s ``F`` pair).  NumPy float
inputs become leaf tensors that require grad (cast to each dtype tried); integer/bool arrays become
tensors without grad; anything else is passed unchanged.  Outputs (tensors, nested tuples, Python
numbers) are compared elementwise; then the gradients of ``sum(out_i * w_i)`` (random ``w``) with
respect to every float input are compared.  Tests import this module after
``pytest.importorskip("torch")``.
"""
from __future__ import annotations

import numpy as np

import engine
import nn.functional as KF

TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-7, atol=1e-9)}


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res += _flatten(o)
        return res
    return [out]


def _to_lib(torch, arrays, dtype, grad):
    tin, ein = [], []
    for a in arrays:
        if isinstance(a, np.ndarray):
            if a.dtype.kind == "f":
                a = a.astype(dtype)
                t = torch.tensor(a, requires_grad=grad)
                e = engine.tensor(a, dtype=a.dtype, requires_grad=grad)
            else:
                t, e = torch.tensor(a), engine.tensor(a, dtype=a.dtype)
            tin.append(t)
            ein.append(e)
        else:
            tin.append(a)
            ein.append(a)
    return tin, ein


def _np(x):
    return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x.numpy())


def compare_outputs(torch, tout, eout, tol, where=""):
    tf, ef = _flatten(tout), _flatten(eout)
    assert len(tf) == len(ef), f"{where}: torch gives {len(tf)} outputs, Kiln {len(ef)}"
    for i, (t, e) in enumerate(zip(tf, ef)):
        if isinstance(t, torch.Tensor):
            assert isinstance(e, engine.Tensor), f"{where} output {i}: Kiln gives {type(e).__name__}, not a Tensor"
            tv, ev = _np(t), e.numpy()
            assert tuple(ev.shape) == tuple(tv.shape), f"{where} output {i}: shape {ev.shape} vs torch {tv.shape}"
            assert ev.dtype == tv.dtype, f"{where} output {i}: dtype {ev.dtype} vs torch {tv.dtype}"
            if tv.dtype.kind in "fc":
                np.testing.assert_allclose(ev, tv, equal_nan=True, err_msg=f"{where} output {i}", **tol)
            else:
                np.testing.assert_array_equal(ev, tv, err_msg=f"{where} output {i}")
        else:
            assert e == t or (isinstance(t, float) and np.isclose(e, t, **tol)), f"{where} output {i}: {e} vs {t}"


def check(fn, *arrays, dtypes=("float32", "float64"), grad=True, functional=False, tol=None, seed=0):
    """Run ``fn`` on torch and on Kiln for each dtype; compare outputs and input gradients."""
    import torch
    import torch.nn.functional as TF

    libs = (TF, KF) if functional else (torch, engine)
    for dtype in dtypes:
        tl = dict(TOL[dtype], **(tol or {}))
        tin, ein = _to_lib(torch, arrays, dtype, grad)
        tout, eout = fn(libs[0], *tin), fn(libs[1], *ein)
        compare_outputs(torch, tout, eout, tl, where=f"[{dtype}] value")
        if not grad:
            continue
        t_float_in = [t for t in tin if isinstance(t, torch.Tensor) and t.requires_grad]
        e_float_in = [e for e in ein if isinstance(e, engine.Tensor) and e.requires_grad]
        pairs = [(t, e) for t, e in zip(_flatten(tout), _flatten(eout))
                 if isinstance(t, torch.Tensor) and t.requires_grad]
        if not pairs or not t_float_in:
            continue
        rng = np.random.default_rng(seed)
        ws = [rng.standard_normal(tuple(t.shape)).astype(_np(t).dtype) for t, _ in pairs]
        tg = torch.autograd.grad([t for t, _ in pairs], t_float_in, [torch.tensor(w) for w in ws], allow_unused=True)
        for _, e in pairs:
            assert e.requires_grad, f"[{dtype}] Kiln output does not require grad where torch's does"
        eg = engine.grad([e for _, e in pairs], e_float_in, [engine.tensor(w, dtype=w.dtype) for w in ws],
                         allow_unused=True)
        for i, (t, e) in enumerate(zip(tg, eg)):
            tv = np.zeros(tuple(t_float_in[i].shape)) if t is None else _np(t)
            ev = np.zeros(tuple(e_float_in[i].shape)) if e is None else e.numpy()
            np.testing.assert_allclose(ev, tv, equal_nan=True, err_msg=f"[{dtype}] gradient of input {i}", **tl)


def check_error(fn, exc, match, *arrays):
    """Kiln raises ``exc`` matching ``match`` (and torch raises too, any type)."""
    import pytest
    import torch

    tin, ein = _to_lib(torch, arrays, "float32", False)
    with pytest.raises(Exception):
        fn(torch, *tin)
    with pytest.raises(exc, match=match):
        fn(engine, *ein)
