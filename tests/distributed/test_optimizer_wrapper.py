"""DistributedOptimizer in one process: it is an Optimizer that shares the wrapped one's groups and state,
so schedulers and checkpoints work, and it rejects what it cannot wrap."""
import numpy as np
import pytest

import nn
import optim
from engine import Tensor
from optim.distributed import DistributedOptimizer, broadcast_parameters
from optim.lr_scheduler import StepLR
from tests.distributed.helpers import require_mpi


@pytest.fixture
def comm():
    require_mpi()
    from engine.distributed import Communicator

    return Communicator()


def test_wrapper_shares_groups_state_and_steps(comm):
    p = nn.Parameter(np.ones(3, np.float32))
    inner = optim.SGD([p], lr=0.5, momentum=0.9)
    opt = DistributedOptimizer(inner, comm)
    assert isinstance(opt, optim.Optimizer)
    assert opt.param_groups is inner.param_groups and opt.state is inner.state
    sched = StepLR(opt, step_size=1, gamma=0.1)
    p.grad = Tensor._wrap(np.full(3, 2.0, np.float32))
    opt.step()
    np.testing.assert_allclose(p.array, 0.0)
    sched.step()
    assert inner.param_groups[0]["lr"] == pytest.approx(0.05)
    assert opt.state_dict()["state"][0]["momentum_buffer"].shape == (3,)
    opt.zero_grad()
    assert p.grad is None


def test_step_runs_closure_before_reducing(comm):
    p = nn.Parameter(np.ones(2, np.float32))
    opt = DistributedOptimizer(optim.SGD([p], lr=1.0), comm)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure).item()) == pytest.approx(2.0)
    np.testing.assert_allclose(p.array, -1.0)


def test_rejects_bad_arguments(comm):
    p = nn.Parameter(np.ones(2, np.float32))
    with pytest.raises(TypeError, match="expected an optim.Optimizer"):
        DistributedOptimizer(object(), comm)
    with pytest.raises(TypeError, match="comm has no"):
        DistributedOptimizer(optim.SGD([p], lr=1.0), object())
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        broadcast_parameters([np.ones(2)], comm)
