"""The op table on "cuda": every case's forward and backward on the device equal the CPU's (float64).

For each case of ``tests/engine/op_table.py`` (kernel ops included) and each of its shape sets, the same
inputs run on the CPU and on "cuda" (simulated in CI, see conftest.py); the outputs and the gradients of
``sum(outputs * weights)`` with respect to every input must agree to 1e-10, and every output and gradient
must live on the device.
"""
import numpy as np
import pytest

import engine
from engine import backend
from tests.engine.op_table import CASES, make_inputs

# "to_device" moves its input to the CPU on purpose: it mixes devices by design and is tested on its own
_PARAMS = [pytest.param(c, s, id=f"{c.name}-{i}") for c in CASES if c.name != "to_device"
           for i, s in enumerate(c.shapes)]


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
