"""The checks ``bench.gpu_check`` runs, each a function ``(device, xp) -> detail dict`` that raises on failure.

``device`` is "cuda" (a real GPU, or the simulated device under ``KILN_SIMULATE_CUDA=1``) and ``xp`` its array
module.  The same functions serve both: on the simulated device they check the GPU path's logic, on a GPU
the real kernels, compilers and streams.  Nothing here is timed for a claim except where the detail says
so, and only on a real GPU.
"""
from __future__ import annotations

import time

import numpy as np

import kernels
from engine import backend
from engine.ops.pool_params import pool2d_params
from engine.ops.conv_params import conv2d_params
from kernels import optim_updates

F32 = np.float32


def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(F32)


def _wrapper_cases(rng):
    """(name, fn taking an array-mover ``d``) for every kernel wrapper, empty inputs included."""
    x = _rand(rng, 2, 3, 8, 8)
    w = _rand(rng, 4, 3, 3, 3)
    conv = conv2d_params("conv2d", x.shape, w.shape, 1, 1)
    w_dw = _rand(rng, 3, 1, 3, 3)
    dw = conv2d_params("conv2d", x.shape, w_dw.shape, 1, 1, groups=3)
    b = _rand(rng, 4)
    gy_conv = _rand(rng, 2, 4, 8, 8)
    logits = _rand(rng, 5, 7)
    labels = rng.integers(0, 7, 5)
    gy_pool = _rand(rng, 2, 3, 4, 4)
    pool2, avg3 = pool2d_params("max_pool2d", x, 2), pool2d_params("avg_pool2d", x, 3, 2, 1)
    return [
        ("conv2d_forward", lambda d: kernels.conv2d_forward(d(x), d(w), d(b), conv)),
        ("conv2d_backward", lambda d: kernels.conv2d_backward(d(gy_conv), d(x), d(w), conv)),
        ("conv2d_forward_empty", lambda d: kernels.conv2d_forward(d(x[:0]), d(w), d(b), conv2d_params(
            "conv2d", x[:0].shape, w.shape, 1, 1))),
        ("depthwise_conv2d_forward", lambda d: kernels.depthwise_conv2d_forward(d(x), d(w_dw), d(x[0, :, 0, 0]), dw)),
        ("depthwise_conv2d_input_grad", lambda d: kernels.depthwise_conv2d_input_grad(d(x), d(w_dw), dw)),
        ("depthwise_conv2d_weight_grad", lambda d: kernels.depthwise_conv2d_weight_grad(d(x), d(x), dw)),
        ("im2col", lambda d: kernels.im2col(d(x), conv)),
        ("col2im", lambda d: kernels.col2im(d(kernels.im2col(x, conv)), conv)),
        ("max_pool2d", lambda d: kernels.max_pool2d_forward(d(x), pool2)),
        ("max_pool2d_backward", lambda d: kernels.max_pool2d_backward(
            d(gy_pool), kernels.max_pool2d_forward(d(x), pool2)[1], pool2)),
        ("max_pool2d_empty", lambda d: kernels.max_pool2d_forward(d(x[:0]), pool2)),
        ("avg_pool2d", lambda d: kernels.avg_pool2d_forward(d(x), avg3)),
        ("avg_pool2d_backward", lambda d: kernels.avg_pool2d_backward(d(np.ones((2, 3, 4, 4), F32)), avg3)),
        ("adaptive_avg_pool2d", lambda d: kernels.adaptive_avg_pool2d_forward(d(x), (3, 3))),
        ("global_avg_pool", lambda d: kernels.global_avg_pool_forward(d(x))),
        ("relu_bias", lambda d: kernels.activation_forward(d(x), "relu", bias=d(x[0, :, 0, 0]))),
        ("silu_backward", lambda d: kernels.activation_backward(d(x), d(x), "silu")),
        ("activation_empty", lambda d: kernels.activation_forward(d(x[:0]), "tanh")),
        ("softmax", lambda d: kernels.softmax(d(logits))),
        ("log_softmax_axis1", lambda d: kernels.log_softmax(d(x), axis=1)),
        ("softmax_backward", lambda d: kernels.softmax_backward(d(logits), kernels.softmax(d(logits)))),
        ("softmax_empty", lambda d: kernels.softmax(d(logits[:0]))),
        ("cross_entropy", lambda d: kernels.softmax_cross_entropy_forward(d(logits), d(labels))),
        ("cross_entropy_backward", lambda d: kernels.softmax_cross_entropy_backward(
            d(np.ones(5, F32)), d(logits), d(labels), kernels.softmax_cross_entropy_forward(d(logits), d(labels))[1])),
        ("batch_norm", lambda d: kernels.batch_norm_forward(d(x), d(np.ones(3, F32)), d(np.zeros(3, F32)))),
        ("batch_norm_backward", lambda d: kernels.batch_norm_backward(
            d(x), d(x), d(np.ones(3, F32)), *kernels.batch_norm_forward(d(x))[1::2], True)),
        ("matmul_tiled", lambda d: kernels.matmul_tiled(d(logits), d(logits.T.copy()))),
        ("matmul_tiled_empty", lambda d: kernels.matmul_tiled(d(logits[:0]), d(logits.T.copy()))),
        ("sgd_update", lambda d: _optimiser(d, "sgd", x.reshape(-1)[:37])),
        ("adam_update", lambda d: _optimiser(d, "adam", x.reshape(-1)[:37])),
        ("adam_update_empty_state", lambda d: _optimiser(d, "adam", x.reshape(-1)[:0])),
    ]


def _optimiser(d, rule, p0):
    p, g = d(p0.copy()), d(p0[::-1].copy())
    if rule == "sgd":
        buf = d(np.zeros_like(p0))
        kernels.sgd_update(p, [g], buf, optim_updates.sgd_hparams(F32, lr=0.1, momentum=0.9), optim_updates.FIRST)
        return p, buf
    m, v, vmax = d(np.zeros_like(p0)), d(np.zeros_like(p0)), d(np.zeros(0, F32))  # 0-size: no amsgrad
    kernels.adam_update(p, [g], m, v, vmax, optim_updates.adam_hparams(F32, step=1, lr=0.01), 0)
    return p, m, v


def _host(result):
    items = result if isinstance(result, tuple) else (result,)
    return [None if r is None else backend.to_numpy(r) for r in items]


def kernel_wrappers(device, xp) -> dict:
    """Every kernel wrapper on ``device`` float32 arrays equals the CPU twin; first-call (compile) times."""
    rng = np.random.default_rng(0)
    first_call_s, failures = {}, []
    move = lambda a: backend.to_device(a, device)  # noqa: E731
    for name, fn in _wrapper_cases(rng):
        want = _host(fn(lambda a: a))
        t0 = time.perf_counter()
        got_dev = fn(move)
        first_call_s[name] = round(time.perf_counter() - t0, 4)
        got = _host(got_dev)
        for i, (g, e) in enumerate(zip(got, want)):
            if (g is None) != (e is None) or (g is not None and (g.shape != e.shape or g.dtype != e.dtype
                                                                  or not np.allclose(g, e, rtol=1e-4, atol=1e-5))):
                failures.append(f"{name}[{i}]")
        on_device = [backend.device_of(r) for r in (got_dev if isinstance(got_dev, tuple) else (got_dev,))
                     if r is not None and not isinstance(r, (int, float))]
        if any(str(dv) == "cpu" for dv in on_device):
            failures.append(f"{name}: result on the host")
    if failures:
        raise AssertionError(f"kernel wrappers differ from the CPU: {', '.join(failures)}")
    return {"wrappers": len(first_call_s), "first_call_s": first_call_s}


def _stream_pipeline(device):
    import engine
    import nn.functional as F
    import optim

    rng = np.random.default_rng(1)
    x = engine.tensor(_rand(rng, 4, 3, 8, 8)).to(device)
    w = engine.tensor(_rand(rng, 5, 3, 3, 3)).to(device).requires_grad_()
    opt = optim.Adam([w], lr=0.01)
    y = F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2)
    (y * y).mean().backward()
    opt.step()
    return backend.to_numpy(y.array), backend.to_numpy(w.array)


def stream(device, xp) -> dict:
    """conv, activation, pooling and an Adam update inside a non-blocking stream equal the default stream."""
    want = _stream_pipeline(device)
    s = xp.cuda.Stream(non_blocking=True)
    with s:
        got = _stream_pipeline(device)
    s.synchronize()
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    return {"stream_ptr": int(s.ptr)}


def training_step(device, xp) -> dict:
    """A LeNet5 SGD step in float64 on ``device`` equals the CPU step to 1e-9."""
    import copy

    import engine
    import nn.functional as F
    import optim
    from nn import models

    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((2, 1, 28, 28)), rng.integers(0, 10, 2)
    model = models.LeNet5().double()
    results = []
    for dev, m in (("cpu", model), (device, copy.deepcopy(model))):
        m = m.to(dev)
        opt = optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
        loss = F.cross_entropy(m(engine.tensor(x, dtype="float64").to(dev)), engine.tensor(y).to(dev))
        loss.backward()
        opt.step()
        results.append([loss.item()] + [backend.to_numpy(p.array) for p in m.parameters()])
    worst = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(*results))
    if worst > 1e-9:
        raise AssertionError(f"LeNet5 step on {device} differs from the CPU by {worst:.3g}")
    return {"max_abs_diff": worst}


def launch_overhead(device, xp) -> dict:
    """Host microseconds per launch of 5- and 8-array-argument kernels (bench.timing.launch_overhead) and of two
    Kiln wrappers end to end (real GPU only)."""
    from bench.timing import launch_overhead as kernel_overhead

    out = kernel_overhead(xp)
    a = xp.ones((32, 64), dtype=xp.float32)
    cases = {"activation_forward_us": lambda: kernels.activation_forward(a, "relu", bias=a[0]),
             "sgd_update_us": lambda: kernels.sgd_update(a.reshape(-1), [a.reshape(-1)], xp.zeros(a.size, F32),
                                                         optim_updates.sgd_hparams(F32, lr=0.1, momentum=0.9), 0)}
    for name, fn in cases.items():
        for _ in range(10):
            fn()
        xp.cuda.runtime.deviceSynchronize()
        t0 = time.perf_counter()
        for _ in range(500):
            fn()
        xp.cuda.runtime.deviceSynchronize()
        out[name] = (time.perf_counter() - t0) / 500 * 1e6
    return {k: round(v, 2) for k, v in out.items()}


def phase_timings(device, xp, batch=32, steps=20) -> dict:
    """Median milliseconds of forward, loss, backward and optimiser step of a LeNet5 Adam step on ``device``,
    each phase timed between device synchronisations (on the simulated device: a smoke run, not a figure)."""
    import engine
    import nn.functional as F
    import optim
    from nn import models

    sync = xp.cuda.Device().synchronize
    rng = np.random.default_rng(3)
    model = models.LeNet5().to(device)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = engine.tensor(_rand(rng, batch, 1, 28, 28)).to(device)
    y = engine.tensor(rng.integers(0, 10, batch)).to(device)
    phases = {"forward": [], "loss": [], "backward": [], "step": []}

    def timed(name, fn):
        sync()
        t0 = time.perf_counter()
        out = fn()
        sync()
        phases[name].append((time.perf_counter() - t0) * 1e3)
        return out

    for _ in range(steps + 1):  # the first step compiles: not timed
        opt.zero_grad()
        logits = timed("forward", lambda: model(x))
        loss = timed("loss", lambda: F.cross_entropy(logits, y))
        timed("backward", loss.backward)
        timed("step", opt.step)
    return {f"{k}_ms": round(float(np.median(v[1:] if len(v) > 1 else v)), 3) for k, v in phases.items()} | {
        "batch": batch, "steps": steps}
