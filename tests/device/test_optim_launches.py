"""The fused optimisers issue one Numba launch per parameter group and step on "cuda" (issue 19, section 4:
a LeNet5 Adam step launched one kernel per parameter, 10 in all), counted by a spy on the one launch helper
(``kernels.cuda._launch.launch_kernel``); and a group re-flattened onto the device keeps its state."""
import numpy as np
import pytest

import engine
import optim
from engine import backend
from nn import models


@pytest.fixture
def launches(monkeypatch, cuda_device):
    """The names of the kernels launched on the device, in order.  The spy records without running the
    kernel (Numba's simulator would take seconds over LeNet5's 61,706 values): these tests count."""
    import kernels.cuda._launch as launch_module

    names = []

    def counted(kernel, blocks, threads, ref, *args):
        launch_module.check_launch(launch_module._name(kernel), blocks, threads)
        names.append(launch_module._name(kernel))

    monkeypatch.setattr(launch_module, "launch_kernel", counted)
    return names


def _grads(params, seed=0):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = engine.tensor(rng.standard_normal(p.shape).astype(p.dtype)).to(p.device)


@pytest.mark.parametrize("make, kernel", [
    (lambda ps: optim.Adam(ps, lr=1e-3), "_adam"),
    (lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9), "_sgd"),
])
def test_a_lenet5_step_launches_one_update_per_group(make, kernel, launches, cuda_device):
    params = list(models.LeNet5().to(cuda_device).parameters())
    assert len(params) == 10  # one launch each before the flat buffers
    opt = make(params)
    for step in range(2):  # the first step creates the state, the second runs on it
        _grads(params, step)
        launches.clear()
        opt.step()
        assert launches == [kernel]
    opt = make([{"params": params[:4]}, {"params": params[4:], "lr": 1e-4}])
    _grads(params)
    launches.clear()
    opt.step()
    assert launches == [kernel, kernel]


def test_a_model_moved_to_the_device_after_the_optimiser_is_re_flattened_there(cuda_device):
    model = models.MLP([4, 3, 2])
    params = list(model.parameters())
    opt = optim.Adam(params, lr=1e-2)
    _grads(params)
    opt.step()
    exp_avg = [opt.state[p]["exp_avg"].copy() for p in params]
    model.to(cuda_device)
    _grads(params, 1)
    opt.step()
    for p, m0 in zip(params, exp_avg):
        assert backend.device_of(p.array) == cuda_device and opt.state[p]["step"] == 2
        m = opt.state[p]["exp_avg"]
        assert backend.device_of(m) == cuda_device
        np.testing.assert_allclose(backend.to_numpy(m), 0.9 * m0 + 0.1 * backend.to_numpy(p.grad.array), rtol=1e-5,
                                   atol=1e-7)
    assert len({id(p.array.base) for p in params}) == 1
