"""Every CUDA kernel against its CPU twin, through the same public ``kernels`` functions.

The CUDA twin gets device arrays on a non-default stream (tests/kernels/_twins.py): without a GPU the
simulated device's arrays, with the twins under Numba's CUDA simulator (``tests/conftest.py`` switches it
on; shapes are tiny: the simulator runs each thread in Python); with a GPU, CuPy arrays and the real
kernels.  The ``gpu`` tests below run larger shapes on a real GPU only.
"""
import numpy as np
import pytest

import kernels
from engine.ops.pool_params import adaptive_size, pool2d_params
from kernels.act_spec import ACTIVATIONS
from tests.kernels._twins import both, cupy_or_skip
from tests.kernels import _ref
from engine.ops.conv_params import conv2d_params


def _close(a, b, tol=1e-5):
    for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        if u is None:
            assert v is None
            continue
        np.testing.assert_allclose(np.asarray(v), np.asarray(u), rtol=tol, atol=tol)


CONV = [
    ((1, 2, 5, 7), (3, 2, 3, 3), 1, 1, 1),
    ((2, 1, 5, 6), (2, 1, 2, 3), (2, 1), (0, 1), (2, 1)),
]


@pytest.mark.parametrize("xs,ws,s,p,d", CONV)
def test_conv2d(xs, ws, s, p, d, monkeypatch):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, s, p, d))
    gy = rng.standard_normal(y.shape)

    pa = conv2d_params("conv2d", x.shape, w.shape, s, p, d)

    def run(x, w, b, gy):
        return (kernels.conv2d_forward(x, w, b, pa),) + kernels.conv2d_backward(gy, x, w, pa)

    cpu, gpu = both(monkeypatch, run, x, w, b, gy)
    _close(cpu, gpu, 1e-10)
    sp = (s, s) if isinstance(s, int) else s
    pp = (p, p) if isinstance(p, int) else p
    dp = (d, d) if isinstance(d, int) else d
    _close(gpu[0], _ref.conv2d(x, w, b, sp, pp, dp), 1e-10)


DEPTHWISE = [
    ((2, 3, 5, 6), (6, 1, 3, 3), 1, 1, 1, np.float64),  # stride 1: the CPU twin's wide rows
    ((1, 2, 7, 6), (2, 1, 2, 3), (2, 1), (0, 2), (1, 2), np.float32),  # strided: its per-row loops
]


@pytest.mark.parametrize("xs,ws,s,p,d,dtype", DEPTHWISE)
def test_depthwise_conv2d(xs, ws, s, p, d, dtype, monkeypatch):
    """The three depthwise passes, both twins, against the per-channel reference convolution."""
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(sh).astype(dtype) for sh in (xs, ws, ws[:1]))
    pa = conv2d_params("conv2d", x.shape, w.shape, s, p, d, groups=xs[1])
    gy = rng.standard_normal(pa.y_shape).astype(dtype)

    def run(x, w, b, gy):
        return (kernels.depthwise_conv2d_forward(x, w, b, pa), kernels.depthwise_conv2d_input_grad(gy, w, pa),
                kernels.depthwise_conv2d_weight_grad(gy, x, pa))

    cpu, gpu = both(monkeypatch, run, x, w, b, gy, min_launches=3)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    _close(cpu, gpu, tol)
    m = ws[0] // xs[1]
    sp, pp, dp = ((v, v) if isinstance(v, int) else v for v in (s, p, d))
    per_channel = [_ref.conv2d(x[:, o // m:o // m + 1].astype(np.float64), w[o:o + 1].astype(np.float64),
                               b[o:o + 1].astype(np.float64), sp, pp, dp) for o in range(ws[0])]
    _close(gpu[0], np.concatenate(per_channel, axis=1), tol)


def test_conv2d_twin_runs_one_cuda_launch_per_pass(monkeypatch):
    """Routed to the CUDA twin, no CPU-only path (direct, Winograd, few-taps) intercepts, and each pass is
    one Numba launch: im2col reading NCHW (forward; the backward's weight gradient reuses the kept
    columns) and col2im writing NCHW (input gradient)."""
    import kernels.cuda._launch as launch_helper

    calls = []
    real = launch_helper.launch_kernel
    monkeypatch.setattr(launch_helper, "launch_kernel",
                        lambda k, *a: calls.append(launch_helper._name(k)) or real(k, *a))
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 2, 5, 7)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    gy = rng.standard_normal((2, 3, 5, 7))
    pa = conv2d_params("conv2d", x.shape, w.shape, 1, 1)
    kept = []

    def run(x, w, b, gy):
        y, cols = kernels.conv2d_forward_keeping_columns(x, w, b, pa)
        kept.append(cols)
        return (y,) + kernels.conv2d_backward(gy, x, w, pa, columns=cols)

    cpu, gpu = both(monkeypatch, run, x, w, b, gy)
    assert calls == ["_im2col_nchw", "_col2im_nchw"] and kept[-1] is not None  # the device kept its columns
    _close(cpu, gpu, 1e-12)


def test_conv2d_twin_keeps_no_columns_over_the_budget(monkeypatch):
    """Columns over the memory budget are not kept: the backward recomputes them chunk by chunk."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 2, 6, 5)), rng.standard_normal((4, 2, 3, 3))
    pa = conv2d_params("conv2d", x.shape, w.shape, 1, 1)
    gy = rng.standard_normal(pa.y_shape)
    kept = []

    def run(x, w, gy):
        y, cols = kernels.conv2d_forward_keeping_columns(x, w, None, pa)
        kept.append(cols)
        return kernels.conv2d_backward(gy, x, w, pa, columns=cols)

    kernels.set_memory_budget(2 * 18 * 30 * 8)  # two samples' columns: the batch takes two chunks
    try:
        cpu, gpu = both(monkeypatch, run, x, w, gy)
    finally:
        kernels.set_memory_budget(None)
    assert kept == [None, None]
    _close(cpu, gpu, 1e-12)


def test_conv2d_split_sample_chunks(monkeypatch):
    """A tiny budget splits one sample over row chunks: accumulation across chunks on the device."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 1, 6, 5)), rng.standard_normal((1, 1, 3, 3))
    gy = rng.standard_normal((1, 1, 6, 5))
    kernels.set_memory_budget(100)
    try:
        cpu, gpu = both(monkeypatch, lambda gy, x, w: kernels.conv2d_backward(
            gy, x, w, conv2d_params("conv2d", x.shape, w.shape, 1, 1, 1), need_bias=False), gy, x, w)
    finally:
        kernels.set_memory_budget(None)
    _close(cpu, gpu, 1e-10)


@pytest.mark.parametrize("k,s,p,d,ceil", [(2, 2, 0, 1, False), ((3, 2), (2, 1), (1, 1), (2, 1), True)])
def test_max_pool(k, s, p, d, ceil, monkeypatch):
    x = np.random.default_rng(2).permutation(2 * 2 * 5 * 7).reshape(2, 2, 5, 7).astype(np.float32)

    prm = pool2d_params("max_pool2d", x, k, s, p, d, ceil)
    y_shape = kernels.max_pool2d_forward(x, prm)[0].shape
    gy = np.arange(np.prod(y_shape), dtype=np.float32).reshape(y_shape)

    def run(x, gy):
        y, idx = kernels.max_pool2d_forward(x, prm)
        return y, idx, kernels.max_pool2d_backward(gy, idx, prm)

    cpu, gpu = both(monkeypatch, run, x, gy)
    _close(cpu, gpu, 0)


@pytest.mark.parametrize("k,s,p,ceil,inc", [(2, 2, 0, False, True), (3, 2, 1, True, False), ((2, 3), (1, 2), (1, 1), True, True)])
def test_avg_pool(k, s, p, ceil, inc, monkeypatch):
    x = np.random.default_rng(3).standard_normal((1, 2, 5, 7))

    prm = pool2d_params("avg_pool2d", x, k, s, p, 1, ceil, inc)

    def run(x):
        y = kernels.avg_pool2d_forward(x, prm)
        return y, kernels.avg_pool2d_backward(y * y, prm)

    cpu, gpu = both(monkeypatch, run, x)
    _close(cpu, gpu, 1e-12)


@pytest.mark.parametrize("out", [1, (2, 3)])
def test_adaptive_and_global_pool(out, monkeypatch):
    x = np.random.default_rng(4).standard_normal((1, 2, 5, 7))

    def run(x):
        y = kernels.adaptive_avg_pool2d_forward(x, adaptive_size("adaptive_avg_pool2d", out))
        g = kernels.global_avg_pool_forward(x)
        return (y, kernels.adaptive_avg_pool2d_backward(y * y, x.shape), g,
                kernels.global_avg_pool_backward(g * 3.0, x.shape))

    cpu, gpu = both(monkeypatch, run, x)
    _close(cpu, gpu, 1e-12)


ACTS = [row.name for row in ACTIVATIONS if not row.slope_weight]  # every row of the activation spec


@pytest.mark.parametrize("dtype,tol,names", [(np.float64, 1e-12, ACTS), (np.float32, 2e-6, ["silu", "mish", "elu"])])
def test_activations(dtype, tol, names, monkeypatch):
    x = (np.random.default_rng(5).standard_normal(10) * 3).astype(dtype)
    x[:3] = [0.0, 0.05, -30.0]
    gy = np.linspace(-1, 1, 10).astype(dtype)

    def run(x, gy):
        out = []
        for name in names:
            y = kernels.activation_forward(x, name)
            out += [y, kernels.activation_backward(gy, x, name, y)[0]]
        return tuple(out)

    cpu, gpu = both(monkeypatch, run, x, gy)
    _close(cpu, gpu, tol)


@pytest.mark.parametrize("shape,axis", [((2, 3, 2), 1), ((4, 3), -1)])
def test_bias_prelu_fused(shape, axis, monkeypatch):
    rng = np.random.default_rng(6)
    x, gy = rng.standard_normal(shape), rng.standard_normal(shape)
    C = shape[axis]
    b, w = rng.standard_normal(C), rng.uniform(0.1, 0.3, C)

    def run(x, gy, b, w):
        y = kernels.activation_forward(x, "prelu", bias=b, weight=w, axis=axis)
        return (y,) + kernels.activation_backward(gy, x, "prelu", y, bias=b, weight=w, axis=axis,
                                                  need_bias=True, need_weight=True)

    cpu, gpu = both(monkeypatch, run, x, gy, b, w)
    _close(cpu, gpu, 1e-12)


@pytest.mark.parametrize("shape,axis", [((3, 5), -1), ((2, 4, 3), 1)])
def test_softmax(shape, axis, monkeypatch):
    rng = np.random.default_rng(7)
    x, gy = rng.standard_normal(shape) * 4, rng.standard_normal(shape)

    def run(x, gy):
        y, ly = kernels.softmax(x, axis), kernels.log_softmax(x, axis)
        return y, ly, kernels.softmax_backward(gy, y, axis), kernels.log_softmax_backward(gy, ly, axis)

    cpu, gpu = both(monkeypatch, run, x, gy)
    _close(cpu, gpu, 1e-12)


def test_cross_entropy(monkeypatch):
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((4, 5)) * 3).astype(np.float32)
    t = np.array([1, -100, 4, 0])

    def run(x, t, g):
        loss, lse = kernels.softmax_cross_entropy_forward(x, t)
        return loss, lse, kernels.softmax_cross_entropy_backward(g, x, t, lse)

    cpu, gpu = both(monkeypatch, run, x, t, np.ones(4, np.float32))
    _close(cpu, gpu, 1e-6)


def test_tiled_matmul(monkeypatch):
    rng = np.random.default_rng(9)
    a = rng.standard_normal((18, 17)).astype(np.float32)
    b = rng.standard_normal((17, 5)).astype(np.float32)
    cpu, gpu = both(monkeypatch, kernels.matmul_tiled, a, b)
    np.testing.assert_allclose(gpu, a @ b, rtol=1e-5, atol=1e-5)
    _close(cpu, gpu, 1e-5)


# ---- real GPU, real CuPy arrays ------------------------------------------------------------------


@pytest.mark.gpu
def test_gpu_conv_pool_act_softmax_match_cpu():
    cp = cupy_or_skip()
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 4, 11, 9)).astype(np.float32)
    w = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    y = kernels.conv2d_forward(x, w, b, conv2d_params("conv2d", x.shape, w.shape, 2, 1, 1))
    yg = kernels.conv2d_forward(cp.asarray(x), cp.asarray(w), cp.asarray(b), conv2d_params("conv2d", cp.asarray(x).shape, cp.asarray(w).shape, 2, 1, 1))
    np.testing.assert_allclose(cp.asnumpy(yg), y, rtol=1e-4, atol=1e-4)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    for u, v in zip(kernels.conv2d_backward(gy, x, w, conv2d_params("conv2d", x.shape, w.shape, 2, 1, 1)),
                    kernels.conv2d_backward(cp.asarray(gy), cp.asarray(x), cp.asarray(w), conv2d_params("conv2d", cp.asarray(x).shape, cp.asarray(w).shape, 2, 1, 1))):
        np.testing.assert_allclose(cp.asnumpy(v), u, rtol=1e-3, atol=1e-3)
    p, i = kernels.max_pool2d_forward(x, pool2d_params("max_pool2d", x, 2))
    pg, ig = kernels.max_pool2d_forward(cp.asarray(x), pool2d_params("max_pool2d", x, 2))
    np.testing.assert_array_equal(cp.asnumpy(pg), p)
    np.testing.assert_array_equal(cp.asnumpy(ig), i)
    for name in ACTS:
        np.testing.assert_allclose(cp.asnumpy(kernels.activation_forward(cp.asarray(x), name)),
                                   kernels.activation_forward(x, name), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cp.asnumpy(kernels.softmax(cp.asarray(y), 1)), kernels.softmax(y, 1), atol=1e-6)
    a = rng.standard_normal((70, 33)).astype(np.float32)
    m = rng.standard_normal((33, 20)).astype(np.float32)
    np.testing.assert_allclose(cp.asnumpy(kernels.matmul_tiled(cp.asarray(a), cp.asarray(m))), a @ m, rtol=1e-4, atol=1e-4)
