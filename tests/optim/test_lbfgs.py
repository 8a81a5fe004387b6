"""L-BFGS follows torch.optim.LBFGS step for step (plain and strong-Wolfe line search, short history,
maximize) over 30 steps in float64; needs a closure; checks its hyperparameters and its loaded state."""
import copy

import numpy as np
import pytest

import engine
import optim

from .problems import constants, loss, make_params

torch = pytest.importorskip("torch")


def _rosenbrock_pair(seed=0):
    x0 = np.random.default_rng(seed).uniform(-1.5, 1.5, size=6)
    ours = engine.tensor(x0, dtype="float64", requires_grad=True)
    theirs = torch.tensor(x0, dtype=torch.float64, requires_grad=True)

    def f(x, lib):
        return (100 * (x[1:] - x[:-1] ** 2) ** 2).sum() + ((1 - x[:-1]) ** 2).sum()

    return ours, theirs, f


CASES = [
    dict(lr=1.0, max_iter=4),
    dict(lr=0.5, max_iter=3, history_size=2),
    dict(lr=1.0, max_iter=5, line_search_fn="strong_wolfe"),
    dict(lr=1.0, max_iter=5, history_size=3, line_search_fn="strong_wolfe", tolerance_change=1e-12),
]


@pytest.mark.parametrize("kw", CASES, ids=[str(i) for i in range(len(CASES))])
def test_rosenbrock_trajectory_equals_torch(kw):
    x, tx, f = _rosenbrock_pair()
    ours, theirs = optim.LBFGS([x], **kw), torch.optim.LBFGS([tx], **kw)

    def closure():
        ours.zero_grad()
        out = f(x, engine)
        out.backward()
        return out

    def tclosure():
        theirs.zero_grad()
        out = f(tx, torch)
        out.backward()
        return out

    # Rosenbrock's valley amplifies rounding (NumPy's and torch's dot products sum in different orders):
    # the two runs start 1e-17 apart and part by up to ~1e-10 mid-way before both converge
    for i in range(30):
        a, b = float(ours.step(closure)), float(theirs.step(tclosure).detach())
        assert a == pytest.approx(b, rel=1e-7, abs=1e-9), i
        np.testing.assert_allclose(x.numpy(), tx.detach().numpy(), rtol=1e-7, atol=1e-8, err_msg=str(i))
    sa, sb = ours.state[x], theirs.state[tx]
    assert sa["func_evals"] == sb["func_evals"] and sa["n_iter"] == sb["n_iter"]
    assert len(sa["old_dirs"]) == len(sb["old_dirs"])


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_two_parameters_and_maximize_equal_torch(line_search):
    inits, ws, ss = constants(5)
    params = make_params(inits)
    tps = [torch.tensor(v, requires_grad=True) for v in inits]
    tws, tss = [torch.tensor(w) for w in ws], [torch.tensor(s) for s in ss]
    kw = dict(lr=0.8, max_iter=3, history_size=4, line_search_fn=line_search, maximize=True)
    ours, theirs = optim.LBFGS(params, **kw), torch.optim.LBFGS(tps, **kw)

    def closure():
        ours.zero_grad()
        out = -loss(params, ws, ss)
        out.backward()
        return out

    def tclosure():
        theirs.zero_grad()
        out = -sum(((torch.sin(p) * w).sum() + 0.5 * (s * p * p).sum()) for p, w, s in zip(tps, tws, tss))
        out.backward()
        return out

    for _ in range(30):
        ours.step(closure)
        theirs.step(tclosure)
    for a, b in zip(params, tps):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)


def test_needs_a_closure_and_one_group_and_valid_options():
    p = engine.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.LBFGS([p])
    with pytest.raises(TypeError, match="LBFGS.step: a closure"):
        opt.step()
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": [engine.tensor([1.0], requires_grad=True)]})
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe', got 'armijo'"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size must be an integer >= 1"):
        optim.LBFGS([p], history_size=0)


def test_bad_gradient_raises_before_any_update():
    p = engine.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    opt = optim.LBFGS([p])

    def closure():
        p.grad = engine.tensor(np.ones(3))
        return engine.tensor(1.0)

    with pytest.raises(ValueError, match=r"LBFGS.step: parameter 0 has shape \(2,\) but its gradient \(3,\)"):
        opt.step(closure)
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])


def test_state_dict_round_trip_resumes_and_bad_state_is_refused():
    x, _, f = _rosenbrock_pair(1)
    opt = optim.LBFGS([x], max_iter=3, history_size=4)

    def closure():
        opt.zero_grad()
        out = f(x, engine)
        out.backward()
        return out

    for _ in range(3):
        opt.step(closure)
    saved, x_saved = copy.deepcopy(opt.state_dict()), x.numpy().copy()
    for _ in range(3):
        opt.step(closure)
    straight = x.numpy().copy()

    y = engine.tensor(x_saved, dtype="float64", requires_grad=True)
    opt2 = optim.LBFGS([y], max_iter=3, history_size=4)

    def closure2():
        opt2.zero_grad()
        out = f(y, engine)
        out.backward()
        return out

    bad = copy.deepcopy(saved)
    bad["state"][0]["old_dirs"][0] = np.zeros(5)
    with pytest.raises(ValueError, match=r"'old_dirs' of parameter 0\[0\] must be a flat floating array of 6"):
        opt2.load_state_dict(bad)
    assert opt2.state == {}
    opt2.load_state_dict(saved)
    for _ in range(3):
        opt2.step(closure2)
    np.testing.assert_array_equal(y.numpy(), straight)


def test_step_bumps_the_parameter_version():
    p = engine.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    opt = optim.LBFGS([p], max_iter=5)

    def closure():
        opt.zero_grad()
        out = (p * p).sum()
        out.backward()
        return out

    v = p._version
    opt.step(closure)
    assert p._version >= v + 2 and np.abs(p.numpy()).max() < 1e-6  # several iterations, each bumps
