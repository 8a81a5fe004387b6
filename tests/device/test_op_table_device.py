"""The op table's twin tests: every row's forward and backward on "cuda" equal the CPU's (float64).

For each row of ``tests/engine/op_table.py`` (``CASES``: core, kernel, activation, layer, torch and
semantics rows) whose ``devices`` include "cuda", and each of its sample inputs (the declared shapes plus
the derived 0-d, empty and broadcast ones: the shapes are small, the simulator is slow), the same inputs
run on the CPU and on "cuda" (simulated in CI, see conftest.py, where every kernel call goes to its
Numba-CUDA twin); the outputs and the gradients of ``sum(outputs * weights)`` with respect to every input
must agree to 1e-10, and every output and gradient must live on the device.
"""
import numpy as np
import pytest

import engine
from engine import backend
from tests.engine.op_table import CASES, make_inputs

_PARAMS = [pytest.param(c, s, id=f"{c.name}-{tag}") for c in CASES if "cuda" in c.devices
           for tag, s in c.samples()]


def _run(case, inputs, device):
    xs = [engine.tensor(backend.to_numpy(x.array), dtype="float64").to(device).requires_grad_() if
          x.requires_grad else engine.tensor(backend.to_numpy(x.array)).to(device) for x in inputs]
    out = case.fn(*xs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    outs = [o for o in outs if isinstance(o, engine.Tensor)]
    rng = np.random.default_rng(7)
    total = None
    for o in (o for o in outs if o.requires_grad):
        w = engine.tensor(rng.standard_normal(o.shape), dtype="float64").to(device)
        term = (o * w).sum()
        total = term if total is None else total + term
    if total is not None:  # ops with no differentiable output (argmax, any, //) compare forward values only
        total.backward()
    for o in outs:
        assert backend.device_of(o.array) == device, f"{case.name}: output on {backend.device_of(o.array)}"
    grads = []
    for x in xs:
        if x.requires_grad and total is not None:
            assert x.grad is not None and backend.device_of(x.grad.array) == device
            grads.append(backend.to_numpy(x.grad.array))
    return [backend.to_numpy(o.array) for o in outs], grads


@pytest.mark.parametrize("case,shapes", _PARAMS)
def test_op_on_cuda_equals_cpu(case, shapes, cuda_device):
    inputs = make_inputs(case, shapes, seed=3)
    outs_cpu, grads_cpu = _run(case, inputs, "cpu")
    outs_dev, grads_dev = _run(case, inputs, cuda_device)
    for a, b in zip(outs_dev + grads_dev, outs_cpu + grads_cpu):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
